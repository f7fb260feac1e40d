"""Constants shared across layers, importable without pandas (the runner's no-op reads them).

``UNIT_LEVELS``: the levels of an administrative unit, highest first (``units.unit_level``).
"""

UNIT_LEVELS = ("country", "province", "district", "commune")
