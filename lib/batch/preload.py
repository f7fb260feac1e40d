"""Imported once by the forkserver that local (and LocalCluster) worker processes fork from:
papermill, nbclient, nbconvert, pandas and the HTML exporter, its template compiled, so that
each worker starts with them instead of importing them itself (see :mod:`lib.batch.workers`)."""

from lib.batch.workers import warm_imports

warm_imports()
