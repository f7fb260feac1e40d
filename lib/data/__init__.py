"""The data layer: folders (``paths``), messy-value parsing (``parse``), text reading and
atomic writes (``io``), provenance sidecars (``sources``), reading processed tables (``load``),
the data texts and their checks (``texts``, ``text_checks``), table schemas (``schemas``), one
cleaner per processed table (``datasets``) and the curated reference tables (``reference/``).
It imports only :mod:`lib.messages` from the rest of ``lib``."""
