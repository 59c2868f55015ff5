"""Discriminant validity: HTMT and HTMT2 (with a bootstrap test), Fornell–Larcker, cross-loadings.

HTMT is a function of the item correlation matrix alone, so :func:`htmt` works on ``(..., p, p)``
arrays and a bootstrap of it (:func:`htmt_bootstrap`) needs no model fit: every resample's
correlation matrix comes from :func:`sem_csat.inference.bootstrap.run_bootstrap` and the ratios
of a whole chunk of resamples are computed at once.

Examples
--------
Two blocks of two items; within-block correlations 0.6 and 0.5, between-block 0.3:

>>> import numpy as np
>>> R = np.array([[1.0, 0.6, 0.3, 0.3],
...               [0.6, 1.0, 0.3, 0.3],
...               [0.3, 0.3, 1.0, 0.5],
...               [0.3, 0.3, 0.5, 1.0]])
>>> H = htmt(R, [[0, 1], [2, 3]])
>>> round(float(H[0, 1]), 6), round(float(0.3 / np.sqrt(0.6 * 0.5)), 6)
(0.547723, 0.547723)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import UsageError
from sem_csat.inference.bootstrap import Moments, ReplicateOutput
from sem_csat.inference.limits import check_resamples
from sem_csat.summary import ResultDisplay

if TYPE_CHECKING:
    from sem_csat.data import PreparedData, RawData
    from sem_csat.inference.bootstrap import BootstrapReplicates, SeedLike
    from sem_csat.spec.model import ModelSpec
    from sem_csat.summary import Summary

__all__ = [
    "HTMT_KINDS",
    "HTMTBootstrap",
    "cross_loading_margin",
    "fornell_larcker",
    "fornell_larcker_margin",
    "htmt",
    "htmt_blocks",
    "htmt_bootstrap",
    "htmt_testable",
]

FloatArray = npt.NDArray[np.float64]
HTMTKind = Literal["htmt", "htmt2"]
#: ``"htmt"``: arithmetic means (Henseler et al. 2015); ``"htmt2"``: geometric (Roemer et al.).
HTMT_KINDS: tuple[HTMTKind, ...] = ("htmt", "htmt2")


def _mean(values: FloatArray, kind: HTMTKind) -> FloatArray:
    """Arithmetic or geometric mean over the last axis."""
    if kind == "htmt":
        out: FloatArray = values.mean(axis=-1)
        return out
    with np.errstate(divide="ignore", invalid="ignore"):
        geo: FloatArray = np.exp(np.log(values).mean(axis=-1))
    return geo


def htmt(
    R: npt.ArrayLike,
    blocks: Sequence[Sequence[int]],
    *,
    kind: HTMTKind = "htmt",
    absolute: bool = True,
    single_item: Literal["nan", "one"] = "nan",
) -> FloatArray:
    """Heterotrait–monotrait ratio of correlations (HTMT or HTMT2) of every pair of blocks.

    Parameters
    ----------
    R
        ``(..., p, p)`` item correlation matrices (any leading batch axes).
    blocks
        Column indices of the items of each construct; an empty block (a formative construct,
        for which HTMT is not defined) gives a NaN row and column.
    kind
        ``"htmt"`` (arithmetic means, Henseler et al. 2015) or ``"htmt2"`` (geometric means,
        Roemer et al. 2021).
    absolute
        Use absolute correlations (default, as semTools; it keeps HTMT2 defined and makes
        reverse-worded items harmless).
    single_item
        A single-item construct has no monotrait correlations: ``"nan"`` (default, as
        semTools) leaves its row and column NaN; ``"one"`` takes its monotrait mean as 1 (as
        seminr), which assumes the item is perfectly reliable.

    Returns
    -------
    numpy.ndarray
        ``(..., J, J)`` symmetric, unit diagonal (NaN for a single item under
        ``single_item="nan"``, as semTools).

    Notes
    -----
    For constructs :math:`i, j` with :math:`K_i, K_j` items,

    .. math:: \\text{HTMT}_{ij} = \\frac{\\bar r_{ij}}{\\sqrt{\\bar r_{ii}\\,\\bar r_{jj}}}

    where :math:`\\bar r_{ij}` is the mean of the :math:`K_i K_j` heterotrait–heteromethod
    correlations and :math:`\\bar r_{ii}` the mean of the :math:`K_i(K_i - 1)/2`
    monotrait–heteromethod correlations of block :math:`i`.  HTMT2 replaces every mean by the
    geometric mean, which is consistent for congeneric (unequal-loading) measurement.  Matches
    ``semTools::htmt`` (``htmt2 = FALSE/TRUE``) and ADANCO.

    References
    ----------
    .. [1] Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for assessing
       discriminant validity in variance-based structural equation modeling. *Journal of the
       Academy of Marketing Science*, 43(1), 115–135.
    .. [2] Roemer, E., Schuberth, F., & Henseler, J. (2021). HTMT2 – an improved criterion for
       assessing discriminant validity in structural equation modeling. *Industrial Management
       & Data Systems*, 121(12), 2637–2650.
    """
    if kind not in HTMT_KINDS:
        raise UsageError(f"kind must be 'htmt' or 'htmt2'; got {kind!r}.")
    if single_item not in ("nan", "one"):
        raise UsageError(f"single_item must be 'nan' or 'one'; got {single_item!r}.")
    r = np.asarray(R, dtype=np.float64)
    if r.ndim < 2 or r.shape[-1] != r.shape[-2]:
        raise UsageError(f"Expected (..., p, p) correlation matrices; got shape {r.shape}.")
    a = np.abs(r) if absolute else r
    batch = r.shape[:-2]
    idx = [np.asarray(b, dtype=np.intp) for b in blocks]
    nj = len(idx)
    mono = np.empty((*batch, nj))
    for j, b in enumerate(idx):
        if b.size < 2:
            mono[..., j] = np.nan if single_item == "nan" or b.size == 0 else 1.0
            continue
        iu = np.triu_indices(b.size, 1)
        mono[..., j] = _mean(a[..., b[iu[0]], b[iu[1]]], kind)
    out = np.full((*batch, nj, nj), np.nan)
    for i in range(nj):
        out[..., i, i] = np.nan if idx[i].size < 2 and single_item == "nan" else 1.0
        if idx[i].size == 0:
            out[..., i, i] = np.nan
            continue
        for j in range(i + 1, nj):
            if idx[j].size == 0:
                continue
            cells = a[..., idx[i][:, None], idx[j][None, :]].reshape(*batch, -1)
            with np.errstate(divide="ignore", invalid="ignore"):
                value = _mean(cells, kind) / np.sqrt(mono[..., i] * mono[..., j])
            out[..., i, j] = value
            out[..., j, i] = value
    return out


def fornell_larcker(construct_corr: npt.ArrayLike, ave: npt.ArrayLike) -> FloatArray:
    """Fornell–Larcker table: construct correlations with √AVE on the diagonal.

    Notes
    -----
    Discriminant validity holds for construct :math:`i` when
    :math:`\\sqrt{\\text{AVE}_i} > \\max_{j \\ne i} |r_{ij}|` (equivalently, AVE exceeds every
    squared correlation; ADANCO prints that squared form).  Henseler et al. (2015) show the
    criterion rarely detects a lack of discriminant validity; prefer HTMT.

    References
    ----------
    .. [1] Fornell, C., & Larcker, D. F. (1981). *Journal of Marketing Research*, 18(1), 39–50.
    """
    c = np.array(construct_corr, dtype=np.float64)
    a = np.asarray(ave, dtype=np.float64)
    k = c.shape[-1]
    c[..., np.arange(k), np.arange(k)] = np.sqrt(a)
    return c


def fornell_larcker_margin(construct_corr: npt.ArrayLike, ave: npt.ArrayLike) -> FloatArray:
    """:math:`\\sqrt{\\text{AVE}_i} - \\max_{j \\ne i}|r_{ij}|` per construct (positive = met)."""
    c = np.abs(np.array(construct_corr, dtype=np.float64))
    k = c.shape[-1]
    c[..., np.arange(k), np.arange(k)] = -np.inf
    out: FloatArray = np.sqrt(np.asarray(ave, dtype=np.float64)) - c.max(axis=-1)
    return out


def cross_loading_margin(cross_loadings: npt.ArrayLike, own: Sequence[int]) -> FloatArray:
    """Own loading minus the largest absolute cross-loading of every indicator.

    Parameters
    ----------
    cross_loadings
        ``(p, J)`` correlations of indicators with construct scores.
    own
        ``(p,)`` index of each indicator's construct.

    Notes
    -----
    Chin (1998): each indicator should load higher on its own construct than on any other;
    a margin at or below 0 is a violation.
    """
    cl = np.abs(np.array(cross_loadings, dtype=np.float64))
    rows = np.arange(cl.shape[0])
    own_idx = np.asarray(own, dtype=np.intp)
    mine = cl[rows, own_idx].copy()
    cl[rows, own_idx] = -np.inf
    out: FloatArray = mine - cl.max(axis=1)
    return out


# --------------------------------------------------------------------------------------------
# bootstrap


@dataclass(frozen=True)
class _HTMTStatistic:
    """Replicate function: HTMT and HTMT2 of the listed pairs (picklable for workers)."""

    blocks: tuple[tuple[int, ...], ...]
    pairs: tuple[tuple[int, int], ...]

    def __call__(self, moments: Moments, /) -> ReplicateOutput:
        rows = np.array([p[0] for p in self.pairs], dtype=np.intp)
        cols = np.array([p[1] for p in self.pairs], dtype=np.intp)
        stats: dict[str, FloatArray] = {
            kind: htmt(moments.corr, self.blocks, kind=kind)[:, rows, cols] for kind in HTMT_KINDS
        }
        return ReplicateOutput(stats, np.full(moments.size, "", dtype=object))


@dataclass(frozen=True, eq=False, repr=False)
class HTMTBootstrap(ResultDisplay):
    """Bootstrap inference for HTMT and HTMT2.

    Attributes
    ----------
    table
        One row per statistic and pair of reflective multi-item constructs: ``statistic``
        (``htmt``/``htmt2``), ``construct_a, construct_b, estimate, boot_mean, std_error,
        ci_lower, ci_upper`` (two-sided percentile interval at ``conf``), ``upper_bound``
        (one-sided: the ``conf`` quantile), ``p_085``, ``p_090`` (share of resamples at or
        above the threshold) and ``distinct_085``, ``distinct_090`` (``upper_bound`` below the
        threshold: discriminant validity established).
    conf
        Confidence level (two-sided interval and one-sided bound).
    replicates
        The raw replicates.
    diagnostics
        Failed resamples, few resamples.
    """

    table: pd.DataFrame
    conf: float
    replicates: BootstrapReplicates
    diagnostics: tuple[Diagnostic, ...]

    @property
    def seed(self) -> int | tuple[int, ...]:
        """Root seed of the resampling (repeat the run with it)."""
        return self.replicates.seed

    @property
    def n_boot(self) -> int:
        """Number of resamples drawn."""
        return self.replicates.n_boot

    @property
    def n_ok(self) -> int:
        """Number of resamples that could be evaluated."""
        return self.replicates.n_ok

    def _repr_fields(self) -> str:
        return (
            f"{self.n_ok}/{self.n_boot} resamples, seed {self.seed}, {len(self.table) // 2} pairs"
        )

    def summary(self) -> Summary:
        """HTMT and HTMT2 with their intervals and the tests against .85 and .90."""
        from sem_csat.summary import Section, Summary

        cols = ["statistic", "construct_a", "construct_b", "estimate", "ci_lower", "ci_upper",
                "upper_bound", "distinct_085", "distinct_090"]  # fmt: skip
        return Summary(
            "HTMT bootstrap",
            [
                ("Resamples", f"{self.n_ok} of {self.n_boot} usable (seed {self.seed})"),
                ("Confidence level", f"{self.conf:g}"),
            ],
            [Section("Heterotrait-monotrait ratios", self.table[cols])],
            self.diagnostics,
        )


def htmt_blocks(spec: ModelSpec) -> list[list[int]]:
    """Column indices (in ``spec.indicator_names`` order) of every block for HTMT.

    Formative blocks get no items (their row and column of the HTMT matrix are NaN): HTMT
    assumes reflective measurement (Henseler et al. 2015).
    """
    pos = {name: k for k, name in enumerate(spec.indicator_names)}
    return [
        [pos[i] for i in c.indicator_names] if c.mode == "reflective" else []
        for c in spec.constructs
    ]


def htmt_testable(spec: ModelSpec) -> bool:
    """Whether HTMT can be computed and bootstrapped: at least two reflective constructs with
    two or more items each."""
    return sum(len(b) >= 2 for b in htmt_blocks(spec)) >= 2


def htmt_bootstrap(
    spec: ModelSpec,
    data: pd.DataFrame | RawData | PreparedData,
    n_boot: int = 5000,
    *,
    seed: SeedLike = None,
    n_jobs: int | None = 1,
    conf: float = 0.95,
    progress: bool | None = None,
) -> HTMTBootstrap:
    """Bootstrap HTMT and HTMT2 and test them against 0.85 and 0.90.

    Parameters
    ----------
    spec
        The model (its reflective multi-item constructs are compared).
    data
        Survey data (prepared with :func:`sem_csat.prepare_data` unless already prepared).
    n_boot
        Number of resamples.
    seed
        Seed of the :class:`numpy.random.SeedSequence` (recorded; same numbers for any
        ``n_jobs``).
    n_jobs
        joblib workers.
    conf
        Level of the two-sided percentile interval and of the one-sided upper bound.
    progress
        Progress bar (default: when stderr is a terminal).

    Returns
    -------
    HTMTBootstrap

    Notes
    -----
    Henseler et al. (2015) establish discriminant validity when the upper bound of the
    one-sided bootstrap interval, :math:`\\hat F^{-1}_{HTMT^*}(\\text{conf})` (the 95th
    percentile for ``conf = 0.95``), lies below the threshold (0.85 or 0.90); Franke & Sarstedt
    (2019) recommend the same test.  Resamples whose correlation matrix is undefined (a
    constant item) are left out and reported.

    References
    ----------
    .. [1] Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). *JAMS*, 43(1), 115–135.
    .. [2] Franke, G., & Sarstedt, M. (2019). Heuristics versus statistics in discriminant
       validity testing. *Internet Research*, 29(3), 430–447.
    """
    from sem_csat.data import PreparedData, prepare_data
    from sem_csat.inference.bootstrap import run_bootstrap

    prepared = data if isinstance(data, PreparedData) else prepare_data(spec, data)
    blocks = htmt_blocks(spec)
    eligible = [j for j, b in enumerate(blocks) if len(b) >= 2]
    if not htmt_testable(spec):
        raise UsageError(
            "HTMT needs at least two reflective constructs with two or more items each; "
            f"model '{spec.name}' has {len(eligible)}."
        )
    check_resamples(n_boot, conf)  # enough for the intervals to have tails at all
    used = sorted({k for j in eligible for k in blocks[j]})
    remap = {k: n for n, k in enumerate(used)}
    sub = tuple(tuple(remap[k] for k in blocks[j]) for j in eligible)
    pairs = tuple((a, b) for a in range(len(sub)) for b in range(a + 1, len(sub)))
    x = prepared.frame.iloc[:, used].to_numpy(dtype=np.float64)
    reps = run_bootstrap(
        _HTMTStatistic(sub, pairs),
        x,
        n_boot,
        seed=seed,
        n_jobs=n_jobs,
        progress=progress,
        jackknife=False,
    )
    names = [spec.constructs[j].name for j in eligible]
    parts = []
    for kind in HTMT_KINDS:
        summary = reps.summary(kind, conf)
        samples = reps.samples(kind)
        frame = pd.DataFrame(
            {
                "statistic": kind,
                "construct_a": [names[a] for a, _ in pairs],
                "construct_b": [names[b] for _, b in pairs],
                "estimate": summary["estimate"].to_numpy(),
                "boot_mean": summary["boot_mean"].to_numpy(),
                "std_error": summary["std_error"].to_numpy(),
                "ci_lower": summary["ci_lower"].to_numpy(),
                "ci_upper": summary["ci_upper"].to_numpy(),
            }
        )
        if samples.shape[0]:
            frame["upper_bound"] = np.quantile(samples, conf, axis=0)
            for t in (0.85, 0.90):
                frame[f"p_{round(t * 100):03d}"] = (samples >= t).mean(axis=0)
        else:
            frame["upper_bound"] = np.nan
            frame["p_085"] = frame["p_090"] = np.nan
        frame["distinct_085"] = frame["upper_bound"] < 0.85
        frame["distinct_090"] = frame["upper_bound"] < 0.90
        parts.append(frame)
    item_names = [prepared.frame.columns[k] for k in used]
    diags = tuple(
        d for d in reps.diagnostics(conf, item_names) if d.code != "bootstrap_no_jackknife"
    )
    return HTMTBootstrap(pd.concat(parts, ignore_index=True), conf, reps, diags)
