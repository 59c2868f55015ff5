"""Model specifications: the :class:`ModelSpec` and the ways to build one."""

from sem_csat.spec.model import Construct, Covariance, Indicator, ModelSpec, Path

__all__ = ["Construct", "Covariance", "Indicator", "ModelSpec", "Path"]
