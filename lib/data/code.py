"""Which files of ``lib`` a result depends on, and their hash.

A report depends on the modules its notebook imports, transitively (an import inside a
function counts), on the exporter that writes its page (:mod:`lib.site.export`, with the
templates), and on the data files of their packages: message catalogues, reference tables,
templates. It does not depend on the runner: editing a progress line of ``lib/batch/run.py``
rebuilds no report, and editing the runner does not rebuild the data (the data check covers
:mod:`lib.build.pipeline` and what it imports).

The import graph is read with :mod:`ast` (nothing is imported), once per version of ``lib``
(the batch runner keys its cache with :func:`lib.batch.state.lib_hash`). The data build
(:func:`lib.build.pipeline.code_hash`), the group-result cache (:func:`lib.analysis.group.code_key`)
and the batch runner all hash their code here.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

from lib.data.files import hash_files

LIB_DIR = Path(__file__).resolve().parents[1]
EXPORTER = ("lib.site.export",)  # every page goes through it
BUILD = ("lib.build.pipeline",)  # what `python -m lib data` runs


def _module_name(path: Path, lib_dir: Path) -> str:
    parts = ["lib", *path.relative_to(lib_dir).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST, module: str, is_package: bool, modules: set[str]) -> set[str]:
    """The modules of ``lib`` one parsed module imports (``from lib.x import y`` → ``lib.x.y``
    when that is a module, else ``lib.x``; relative imports resolved)."""
    package = module if is_package else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            names = [target, *(f"{target}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            while name and name not in modules and "." in name:
                name = name.rsplit(".", 1)[0]
            if name in modules:
                found.add(name)
    return found


def import_graph(lib_dir: Path = LIB_DIR) -> dict[str, list[str]]:
    """``{module: [modules of lib it imports]}`` for every module of the package in
    ``lib_dir`` (JSON-able, for a cache). Raises ``SyntaxError`` for a module that does not
    parse."""
    lib_dir = Path(lib_dir)
    paths = {_module_name(p, lib_dir): p for p in sorted(lib_dir.rglob("*.py"))
             if "__pycache__" not in p.parts}
    modules = set(paths)
    return {module: sorted(_imports(ast.parse(path.read_bytes(), str(path)), module,
                                    path.name == "__init__.py", modules))
            for module, path in paths.items()}


def closure(roots, graph: dict[str, list[str]]) -> set[str]:
    """``roots`` (module names; those not of ``lib`` are ignored) and every module of ``lib``
    they import, directly or not, with the packages that contain them."""
    todo = [r for r in roots if r in graph]
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        parts = module.split(".")
        todo += [p for p in (".".join(parts[:i]) for i in range(1, len(parts))) if p in graph]
        todo += graph[module]
    return seen


def code_files(modules: set[str], lib_dir: Path = LIB_DIR) -> list[Path]:
    """The source file of each module and the data files of each package among ``modules``
    (files below the package folder that are not in a sub-package: ``lib/messages/vi/*.yml``,
    ``lib/data/reference/*.csv``, ``lib/site/templates/**``), sorted; caches left out."""
    lib_dir = Path(lib_dir)
    files = set()
    for module in modules:
        folder = lib_dir.joinpath(*module.split(".")[1:])
        if not (folder / "__init__.py").is_file():
            files.add(folder.with_suffix(".py"))
            continue
        files.add(folder / "__init__.py")
        for root, dirs, names in os.walk(folder):
            # a sub-package's files count when that package is used
            dirs[:] = [d for d in dirs if d != "__pycache__"
                       and not os.path.isfile(os.path.join(root, d, "__init__.py"))]
            files.update(Path(root, n) for n in names if not n.endswith((".py", ".pyc")))
    return sorted(files)


def code_hash(roots, graph: dict[str, list[str]] | None = None, lib_dir: Path = LIB_DIR) -> str:
    """SHA-256 over the files :func:`code_files` gives for the :func:`closure` of ``roots``
    (module names), by relative path and content; ``graph`` default :func:`import_graph`."""
    graph = import_graph(lib_dir) if graph is None else graph
    return hash_files(code_files(closure(roots, graph), lib_dir), lib_dir)
