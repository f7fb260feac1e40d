"""dti-notebooks: clean Vietnam's Digital Transformation Index (DTI) data and build reports.

Modules (one concern each): ``paths`` (folders), ``parse`` (messy values), ``io`` (read and
atomic write), ``sources`` (provenance sidecars), ``admin_units`` (unit names and codes),
``datasets`` (one cleaner per processed table), ``validate`` (schemas and error messages),
``pipeline`` (raw → processed), ``load`` (read processed tables), ``formatting``, ``plots``,
``report`` (papermill + nbconvert runner).
"""

__version__ = "0.1.0"
