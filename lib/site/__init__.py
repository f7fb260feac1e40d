"""The site layer: the offline HTML site — one executed notebook to a page (``export``), the
index pages and shared frame (``portfolio``), the Jinja templates and assets (``templates/``)
and the headless-browser check and PDF printing of the built pages (``browser``)."""
