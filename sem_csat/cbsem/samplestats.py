"""Step 2: sample statistics per group, as lavaan keeps them (``lav_samplestats.R``).

For every group: N, the sample covariance matrix S, the means, log|S| and S⁻¹.  The divisor of
S follows lavaan's conventions for complete data:

* ML (``likelihood = "normal"``): S has divisor N (the ML estimate of Σ); a covariance matrix
  given as input (divisor N − 1, as R's ``cov()`` and published tables) is multiplied by
  (N − 1)/N (``sample.cov.rescale = TRUE``);
* GLS, ULS (and the least-squares estimators to come): S has divisor N − 1, and a given matrix
  is used as it is.

With that, a fit to ``cov(x)`` and N reproduces the fit to ``x`` exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sem_csat.errors import DataError

if TYPE_CHECKING:
    from sem_csat.cbsem.missing import MissingData
    from sem_csat.cbsem.polychoric import OrdinalStats

__all__ = ["GroupStats", "SampleStats", "from_data", "from_moments"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class GroupStats:
    """Sample statistics of one group.

    Attributes
    ----------
    label
        The group's label (``""`` for a single group).
    nobs
        N of the group.
    cov
        S, p × p, with the divisor of the estimator (see the module docstring).
    mean
        The item means, or ``None`` when they are unknown (a covariance matrix without means).
    data
        The raw answers (N × p) when the fit is to raw data, else ``None`` (robust standard
        errors and the bootstrap need them).
    logdet
        log|S|, NaN when S is not positive definite.
    icov
        S⁻¹, or ``None`` when S is not positive definite.
    missing
        With incomplete data (FIML): the missing-data patterns and the EM estimates of the
        unrestricted model (:class:`~sem_csat.cbsem.missing.MissingData`); else ``None``.
    ordinal
        With ordinal items: thresholds, Γ and the DWLS weights
        (:class:`~sem_csat.cbsem.polychoric.OrdinalStats`); ``cov`` is then the polychoric
        correlation matrix.  Else ``None``.
    """

    label: str
    nobs: int
    cov: FloatArray = field(repr=False)
    mean: FloatArray | None = field(default=None, repr=False)
    data: FloatArray | None = field(default=None, repr=False)
    logdet: float = float("nan")
    icov: FloatArray | None = field(default=None, repr=False)
    missing: MissingData | None = field(default=None, repr=False)
    ordinal: OrdinalStats | None = field(default=None, repr=False)

    @property
    def var(self) -> FloatArray:
        """The item variances (diagonal of S)."""
        out: FloatArray = np.diag(self.cov).copy()
        return out


@dataclass(frozen=True, eq=False)
class SampleStats:
    """Sample statistics of all groups.

    Attributes
    ----------
    ov_names
        The observed variables, in the order of S.
    groups
        One :class:`GroupStats` per group.
    rescaled
        Whether a given covariance matrix was multiplied by (N − 1)/N.
    """

    ov_names: tuple[str, ...]
    groups: tuple[GroupStats, ...]
    rescaled: bool = False

    @property
    def ntotal(self) -> int:
        """Total N over the groups."""
        return sum(g.nobs for g in self.groups)

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    @property
    def missing(self) -> bool:
        """Whether the statistics are of incomplete data (FIML)."""
        return any(g.missing is not None for g in self.groups)

    @property
    def ordinal(self) -> bool:
        """Whether the items are ordinal (thresholds and polychoric correlations)."""
        return any(g.ordinal is not None for g in self.groups)

    @property
    def weights(self) -> FloatArray:
        """N_g / N: lavaan's group weights of the discrepancy function."""
        n = np.array([g.nobs for g in self.groups], dtype=np.float64)
        out: FloatArray = n / n.sum()
        return out

    def item_variances(self) -> list[dict[str, float]]:
        """Per group, item -> the unbiased sample variance (divisor N − 1), for the known
        reliability of a single indicator.

        The residual variance is fixed at (1 − reliability) × var(item) with the variance a
        researcher computes (R's ``var``, SPSS: divisor N − 1, missing answers left out), the
        same for every estimator: not the N-divisor S that ML fits.  From raw data the column's
        variance; from a given matrix the matrix as given (undoing lavaan's rescaling).
        """
        out = []
        for g in self.groups:
            raw = g.data if g.data is not None else (g.missing.data if g.missing else None)
            if raw is not None:
                with np.errstate(invalid="ignore", divide="ignore"):
                    var = np.nanvar(np.asarray(raw, dtype=np.float64), axis=0, ddof=1)
            elif self.rescaled and g.nobs > 1:
                var = g.var * g.nobs / (g.nobs - 1)
            else:
                var = g.var
            out.append(dict(zip(self.ov_names, map(float, var), strict=True)))
        return out


def _group(label: str, nobs: int, cov: FloatArray, **kwargs: Any) -> GroupStats:
    cov = 0.5 * (cov + cov.T)
    sign, logdet = np.linalg.slogdet(cov)
    icov: FloatArray | None = None
    if sign > 0:
        inv: FloatArray = np.asarray(np.linalg.inv(cov), dtype=np.float64)
        icov = 0.5 * (inv + inv.T)
    else:
        logdet = float("nan")
    return GroupStats(label, nobs, cov, logdet=float(logdet), icov=icov, **kwargs)


def _ddof(estimator: str) -> int:
    return 0 if estimator == "ML" else 1


