"""One module per processed table: each has ``RAW_FILES``, ``clean(raw_tables)`` and ``schema()``."""

from lib.data.datasets import dti_frameworks, dti_national, dti_scores, indicators, units

# Build order: units first (other tables check their codes against it).
DATASETS = {
    "units": units,
    "dti_scores": dti_scores,
    "dti_national": dti_national,
    "indicators": indicators,
    "dti_frameworks": dti_frameworks,
}
