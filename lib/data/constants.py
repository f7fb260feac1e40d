"""Constants shared across layers, importable without pandas (the runner's no-op reads them).

``UNIT_LEVELS``: the levels of an administrative unit, highest first (``units.unit_level``).
``EXIT_*``: the exit codes of ``python -m lib`` (see :mod:`lib.__main__`).
"""

UNIT_LEVELS = ("country", "province", "district", "commune")

EXIT_OK = 0  # success, warnings allowed
EXIT_REPORTS_FAILED = 1  # some reports failed
EXIT_BAD_INPUT = 2  # bad configuration or input data, or a full or unwritable disk
EXIT_LOCKED = 3  # another run holds the outputs lock
