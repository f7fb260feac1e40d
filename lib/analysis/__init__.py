"""Analysis layer: ranks, decomposition, uncertainty, peer groups and table queries.

Import from the topic modules (lib.analysis.core, .group, .queries).
"""
