"""The presentation layer: what a notebook shows — number and label formatting
(``formatting``), tables and headings (``display``), charts (``plots``) and the sentences of the
reports (``narrative``). Reads the analysis layer; writes no file."""
