"""Model specifications: the :class:`ModelSpec` and the ways to build one."""

from sem_csat.spec.expressions import Expression
from sem_csat.spec.model import (
    Constraint,
    Construct,
    Covariance,
    Defined,
    Indicator,
    Interaction,
    Intercept,
    ModelSpec,
    Path,
)
from sem_csat.spec.practice import CsatItem, KanoPair, Metrics, Servqual, ServqualDimension

__all__ = [
    "Constraint",
    "Construct",
    "Covariance",
    "CsatItem",
    "Defined",
    "Expression",
    "Indicator",
    "Interaction",
    "Intercept",
    "KanoPair",
    "Metrics",
    "ModelSpec",
    "Path",
    "Servqual",
    "ServqualDimension",
]
