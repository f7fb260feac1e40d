"""dti-notebooks: clean Vietnam's Digital Transformation Index (DTI) data and build reports.

Subpackages by layer, bottom first (a module imports only from its own layer or lower ones):
``messages`` (message catalogues), ``data`` (paths, parsing, text IO, sources, tables and
schemas, load), ``staff`` (staff workbooks, template, unit names), ``build`` (pipeline,
validate, synthetic panel), the analysis modules ``analysis``, ``group`` and ``profiles``,
``present`` (formatting, display, plots, narrative), ``site`` (export, portfolio, templates,
browser) and ``batch`` (the report runner); ``__main__`` is the command line.
"""

__version__ = "0.1.0"
