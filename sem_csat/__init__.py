"""sem_csat: customer-satisfaction structural equation modeling.

Write a model (YAML, lavaan-style text or Python), point it at survey data, and fit it by PLS path
modeling (the ACSI's own method) or covariance-based SEM.

>>> import sem_csat
>>> spec = sem_csat.load_spec("ecsi")
>>> result = sem_csat.fit(spec, sem_csat.datasets.load("ecsi_mobile"))
>>> result.paths.shape
(12, 10)
>>> isinstance(result, sem_csat.SEMResult), result.statistic
(True, 't_value')

Every result fills one contract (:class:`SEMResult`, :mod:`sem_csat.contract`), so that
:func:`write`, :mod:`sem_csat.tables`, :mod:`sem_csat.diagram`, :mod:`sem_csat.report` and
:func:`compare` work on a PLS and a CB-SEM result alike.

Heavy dependencies (semopy, matplotlib) are imported only when first needed, so that
``import sem_csat`` stays fast: every public name below is loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sem_csat._version import __version__

if TYPE_CHECKING:
    from sem_csat import datasets, diagram, groups, metrics, power, report, tables
    from sem_csat.cbsem.model import CBSEM
    from sem_csat.cbsem.results import CBSEMResult
    from sem_csat.comparison import compare
    from sem_csat.contract import SEMResult
    from sem_csat.data import prepare_data, read_data
    from sem_csat.fitting import fit
    from sem_csat.groups.result import GroupResult
    from sem_csat.measurement import quality
    from sem_csat.output import write
    from sem_csat.pls.model import PLS
    from sem_csat.pls.results import PLSResult
    from sem_csat.spec.library import list_specs, load_spec
    from sem_csat.spec.model import ModelSpec

__all__ = [
    "CBSEM",
    "PLS",
    "CBSEMResult",
    "GroupResult",
    "ModelSpec",
    "PLSResult",
    "SEMResult",
    "__version__",
    "compare",
    "datasets",
    "diagram",
    "fit",
    "groups",
    "list_specs",
    "load_spec",
    "metrics",
    "power",
    "prepare_data",
    "quality",
    "read_data",
    "report",
    "tables",
    "write",
]

#: Public name -> (module, attribute); ``None`` for a module.
_LAZY: dict[str, tuple[str, str | None]] = {
    "ModelSpec": ("sem_csat.spec.model", "ModelSpec"),
    "load_spec": ("sem_csat.spec.library", "load_spec"),
    "list_specs": ("sem_csat.spec.library", "list_specs"),
    "read_data": ("sem_csat.data", "read_data"),
    "prepare_data": ("sem_csat.data", "prepare_data"),
    "fit": ("sem_csat.fitting", "fit"),
    "write": ("sem_csat.output", "write"),
    "PLS": ("sem_csat.pls.model", "PLS"),
    "CBSEM": ("sem_csat.cbsem.model", "CBSEM"),
    "SEMResult": ("sem_csat.contract", "SEMResult"),
    "PLSResult": ("sem_csat.pls.results", "PLSResult"),
    "CBSEMResult": ("sem_csat.cbsem.results", "CBSEMResult"),
    "GroupResult": ("sem_csat.groups.result", "GroupResult"),
    "quality": ("sem_csat.measurement", "quality"),
    "compare": ("sem_csat.comparison", "compare"),
    "datasets": ("sem_csat.datasets", None),
    "groups": ("sem_csat.groups", None),
    "metrics": ("sem_csat.metrics", None),
    "power": ("sem_csat.power", None),
    "diagram": ("sem_csat.diagram", None),
    "tables": ("sem_csat.tables", None),
    "report": ("sem_csat.report", None),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        mod = importlib.import_module(module)
        value = mod if attr is None else getattr(mod, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sem_csat' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
