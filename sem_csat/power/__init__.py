"""Planning a study: how many respondents, and how much power.

==============================  ============================================================
:func:`rmsea_power`             power of the RMSEA test of (not-)close fit (semTools)
:func:`rmsea_sample_size`       smallest N for that power (semTools)
:func:`rmsea_plan`              either of them as a table (``power.csv``)
==============================  ============================================================
"""

from sem_csat.power.rmsea import (
    RMSEAPlan,
    rmsea_plan,
    rmsea_power,
    rmsea_sample_size,
)

__all__ = [
    "RMSEAPlan",
    "rmsea_plan",
    "rmsea_power",
    "rmsea_sample_size",
]
