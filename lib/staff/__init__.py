"""The staff layer: files filled in by provincial staff — reading their workbooks and CSVs
(``ingest``), the data-entry workbook they fill (``template``) and administrative unit names
and codes (``unit_names``). Built on :mod:`lib.data`."""
