"""Planning a study: how many respondents, and how much power.

==============================  ============================================================
:func:`rmsea_power`             power of the RMSEA test of (not-)close fit (semTools)
:func:`rmsea_sample_size`       smallest N for that power (semTools)
:func:`rmsea_plan`              either of them as a table (``power.csv``)
:func:`rmsea_power_nested`      the same for the χ² difference of nested models (and
                                :func:`rmsea_sample_size_nested`)
:func:`inverse_square_root`     smallest N for a PLS path (Kock & Hadaya 2018)
:func:`pls_plan`                either way round as a table (``power.csv`` of ``--pls``)
:func:`population`              population values of a model and the correlations they imply
:func:`simulate`                Monte Carlo power, bias and coverage of every path
==============================  ============================================================
"""

from sem_csat.power.implied import Population, population
from sem_csat.power.montecarlo import simulate
from sem_csat.power.pls import PLSPlan, inverse_square_root, minimum_detectable_path, pls_plan
from sem_csat.power.results import PowerSimulation
from sem_csat.power.rmsea import (
    RMSEAPlan,
    rmsea_plan,
    rmsea_power,
    rmsea_power_nested,
    rmsea_sample_size,
    rmsea_sample_size_nested,
)

__all__ = [
    "PLSPlan",
    "Population",
    "PowerSimulation",
    "RMSEAPlan",
    "inverse_square_root",
    "minimum_detectable_path",
    "pls_plan",
    "population",
    "rmsea_plan",
    "rmsea_power",
    "rmsea_power_nested",
    "rmsea_sample_size",
    "rmsea_sample_size_nested",
    "simulate",
]
