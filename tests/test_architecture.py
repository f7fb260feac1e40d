"""The shape of ``lib``: subpackages by layer, imports going one way, no import cycle.

Every module of ``lib`` is parsed with :mod:`ast` (nothing is imported); every import counts,
at module level or inside a function (a lazy import is still a dependency), in the forms
``import lib.x.y``, ``from lib.x.y import z``, ``from lib import x`` and relative imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "lib"

# bottom layer first: a module may import from its own layer or a lower one
LAYERS = ("messages", "data", "staff", "build", "analysis", "present", "site", "batch", "cli")
RANK = {name: rank for rank, name in enumerate(LAYERS)}
TOP_LEVEL_ALLOWED = {"lib", "lib.__main__"}


def module_name(path: Path) -> str:
    parts = ["lib", *path.relative_to(LIB).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(LIB.rglob("*.py"))
           if "__pycache__" not in p.parts}
PACKAGES = {module_name(p) for p in LIB.rglob("__init__.py")}


def layer_of(module: str) -> str | None:
    """The layer of a module of ``lib`` (None: the package root or a module of no layer)."""
    parts = module.split(".")
    if len(parts) == 1:
        return None  # lib/__init__.py: below every layer, imports nothing of lib
    head = parts[1]
    if head == "__main__":
        return "cli"
    if head in RANK and (module in PACKAGES or len(parts) > 2):
        return head
    return None


def _existing(name: str) -> str:
    """``name`` or its nearest parent that is a module of ``lib`` (``from lib.x import attr``)."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imports_of(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, module of lib) for every import in ``path``, however deep in the code."""
    package = module if module in PACKAGES else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names
                      if alias.name == "lib" or alias.name.startswith("lib.")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x / from ..data import y
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target != "lib" and not target.startswith("lib."):
                continue
            for alias in node.names:  # `from lib.data import io` imports the module lib.data.io
                sub = f"{target}.{alias.name}"
                found.append((node.lineno, sub if sub in MODULES else _existing(target)))
    return sorted({(line, _existing(name)) for line, name in found})


GRAPH = {module: imports_of(module, path) for module, path in MODULES.items()}


def where(module: str, line: int) -> str:
    return f"{MODULES[module].relative_to(LIB.parent).as_posix()}:{line}"


def test_every_module_of_lib_is_in_a_layer():
    stray = [MODULES[m].relative_to(LIB.parent).as_posix() for m in MODULES
             if m not in TOP_LEVEL_ALLOWED and layer_of(m) is None]
    assert not stray, ("modules outside the layer subpackages (move them into lib/<layer>/): "
                       + ", ".join(stray))


def test_the_package_root_imports_nothing_of_lib():
    bad = [f"{where('lib', line)} imports {target}" for line, target in GRAPH["lib"]]
    assert not bad, "\n".join(bad)


def test_imports_go_to_the_same_or_a_lower_layer():
    bad = []
    for module, imports in GRAPH.items():
        own = layer_of(module)
        for line, target in imports:
            theirs = layer_of(target)
            if target == "lib" or own is None and module == "lib":
                continue
            if own is None or theirs is None:
                bad.append(f"{where(module, line)}: {module} ({own or 'no layer'}) imports "
                           f"{target} ({theirs or 'no layer'})")
            elif RANK[theirs] > RANK[own]:
                bad.append(f"{where(module, line)}: {module} ({own}) imports {target} "
                           f"({theirs}, a higher layer)")
    assert not bad, f"{len(bad)} import(s) against the layer order " \
                    f"{' < '.join(LAYERS)}:\n  " + "\n  ".join(bad)


def _cycles() -> list[tuple[list[tuple[str, int]], list[str]]]:
    """One import cycle per group of modules that import each other, as (module, line of its
    import of the next) steps, with the modules of the group."""
    edges = {m: {} for m in GRAPH}
    for module, imports in GRAPH.items():
        for line, target in imports:
            if target != module and target in edges:
                edges[module].setdefault(target, line)
    # strongly connected components (Tarjan), then one cycle through each
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(set(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    cycles = []
    for component in components:
        start = min(component)
        path, seen = [start], {start: None}  # breadth-first back to start inside the component
        queue = [start]
        while queue:
            node = queue.pop(0)
            for nxt in sorted(edges[node]):
                if nxt == start:
                    path = [node]
                    while seen[path[-1]] is not None:
                        path.append(seen[path[-1]])
                    path.reverse()
                    queue = []
                    break
                if nxt in component and nxt not in seen:
                    seen[nxt] = node
                    queue.append(nxt)
        cycles.append(([(m, edges[m][path[(i + 1) % len(path)]]) for i, m in enumerate(path)],
                       sorted(component)))
    return cycles


def test_no_import_cycle():
    cycles = _cycles()
    described = [" → ".join(f"{m} ({where(m, line)})" for m, line in cycle)
                 + f" → {cycle[0][0]}\n    (modules importing each other: {', '.join(group)})"
                 for cycle, group in cycles]
    assert not cycles, f"{len(cycles)} import cycle(s):\n  " + "\n  ".join(described)


@pytest.mark.parametrize("package", sorted(p for p in PACKAGES if p.count(".") == 1))
def test_each_layer_package_says_what_it_holds(package):
    tree = ast.parse(MODULES[package].read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{MODULES[package]} has no docstring"


def _code_outside_lib():
    """(label, source) of the tests, benchmarks and notebooks' code cells."""
    import json

    root = LIB.parent
    for path in sorted([*root.glob("tests/**/*.py"), *root.glob("benchmarks/*.py")]):
        yield path.relative_to(root).as_posix(), path.read_text(encoding="utf-8")
    for path in sorted(root.glob("notebooks/*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for number, cell in enumerate(cells, 1):
            if cell["cell_type"] == "code":
                source = "".join(cell["source"]) if isinstance(cell["source"], list) \
                    else cell["source"]
                lines = [line for line in source.splitlines()
                         if not line.lstrip().startswith(("%", "!"))]
                yield f"{path.relative_to(root).as_posix()} cell {number}", "\n".join(lines)


def test_every_import_of_lib_outside_it_names_a_module_of_this_checkout():
    """An editable install of another checkout would otherwise serve a moved module's old
    name (``lib.report``) silently."""
    bad = []
    for label, source in _code_outside_lib():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names if a.name.startswith("lib.")]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module \
                    and (node.module == "lib" or node.module.startswith("lib.")):
                names = [node.module] if node.module != "lib" else []
                if node.module == "lib":  # `from lib import x`: x is a module (or __version__)
                    names += [f"lib.{a.name}" for a in node.names if a.name != "__version__"]
            else:
                continue
            bad += [f"{label}:{node.lineno} imports {name}" for name in names
                    if name not in MODULES]
    assert not bad, "imports of modules that are not in lib/:\n  " + "\n  ".join(bad)
