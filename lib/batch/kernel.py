"""Runs inside a warm Jupyter kernel of the batch runner: make every report start clean.

A worker keeps one kernel for many reports, so the libraries a notebook imports are imported
once. Before each report the worker calls :func:`prepare` (silently, outside the notebook), which
puts back what a fresh kernel would have:

- the user namespace, ``In``/``Out``, history and execution count (``InteractiveShell.reset``);
- the globals of every ``lib`` module (names rebound or added are undone; dicts, lists and sets
  are restored in place); ``lib`` modules first imported by a report are unloaded;
- the working directory (a new, empty folder per report), ``os.environ``, ``sys.path``;
- warning filters, matplotlib rcParams and backend (open figures closed), pandas options,
  numpy error and print options;
- the random generators of ``random`` and ``numpy.random``, reseeded from the OS as in a new
  process.

What stays: imported third-party modules and functions cached with ``functools.lru_cache`` in
``lib`` (pure functions of the processed data, which do not change during a run;
``lib.data.load.load_table`` returns copies). The worker restarts the kernel after any failed
report and every :data:`lib.batch.pool.MAX_REPORTS_PER_KERNEL` reports.
"""

from __future__ import annotations

import copy
import gc
import importlib
import os
import random
import sys
import warnings

HARNESS = __name__
_BASE: _Snapshot | None = None
_CONTAINERS = (dict, list, set)


def _lib_modules() -> dict:
    return {name: module for name, module in list(sys.modules.items())
            if module is not None and (name == "lib" or name.startswith("lib."))
            and name != HARNESS}


class _Snapshot:
    """The process state a report may change, taken once after the preload imports."""

    def __init__(self) -> None:
        self.cwd = os.getcwd()
        self.environ = dict(os.environ)
        self.path = list(sys.path)
        self.filters = list(warnings.filters)
        self.lib = {}
        for name, module in _lib_modules().items():
            names = dict(vars(module))
            containers = {}
            for key, value in names.items():
                if type(value) in _CONTAINERS and not key.startswith("__"):
                    try:
                        containers[key] = copy.deepcopy(value)
                    except Exception:  # noqa: BLE001 - uncopyable: only the binding is restored
                        pass
            self.lib[name] = (module, names, containers)
        self.rc = self.backend = self.pandas = self.numpy = None
        if "matplotlib" in sys.modules:
            import matplotlib

            self.rc = dict(matplotlib.rcParams)
            self.backend = matplotlib.get_backend()
        if "pandas" in sys.modules:
            import pandas as pd

            self.pandas = {key: pd.get_option(key) for key in _pandas_options()}
        if "numpy" in sys.modules:
            import numpy as np

            self.numpy = (np.geterr(), np.get_printoptions())


def _pandas_options() -> list[str]:
    from pandas._config import config

    return sorted(key for key in config._registered_options
                  if key not in config._deprecated_options)


def boot(preload: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Import ``preload`` (modules the notebooks import), then snapshot the clean state.

    Returns the modules that could not be imported (the notebook will report them itself).
    """
    global _BASE
    missing = []
    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a notebook that needs it fails with a traceback
            missing.append(name)
    if "matplotlib.pyplot" in sys.modules:  # activate the kernel's inline backend once
        import matplotlib.pyplot as plt

        plt.close("all")
    _BASE = _Snapshot()
    gc.collect()
    gc.freeze()  # the preloaded modules never need collecting: keep them out of every GC pass
    return missing


def _restore_lib(base: _Snapshot) -> None:
    for name, module in _lib_modules().items():
        if name not in base.lib:
            del sys.modules[name]
            parent, _, child = name.rpartition(".")
            if parent in sys.modules and getattr(sys.modules[parent], child, None) is module:
                delattr(sys.modules[parent], child)
    for name, (module, names, containers) in base.lib.items():
        sys.modules[name] = module
        namespace = vars(module)
        for key in [k for k in namespace if k not in names]:
            del namespace[key]
        for key, value in names.items():
            if namespace.get(key, _MISSING) is not value:
                namespace[key] = value
        for key, saved in containers.items():
            current = names[key]
            try:
                if current == saved:
                    continue
            except Exception:  # noqa: BLE001 - e.g. ambiguous truth value: restore anyway
                pass
            fresh = copy.deepcopy(saved)
            current.clear()
            if isinstance(current, dict):
                current.update(fresh)
            elif isinstance(current, list):
                current.extend(fresh)
            else:
                current.update(fresh)


_MISSING = object()


def _restore_libraries(base: _Snapshot) -> None:
    warnings.filters[:] = base.filters
    warnings._filters_mutated()
    if "matplotlib" in sys.modules:
        import matplotlib

        if "matplotlib.pyplot" in sys.modules:
            import matplotlib.pyplot as plt

            plt.close("all")
            if base.backend and matplotlib.get_backend() != base.backend:
                plt.switch_backend(base.backend)
        if base.rc is not None:
            changed = {key: value for key, value in base.rc.items()
                       if key != "backend" and matplotlib.rcParams.get(key) != value}
            if changed:
                with warnings.catch_warnings():  # restoring a deprecated key is not the analyst's
                    warnings.simplefilter("ignore", matplotlib.MatplotlibDeprecationWarning)
                    matplotlib.rcParams.update(changed)
    if base.pandas is not None:
        import pandas as pd

        for key, value in base.pandas.items():
            try:
                if pd.get_option(key) != value:
                    pd.set_option(key, value)
            except Exception:  # noqa: BLE001 - options that cannot be set back are left
                pass
    if base.numpy is not None:
        import numpy as np

        np.seterr(**base.numpy[0])
        np.set_printoptions(**base.numpy[1])
        np.random.seed()
    random.seed()


def prepare(workdir: str, env: dict | None = None) -> None:
    """Reset the kernel to the state :func:`boot` recorded, in ``workdir`` with ``env`` added
    to the environment. Raises ``RuntimeError`` if :func:`boot` has not run."""
    os.chdir(workdir)  # first: the previous report's folder may be gone
    base = _BASE
    if base is None:
        raise RuntimeError("lib.batch.kernel.boot() has not run in this kernel")
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=True)
    _restore_lib(base)
    os.environ.clear()
    os.environ.update(base.environ)
    os.environ.update(env or {})
    sys.path[:] = base.path
    _restore_libraries(base)
    gc.collect()


def save_tables_read(path: str) -> None:
    """Write the processed tables this report read (:func:`lib.data.load.tables_read`) to ``path``
    as a JSON list (``null`` if ``lib.data.load`` was never imported)."""
    import json

    load = sys.modules.get("lib.data.load")
    with open(path, "w", encoding="utf-8") as file:
        json.dump(load.tables_read() if load else None, file)
