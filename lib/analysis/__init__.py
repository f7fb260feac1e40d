"""Analysis layer: ranks, decomposition, uncertainty, peer groups and table queries.

Notebooks import lib.analysis.core (the public names of the topic modules: base, ranks,
decomposition, benchmarks, uncertainty, stability, targets), .group and .queries.
"""