def from_data(
    frames: Sequence[pd.DataFrame],
    ov_names: Sequence[str],
    *,
    estimator: str = "ML",
    group_labels: Sequence[str] | None = None,
    missing: str = "listwise",
    ordered: bool = False,
) -> SampleStats:
    """Sample statistics of raw data, one frame per group.

    ``missing="listwise"`` needs complete data; ``missing="ml"`` (FIML) takes incomplete data
    and adds the missing-data patterns and the EM estimates of the unrestricted model
    (:mod:`sem_csat.cbsem.missing`); S and the means are then lavaan's starting moments, the
    pairwise-complete covariances times (N − 1)/N and the available-case means.
    ``ordered=True`` treats every item as ordinal (:mod:`sem_csat.cbsem.polychoric`): S is
    then the polychoric correlation matrix and ``ordinal`` holds the thresholds and Γ.

    Raises
    ------
    DataError
        When a column is missing, a value is missing, or a group has too few rows.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [2.0, 1.0, 3.0]})
    >>> st = from_data([df], ["a", "b"])
    >>> float(st.groups[0].cov[0, 0])  # divisor N for ML
    1.5555555555555556
    >>> float(from_data([df], ["a", "b"], estimator="ULS").groups[0].cov[0, 0])
    2.3333333333333335
    """
    names = list(ov_names)
    labels = list(group_labels) if group_labels is not None else [""] * len(frames)
    groups = []
    for label, frame in zip(labels, frames, strict=True):
        absent = [v for v in names if v not in frame.columns]
        if absent:
            raise DataError(
                f"The data have no column(s) {', '.join(map(repr, absent))} that the model "
                "uses; check the item names."
            )
        x = frame.loc[:, names].to_numpy(dtype=np.float64)
        if missing == "ml":
            groups.append(_incomplete_group(label, x, names))
            continue
        if ordered:
            groups.append(_ordinal_group(label, frame.loc[:, names], names))
            continue
        if np.isnan(x).any():
            bad = [v for v in names if frame[v].isna().any()]
            raise DataError(
                f"Column(s) {', '.join(map(repr, bad))} have missing values; drop the "
                "incomplete rows or use missing='fiml'."
            )
        n = x.shape[0]
        ddof = _ddof(estimator)
        if n <= ddof + 1:
            raise DataError(f"The data have {n} rows; at least {ddof + 2} are needed.")
        cov = np.cov(x, rowvar=False, ddof=ddof).reshape(len(names), len(names))
        groups.append(_group(label, n, cov, mean=x.mean(axis=0), data=x))
    return SampleStats(tuple(names), tuple(groups))


def _incomplete_group(label: str, x: FloatArray, names: list[str]) -> GroupStats:
    from sem_csat.cbsem.missing import missing_data

    md = missing_data(x, names)
    n = md.nobs
    pairwise = pd.DataFrame(md.data).cov(ddof=1).to_numpy(dtype=np.float64) * (n - 1) / n
    mean = np.nanmean(md.data, axis=0)
    return _group(label, n, pairwise, mean=mean, missing=md)


def _ordinal_group(label: str, frame: pd.DataFrame, names: list[str]) -> GroupStats:
    from sem_csat.cbsem.polychoric import ordinal_stats

    ordinal, cor, n = ordinal_stats(frame, names)
    return _group(label, n, cor, mean=np.zeros(len(names)), ordinal=ordinal)


def from_moments(
    covs: Sequence[pd.DataFrame],
    nobs: Sequence[int],
    ov_names: Sequence[str],
    *,
    estimator: str = "ML",
    rescale: bool | None = None,
    means: Sequence[pd.Series | None] | None = None,
    group_labels: Sequence[str] | None = None,
) -> SampleStats:
    """Sample statistics from covariance matrices (divisor N − 1) and their N.

    ``rescale`` is lavaan's ``sample.cov.rescale``: multiply by (N − 1)/N; ``None`` means
    True for ML and False otherwise, as lavaan.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame([[2.0, 1.0], [1.0, 2.0]], index=["a", "b"], columns=["a", "b"])
    >>> st = from_moments([c], [11], ["a", "b"])
    >>> float(st.groups[0].cov[0, 0]), st.rescaled
    (1.8181818181818181, True)
    """
    names = list(ov_names)
    if rescale is None:
        rescale = estimator == "ML"
    labels = list(group_labels) if group_labels is not None else [""] * len(covs)
    given_means = list(means) if means is not None else [None] * len(covs)
    groups = []
    for label, cov, n, mean in zip(labels, covs, nobs, given_means, strict=True):
        absent = [v for v in names if v not in cov.index or v not in cov.columns]
        if absent:
            raise DataError(
                f"The covariance matrix has no row for {', '.join(map(repr, absent))}; give "
                "every item of the model."
            )
        s = cov.loc[names, names].to_numpy(dtype=np.float64)
        if rescale:
            s = s * (n - 1) / n
        m = None
        if mean is not None:
            m = pd.Series(mean).reindex(names).to_numpy(dtype=np.float64)
            if not np.all(np.isfinite(m)):
                missing = [v for v, x in zip(names, m, strict=True) if not np.isfinite(x)]
                raise DataError(
                    f"The means have no (finite) value for {', '.join(map(repr, missing))}; "
                    "give the mean of every item of the model."
                )
        groups.append(_group(label, int(n), s, mean=m))
    return SampleStats(tuple(names), tuple(groups), rescaled=bool(rescale))
