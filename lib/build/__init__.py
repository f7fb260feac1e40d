"""The build layer: raw files to processed tables — the pipeline that writes ``data/processed``
(``pipeline``), the dry-run check that lists every problem of the raw files (``validate``) and
the seeded synthetic example panel (``synthetic``). Built on :mod:`lib.data` and
:mod:`lib.staff`."""
