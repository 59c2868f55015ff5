"""Customer satisfaction index scores on a 0–100 scale (the ACSI formula).

The ACSI, the ECSI/EPSI and the national indices derived from them report each construct of a
PLS model as an *index* between 0 and 100: the mean construct score, built with **unstandardized**
outer weights on the original answers, placed between the lowest and the highest score the
answer scale allows (Fornell et al. 1996).  Some tools build the score from the standardized
weights instead, or stretch it between the observed minimum and maximum; sem_csat follows the
ACSI in both respects, so its index does not depend on how the items happen to vary in one
sample, and a respondent who answers every item at the top of the scale scores exactly 100.

Layers, from the inside out:

* :func:`index_scores` is the NumPy core with a leading batch axis (one row per bootstrap
  resample); it never warns, it returns NaN where the index is undefined;
* :func:`rescaled_weights` gives the unstandardized weights rescaled to sum to 1 per block;
* :func:`index_table`, :func:`unstandardized_weights` and :func:`index_diagnostics` work on a
  :class:`~sem_csat.pls.results.PLSResult`;
* :func:`index_ci_flags` marks bootstrap intervals too wide for the EPSI precision target.

Examples
--------
>>> import sem_csat
>>> from sem_csat.pls.index import index_table
>>> result = sem_csat.fit(sem_csat.load_spec("ecsi"), sem_csat.datasets.load("ecsi_mobile"))
>>> index_table(result).round(2)
      construct  index
0         Image  73.53
1   Expectation  72.47
2       Quality  74.98
3         Value  62.35
4  Satisfaction  72.45
5    Complaints  67.42
6       Loyalty  70.91
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.diagnostics import Diagnostic, emit
from sem_csat.errors import DataError, SpecError, UsageError
from sem_csat.spec.model import did_you_mean

if TYPE_CHECKING:
    from sem_csat.pls.results import PLSResult
    from sem_csat.spec.model import ModelSpec

__all__ = [
    "EPSI_CI_WIDTH",
    "IndexPrecision",
    "index_ci_flags",
    "index_diagnostics",
    "index_scores",
    "index_table",
    "item_scales",
    "rescaled_weights",
    "unstandardized_weights",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Widest 95% interval of an index (in index points) that counts as precise: EPSI Rating aims
#: at a margin of error of about ±2 points on the 0–100 scale (see :func:`index_ci_flags`).
EPSI_CI_WIDTH = 4.0


# --------------------------------------------------------------------------------------------
# the batched core


def _block_mask(blocks: Sequence[npt.ArrayLike], p: int) -> BoolArray:
    mask = np.zeros((p, len(blocks)), dtype=bool)
    for j, block in enumerate(blocks):
        items = np.asarray(block, dtype=np.intp).reshape(-1)
        if items.size == 0 or items.min() < 0 or items.max() >= p:
            raise DataError(
                f"Block {j} must list between 1 and {p} indicator positions in 0..{p - 1}; "
                f"got {items.tolist()}."
            )
        mask[items, j] = True
    return mask


def rescaled_weights(
    weights: npt.ArrayLike, item_sds: npt.ArrayLike, blocks: Sequence[npt.ArrayLike]
) -> FloatArray:
    """Unstandardized outer weights, rescaled to sum to 1 within each block.

    Parameters
    ----------
    weights
        ``(..., p, J)`` standardized outer weights (scores of the standardized items have unit
        variance), as in :attr:`sem_csat.pls.engine.PLSEstimate.weights`.
    item_sds
        ``(..., p)`` standard deviations of the items in the units the index is to be read in.
    blocks
        For each of the ``J`` constructs, the positions of its items among the ``p``.

    Returns
    -------
    numpy.ndarray
        ``(..., p, J)``: :math:`\\tilde w_{kj} = (w_{kj}/s_k) / \\sum_{m \\in K_j} w_{mj}/s_m`
        inside the blocks, 0 outside; NaN for a block whose sum is 0 or not finite.

    Examples
    --------
    >>> rescaled_weights([[0.6], [0.6]], [1.0, 2.0], [[0, 1]]).round(4)
    array([[0.6667],
           [0.3333]])
    """
    w = np.asarray(weights, dtype=np.float64)
    sd = np.asarray(item_sds, dtype=np.float64)
    if w.ndim < 2 or sd.shape[-1:] != w.shape[-2:-1]:
        raise DataError(
            f"weights must have shape (..., p, J) and item_sds (..., p); got {w.shape} and "
            f"{sd.shape}."
        )
    if w.shape[-1] != len(blocks):
        raise DataError(f"weights have {w.shape[-1]} columns but {len(blocks)} blocks were given.")
    mask = _block_mask(blocks, w.shape[-2])
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(mask, w / sd[..., :, None], 0.0)
        total = u.sum(axis=-2, keepdims=True)
        out: FloatArray = np.where(np.isfinite(total) & (total != 0), u / total, np.nan)
    return out


def index_scores(
    weights: npt.ArrayLike,
    item_means: npt.ArrayLike,
    item_sds: npt.ArrayLike,
    blocks: Sequence[npt.ArrayLike],
    lows: npt.ArrayLike,
    highs: npt.ArrayLike,
) -> FloatArray:
    """The ACSI index (0–100) of every construct; batched over leading axes.

    Parameters
    ----------
    weights
        ``(..., p, J)`` standardized outer weights.
    item_means, item_sds
        ``(..., p)`` item means and standard deviations in answer units (any ``ddof``: a common
        factor cancels).
    blocks
        For each of the ``J`` constructs, the positions of its items among the ``p``.
    lows, highs
        ``(p,)`` lowest and highest possible answer of each item (the declared scale, not the
        observed range).  Items of one block may have different scales.

    Returns
    -------
    numpy.ndarray
        ``(..., J)`` index values; NaN where the index is undefined (a negative rescaled weight,
        a constant item, a non-finite input).  The core never warns: a bootstrap calls it once
        per resample; :func:`index_diagnostics` explains the NaNs of a fit.

    Notes
    -----
    With unstandardized weights :math:`w_k / s_k` rescaled to sum to 1 in block :math:`K`,
    :math:`\\tilde w_k`, the construct score is :math:`\\xi = \\sum_{k \\in K} \\tilde w_k x_k`
    and (Fornell et al. 1996)

    .. math::

        \\text{index} = \\frac{E[\\xi] - \\min \\xi}{\\max \\xi - \\min \\xi} \\times 100,
        \\quad E[\\xi] = \\sum_k \\tilde w_k \\bar x_k,\\;
        \\min \\xi = \\sum_k \\tilde w_k \\, \\text{low}_k,\\;
        \\max \\xi = \\sum_k \\tilde w_k \\, \\text{high}_k .

    This is the weighted mean of the items' 0–100 positions
    :math:`(\\bar x_k - \\text{low}_k)/(\\text{high}_k - \\text{low}_k)` with weights
    :math:`\\tilde w_k (\\text{high}_k - \\text{low}_k)`, so it lies in [0, 100] and equals the
    mean of the score built with rescaled weights on the items rescaled to 0–100 (the IPMA
    performance of Ringle & Sarstedt 2016).  It is unchanged when a constant is added to the
    data and the scale alike, and under any increasing affine recoding of the answers and the
    scale; and the standardized weights, hence the index, do not depend on the items' units.

    The argument needs every :math:`\\tilde w_k \\ge 0`.  With a negative rescaled weight,
    :math:`\\sum_k \\tilde w_k \\text{low}_k` and :math:`\\sum_k \\tilde w_k \\text{high}_k` are
    no longer the smallest and largest possible scores (the smallest is reached by answering the
    negatively weighted item at the top of the scale), the ratio can leave [0, 100] and the
    index is undefined: it is NaN.  A block whose weights are all negative has positive rescaled
    weights and a well-defined index (the sign of a PLS composite is arbitrary).

    References
    ----------
    .. [1] Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E. (1996).
       The American Customer Satisfaction Index: nature, purpose, and findings. *Journal of
       Marketing*, 60(4), 7–18.
    .. [2] Ringle, C. M., & Sarstedt, M. (2016). Gain more insight from your PLS-SEM results:
       the importance-performance map analysis. *Industrial Management & Data Systems*,
       116(9), 1865–1886.

    Examples
    --------
    Two items on a 1–10 scale with equal standardized weights; the second varies twice as much,
    so its unstandardized weight is half as large:

    >>> index_scores([[0.6], [0.6]], [8.2, 5.5], [1.0, 2.0], [[0, 1]], [1, 1], [10, 10]).round(4)
    array([70.])
    >>> round((2 / 3 * 8.2 + 1 / 3 * 5.5 - 1) / 9 * 100, 4)
    70.0

    A batch of two resamples; in the second one item has a negative weight:

    >>> w = [[[0.6], [0.6]], [[0.9], [-0.2]]]
    >>> index_scores(w, [8.2, 5.5], [1.0, 2.0], [[0, 1]], [1, 1], [10, 10]).round(4)
    array([[70.],
           [nan]])
    """
    omega = rescaled_weights(weights, item_sds, blocks)
    mean = np.asarray(item_means, dtype=np.float64)
    low = np.asarray(lows, dtype=np.float64)
    high = np.asarray(highs, dtype=np.float64)
    p = omega.shape[-2]
    if mean.shape[-1:] != (p,) or low.shape[-1:] != (p,) or high.shape[-1:] != (p,):
        raise DataError(
            f"item_means, lows and highs must end in {p} items (one per row of the weights); "
            f"got shapes {mean.shape}, {low.shape} and {high.shape}."
        )
    mask = _block_mask(blocks, p)
    with np.errstate(invalid="ignore"):
        expected = np.sum(np.where(mask, omega * (mean - low)[..., :, None], 0.0), axis=-2)
        span = np.sum(np.where(mask, omega * (high - low)[..., :, None], 0.0), axis=-2)
        ok = np.all(~mask | (omega >= 0.0), axis=-2) & (span > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = 100.0 * expected / span
    out: FloatArray = np.where(ok & np.isfinite(value), value, np.nan)
    return out


# --------------------------------------------------------------------------------------------
# the user-facing layer


def _check_constructs(spec: ModelSpec, constructs: Sequence[str] | str | None) -> list[str]:
    if constructs is None:
        return list(spec.construct_names)
    names = [constructs] if isinstance(constructs, str) else list(constructs)
    for name in names:
        if name not in spec.construct_names:
            raise UsageError(
                f"The model '{spec.name}' has no construct '{name}'"
                f"{did_you_mean(name, spec.construct_names)}; choose among "
                f"{', '.join(spec.construct_names)}."
            )
    return names


def item_scales(
    spec: ModelSpec, constructs: Sequence[str] | str | None = None
) -> tuple[FloatArray, FloatArray]:
    """Lowest and highest possible answer of every indicator, in ``spec.indicator_names`` order.

    Parameters
    ----------
    spec
        The model.
    constructs
        The constructs whose scale is needed (default: all).  Items of other constructs without
        a scale get NaN.

    Returns
    -------
    (lows, highs)
        Two ``(p,)`` arrays.

    Raises
    ------
    SpecError
        When a requested construct has no declared scale; the message names it and shows how to
        declare one.
    """
    wanted = set(_check_constructs(spec, constructs))
    lows: list[float] = []
    highs: list[float] = []
    missing: list[str] = []
    for c in spec.constructs:
        scale = spec.scale_of(c.name)
        if scale is None and c.name in wanted:
            missing.append(c.name)
        low, high = scale if scale is not None else (math.nan, math.nan)
        lows += [low] * len(c.indicators)
        highs += [high] * len(c.indicators)
    if missing:
        names = ", ".join(f"'{n}'" for n in missing)
        raise SpecError(
            f"The 0–100 index of {names} needs the answer scale of the items, but the model "
            f"'{spec.name}' declares none for {'it' if len(missing) == 1 else 'them'}. Add the "
            "lowest and highest possible answer to the spec, for the whole model "
            "(`scale: [1, 10]` at the top level) or per construct (`scale: [1, 7]` under the "
            "construct). The observed minimum and maximum are not used because they change "
            "from sample to sample."
        )
    return np.array(lows), np.array(highs)


def _item_stats(result: PLSResult) -> tuple[FloatArray, FloatArray]:
    x = result.data.frame.loc[:, list(result.spec.indicator_names)].to_numpy(dtype=np.float64)
    return x.mean(axis=0), x.std(axis=0, ddof=1)


def _blocks(spec: ModelSpec) -> list[list[int]]:
    """The items behind every construct (a higher-order construct: those of its dimensions,
    weighted by its effective item weights, :attr:`PLSResult.item_weights`)."""
    from sem_csat.pls.hoc import construct_items

    pos = {name: k for k, name in enumerate(spec.indicator_names)}
    return [[pos[i] for i in construct_items(spec, c.name)] for c in spec.constructs]


def unstandardized_weights(result: PLSResult) -> pd.DataFrame:
    """The weights behind the index: one row per indicator.

    Parameters
    ----------
    result
        A PLS fit.

    Returns
    -------
    pandas.DataFrame
        Columns ``construct, indicator, weight`` (standardized outer weight), ``item_sd``
        (standard deviation of the answers, ``ddof=1``), ``unstandardized``
        (:math:`w / s`, per answer point) and ``rescaled`` (unstandardized weights divided by
        their block sum, so they sum to 1 per construct and a construct score is a weighted
        mean of its items).

    Examples
    --------
    >>> import sem_csat
    >>> result = sem_csat.fit(sem_csat.load_spec("ecsi"), sem_csat.datasets.load("ecsi_mobile"))
    >>> table = unstandardized_weights(result)
    >>> table[table.construct == "Value"].round(4)
       construct indicator  weight  item_sd  unstandardized  rescaled
    15     Value     PERV1  0.4793   2.1833          0.2195     0.401
    16     Value     PERV2  0.6041   1.8424          0.3279     0.599
    """
    spec = result.spec
    _, sd = _item_stats(result)
    from sem_csat.pls.hoc import construct_items

    w = result.item_weights
    omega = rescaled_weights(w, sd, _blocks(spec))
    rows = []
    for j, c in enumerate(spec.constructs):
        for i in construct_items(spec, c.name):
            k = spec.indicator_names.index(i)
            rows.append(
                {
                    "construct": c.name,
                    "indicator": i,
                    "weight": float(w[k, j]),
                    "item_sd": float(sd[k]),
                    "unstandardized": float(w[k, j] / sd[k]),
                    "rescaled": float(omega[k, j]),
                }
            )
    columns = ["construct", "indicator", "weight", "item_sd", "unstandardized", "rescaled"]
    return pd.DataFrame(rows, columns=columns)


def index_diagnostics(
    result: PLSResult, constructs: Sequence[str] | str | None = None
) -> tuple[Diagnostic, ...]:
    """Explain every construct whose index is undefined because of negative rescaled weights.

    Parameters
    ----------
    result
        A PLS fit.
    constructs
        Constructs to check (default: all).

    Returns
    -------
    tuple of Diagnostic
        One ``index_negative_weights`` warning per affected construct (not emitted).
    """
    spec = result.spec
    names = _check_constructs(spec, constructs)
    table = unstandardized_weights(result)
    out: list[Diagnostic] = []
    for name in names:
        block = table[table["construct"] == name]
        negative = block[block["rescaled"] < 0]
        if negative.empty:
            continue
        items = ", ".join(
            f"{i} ({v:.3f})"
            for i, v in zip(negative["indicator"], negative["rescaled"], strict=True)
        )
        mode = spec.construct(name).mode
        advice = (
            "If the block is formative, its regression (Mode B) weights can turn negative when "
            "items are collinear; estimating it in reflective mode (Mode A) gives correlation "
            "weights, which are positive when the items correlate positively."
            if mode == "formative"
            else "Check that the items measure one thing: an item worded in the opposite "
            "direction must be listed under `reverse:`, and an item that does not correlate "
            "with the others may belong to another construct."
        )
        out.append(
            Diagnostic(
                "warning",
                "index_negative_weights",
                f"The index of '{name}' is undefined (reported as NaN): the rescaled weight of "
                f"{items} is negative. With a negative weight the construct score is no longer "
                "a weighted mean of the answers, so the scale end points no longer give its "
                "lowest and highest possible values and the 0–100 index loses its meaning. "
                + advice,
            )
        )
    return tuple(out)


def index_table(result: PLSResult, constructs: Sequence[str] | str | None = None) -> pd.DataFrame:
    """The 0–100 index of each construct of a PLS fit (the ACSI formula).

    Parameters
    ----------
    result
        A PLS fit of a model that declares the answer scale (``scale:``).
    constructs
        The constructs to report (default: all, in spec order).

    Returns
    -------
    pandas.DataFrame
        Columns ``construct, index``; the index is NaN where it is undefined.  The weights it
        uses are in :func:`unstandardized_weights`.

    Raises
    ------
    SpecError
        When a requested construct has no declared answer scale.
    UsageError
        When ``constructs`` names an unknown construct.

    Warns
    -----
    SemCsatWarning
        For each construct with a negative rescaled weight (see :func:`index_diagnostics`).

    Notes
    -----
    See :func:`index_scores` for the formula.  The weights are the standardized outer weights
    of the fit divided by the items' standard deviations (Fornell et al. 1996); tools that use
    the standardized weights directly (e.g. seminrExtras' IPMA performance) give slightly
    different values: 73.15 instead of 73.53 for Image in the ECSI example.

    References
    ----------
    .. [1] Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E. (1996).
       The American Customer Satisfaction Index: nature, purpose, and findings. *Journal of
       Marketing*, 60(4), 7–18.
    """
    spec = result.spec
    names = _check_constructs(spec, constructs)
    lows, highs = item_scales(spec, names)
    mean, sd = _item_stats(result)
    values = index_scores(result.item_weights, mean, sd, _blocks(spec), lows, highs)
    emit(index_diagnostics(result, names), stacklevel=3)
    return pd.DataFrame(
        {
            "construct": names,
            "index": [float(values[spec.construct_names.index(n)]) for n in names],
        }
    )


class IndexPrecision(NamedTuple):
    """What :func:`index_ci_flags` returns: the flagged table and its diagnostics."""

    table: pd.DataFrame
    diagnostics: tuple[Diagnostic, ...]


def index_ci_flags(table: pd.DataFrame, width: float = EPSI_CI_WIDTH) -> IndexPrecision:
    """Flag indices whose 95% confidence interval is wider than ``width`` points.

    Parameters
    ----------
    table
        An index table with bootstrap intervals: columns ``construct, index, ci_lower,
        ci_upper`` (95% intervals, in index points).
    width
        Widest interval that counts as precise; default :data:`EPSI_CI_WIDTH` (4 points).

    Returns
    -------
    IndexPrecision
        ``table``: a copy with ``ci_width`` and ``precise`` (nullable boolean, missing where
        the interval is) added; ``diagnostics``: one ``index_imprecise`` warning per imprecise
        construct (not emitted; the caller records or emits them).

    Raises
    ------
    UsageError
        When a column is missing or ``width`` is not a positive number.

    Notes
    -----
    EPSI Rating interviews at least 250 customers per company, which "gives on average an error
    margin of plus-minus 2 units on the reported 100-units scale" (EPSI Rating, *The EPSI
    approach*); a 95% interval up to 4 points wide meets that target.  This is the programme's
    own published practice, not a result of Eklöf & Westlund (2002), who describe the
    programme; the threshold is a parameter because other programmes set other targets.

    References
    ----------
    .. [1] EPSI Rating. *The EPSI approach*. epsi-rating.com, "The approach" (web page, n.d.).
    .. [2] Eklöf, J. A., & Westlund, A. H. (2002). The pan-European customer satisfaction index
       programme: current work and the way ahead. *Total Quality Management*, 13(8),
       1099–1106.

    Examples
    --------
    >>> t = pd.DataFrame({"construct": ["Sat", "Loy"], "index": [72.5, 70.9],
    ...                   "ci_lower": [70.9, 67.6], "ci_upper": [74.0, 74.1]})
    >>> flagged = index_ci_flags(t)
    >>> flagged.table[["construct", "ci_width", "precise"]].round(2)
      construct  ci_width  precise
    0       Sat       3.1     True
    1       Loy       6.5    False
    >>> [d.code for d in flagged.diagnostics]
    ['index_imprecise']
    """
    if isinstance(width, bool) or not isinstance(width, int | float) or not width > 0:
        raise UsageError(f"width must be a positive number of index points; got {width!r}.")
    if not math.isfinite(width):
        raise UsageError(f"width must be a finite number of index points; got {width!r}.")
    needed = ["construct", "index", "ci_lower", "ci_upper"]
    absent = [c for c in needed if c not in table.columns]
    if absent:
        raise UsageError(
            f"The index table lacks column(s) {', '.join(absent)}; index_ci_flags needs "
            f"{', '.join(needed)} (bootstrap the index first)."
        )
    out = table.copy()
    lower = pd.to_numeric(out["ci_lower"], errors="coerce").astype(np.float64)
    upper = pd.to_numeric(out["ci_upper"], errors="coerce").astype(np.float64)
    span = upper - lower
    out["ci_width"] = span
    precise = (span <= width).astype("boolean")
    precise[span.isna()] = None
    out["precise"] = precise
    diagnostics: list[Diagnostic] = []
    for name, value, lo, hi, w in zip(
        out["construct"], out["index"], lower, upper, span, strict=True
    ):
        if not w > width:
            continue
        diagnostics.append(
            Diagnostic(
                "warning",
                "index_imprecise",
                f"The 95% interval of the '{name}' index ({value:.1f}) runs from {lo:.1f} to "
                f"{hi:.1f}, {w:.1f} points wide: wider than the {width:g} points that EPSI "
                f"Rating aims for (about ±{width / 2:g}). Differences of up to about {w:.1f} "
                "points between companies or survey waves can be sampling noise; the interval "
                "narrows roughly with the square root of the number of respondents, so about "
                f"{(w / width) ** 2:.1f} times as many would meet the target.",
            )
        )
    return IndexPrecision(out, tuple(diagnostics))


@dataclass(frozen=True, eq=False)
class IndexStatistic:
    """Bootstrap extra: the index scores of a batch of resamples (picklable for workers).

    Called with a batched estimate and the resamples' item moments, it returns
    ``{"index": (c, J)}`` computed by :func:`index_scores` with the declared scales; constructs
    without a scale are NaN.
    """

    blocks: tuple[tuple[int, ...], ...]
    lows: FloatArray
    highs: FloatArray
    #: The index may be undefined in a resample (a rescaled weight turns negative) without the
    #: resample failing: its interval uses the resamples where it is defined.
    partial: ClassVar[bool] = True
    names: ClassVar[tuple[str, ...]] = ("index",)

    @classmethod
    def for_spec(cls, spec: ModelSpec) -> IndexStatistic:
        """The statistic for every construct of ``spec`` (NaN where no scale is declared)."""
        scaled = [c for c in spec.construct_names if spec.scale_of(c) is not None]
        lows, highs = item_scales(spec, scaled)
        return cls(tuple(tuple(b) for b in _blocks(spec)), lows, highs)

    def __call__(self, estimate: Any, moments: Any) -> dict[str, FloatArray]:
        # a staged model's weights have more rows (dimensions, interaction columns) and
        # columns (interaction terms): the index needs the items and the constructs
        w = np.asarray(estimate.weights)[..., : len(self.lows), : len(self.blocks)]
        values = index_scores(w, moments.mean, moments.sd, self.blocks, self.lows, self.highs)
        return {"index": values}
