"""The batch layer: running the report notebooks — the orchestrator behind ``python -m lib
reports`` (``run``), the local worker pool and warm kernels (``pool``), run state, fingerprints
and locks (``state``), the in-kernel helpers (``kernel``),
the fork-server preload (``preload``) and Dask workers for more than one machine (``cluster``).
The top layer below the command line; nothing of ``lib`` imports it."""
