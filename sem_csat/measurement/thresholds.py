"""Rules of thumb for measurement quality, declared as data.

Every measure of :mod:`sem_csat.measurement` is judged against a :class:`Threshold`: the admissible
range, where the rule comes from, what a violation means and what to do about it.  The verdict
of a value is ``"ok"``, ``"low"``, ``"high"`` or ``""`` (not assessable: NaN, a single item, a
formative block).  Changing a rule means changing one entry of :data:`THRESHOLDS`; nothing else
in the package hard-codes a cut-off.

Examples
--------
>>> LOADING.verdict(0.65), LOADING.verdict(0.80), RHO_C.verdict(0.97)
('low', 'ok', 'high')
>>> RHO_C.criterion
'0.70 ≤ value ≤ 0.95'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from sem_csat.errors import (
    CommonMethodWarning,
    DiscriminantValidityWarning,
    MeasurementQualityWarning,
    SemCsatWarning,
)

__all__ = [
    "ALPHA",
    "ALPHA_IF_DELETED",
    "AVE",
    "CROSS_LOADING",
    "FORMATIVE_VIF",
    "FORNELL_LARCKER",
    "FULL_COLLINEARITY_VIF",
    "HARMAN",
    "HTMT_CONSERVATIVE",
    "HTMT_LIBERAL",
    "INDICATOR_RELIABILITY",
    "ITEM_TOTAL",
    "LOADING",
    "OUTER_VIF",
    "RHO_A",
    "RHO_C",
    "THRESHOLDS",
    "WEIGHT",
    "CommonMethodWarning",
    "MeasurementQualityWarning",
    "Threshold",
    "Verdict",
]

Verdict = Literal["ok", "low", "high", ""]

HAIR_2022 = "Hair, Hult, Ringle & Sarstedt (2022), A Primer on PLS-SEM, 3rd ed., ch. 4-5"


@dataclass(frozen=True)
class Threshold:
    """A rule of thumb: the admissible range of one measure and where it comes from.

    Attributes
    ----------
    measure
        Machine name (``"rho_c"``), as used in the report's ``verdicts`` table.
    label
        Human name (``"composite reliability ρ_c"``).
    lower, upper
        Admissible range (inclusive; ``None`` = unbounded).  A value below ``lower`` is
        ``"low"``, above ``upper`` ``"high"``.
    source
        The citation the rule rests on.
    advice
        What a violation means and what to look at next (one or two sentences).
    category
        Warning class of a violation.
    strict
        True when the bound itself is a violation (``HTMT < 0.90``: 0.90 is ``"high"``).
    """

    measure: str
    label: str
    lower: float | None
    upper: float | None
    source: str
    advice: str
    category: type[SemCsatWarning] = MeasurementQualityWarning
    strict: bool = False

    @property
    def criterion(self) -> str:
        """The rule as text, e.g. ``"value ≥ 0.708"`` or ``"0.70 ≤ value ≤ 0.95"``."""
        lt, le = ("<", ">") if self.strict else ("≤", "≥")
        if self.lower is not None and self.upper is not None:
            return f"{self.lower:.2f} {lt} value {lt} {self.upper:.2f}"
        if self.lower is not None:
            return f"value {le} {_fmt(self.lower)}"
        if self.upper is not None:
            return f"value {lt} {_fmt(self.upper)}"
        return "none"

    def verdict(self, value: float) -> Verdict:
        """Judge one value: ``"ok"``, ``"low"``, ``"high"`` or ``""`` for NaN."""
        if value is None or not math.isfinite(float(value)):
            return ""
        v = float(value)
        if self.lower is not None and (v <= self.lower if self.strict else v < self.lower):
            return "low"
        if self.upper is not None and (v >= self.upper if self.strict else v > self.upper):
            return "high"
        return "ok"

    def verdicts(self, values: npt.ArrayLike) -> npt.NDArray[np.str_]:
        """Judge every element of ``values`` (same shape, strings)."""
        arr = np.asarray(values, dtype=np.float64)
        out = np.array([self.verdict(float(v)) for v in arr.ravel()], dtype="<U4")
        return out.reshape(arr.shape)


def _fmt(x: float) -> str:
    return f"{x:g}" if x >= 1 else f"{x:.3g}"


LOADING = Threshold(
    "loading",
    "indicator loading",
    0.708,
    None,
    HAIR_2022 + " (0.708² ≈ 0.50: the construct explains half of the item's variance)",
    "The item shares less than half of its variance with its construct. Drop items below "
    "0.40; drop items between 0.40 and 0.708 only if that raises ρ_c or AVE above their "
    "thresholds and does not narrow the content of the construct.",
)
INDICATOR_RELIABILITY = Threshold(
    "indicator_reliability",
    "indicator reliability (loading²)",
    0.50,
    None,
    HAIR_2022,
    "Less than half of the item's variance is explained by its construct; see the loading.",
)
ALPHA = Threshold(
    "alpha",
    "Cronbach's α",
    0.70,
    0.95,
    "Cronbach (1951); Nunnally & Bernstein (1994), Psychometric Theory, 3rd ed.; " + HAIR_2022,
    "Below 0.70 the items do not measure one thing reliably (look at the item-total "
    "correlations); above 0.95 the items are near-duplicates (redundant wording, or "
    "straight-lining respondents).",
)
RHO_A = Threshold(
    "rho_a",
    "Dijkstra–Henseler ρ_A",
    0.70,
    0.95,
    "Dijkstra & Henseler (2015), MIS Quarterly 39(2); " + HAIR_2022,
    "ρ_A is the reliability of the construct score; below 0.70 the construct is measured "
    "with much error, above 0.95 the items are probably redundant.",
)
RHO_C = Threshold(
    "rho_c",
    "composite reliability ρ_c",
    0.70,
    0.95,
    "Jöreskog (1971), Psychometrika 36(2); " + HAIR_2022,
    "Below 0.70 the construct is measured unreliably (look at its weakest loadings); above "
    "0.95 the items are near-duplicates, which inflates error correlations.",
)
AVE = Threshold(
    "ave",
    "average variance extracted",
    0.50,
    None,
    "Fornell & Larcker (1981), Journal of Marketing Research 18(1); " + HAIR_2022,
    "The construct explains less than half of its items' variance on average: more error "
    "than signal. Look at the items with the lowest loadings.",
)
ITEM_TOTAL = Threshold(
    "item_total_corr",
    "corrected item–total correlation",
    0.30,
    None,
    "Nunnally & Bernstein (1994), Psychometric Theory, 3rd ed.",
    "The item hardly correlates with the sum of the other items of its block: check its "
    "wording, whether it should have been reverse-coded, or whether it belongs elsewhere.",
)
ALPHA_IF_DELETED = Threshold(
    "alpha_if_deleted",
    "α if item deleted − α",
    None,
    0.0,
    "Cronbach (1951)",
    "Deleting the item would raise α; the item fits its block worse than the others do.",
)
OUTER_VIF = Threshold(
    "vif",
    "indicator VIF (reflective)",
    None,
    5.0,
    HAIR_2022,
    "The item is nearly a linear combination of the other items of its block (redundant "
    "wording); consider dropping one of the near-duplicates.",
)
FORMATIVE_VIF = Threshold(
    "vif",
    "indicator VIF (formative)",
    None,
    3.0,
    HAIR_2022 + " (VIF ≥ 5 critical, 3–5 possibly problematic)",
    "The weights of collinear formative indicators are unstable and can change sign; "
    "consider merging the indicators or creating a higher-order construct.",
)
WEIGHT = Threshold(
    "weight_or_loading",
    "formative weight significant, or loading",
    0.50,
    None,
    HAIR_2022 + " (keep a non-significant weight if its loading is ≥ 0.50)",
    "The indicator contributes neither significantly (weight) nor absolutely (loading < 0.50) "
    "to its composite; consider removing it if theory allows.",
)
HTMT_CONSERVATIVE = Threshold(
    "htmt",
    "HTMT (conceptually distinct constructs)",
    None,
    0.85,
    "Henseler, Ringle & Sarstedt (2015), JAMS 43(1); Roemer, Schuberth & Henseler (2021), "
    "IMDS 121(12) for HTMT2",
    "The two constructs correlate nearly as strongly between as within; for conceptually "
    "distinct constructs this is a discriminant validity problem.",
    DiscriminantValidityWarning,
    strict=True,
)
HTMT_LIBERAL = Threshold(
    "htmt",
    "HTMT (conceptually similar constructs)",
    None,
    0.90,
    "Henseler, Ringle & Sarstedt (2015), JAMS 43(1); Roemer, Schuberth & Henseler (2021), "
    "IMDS 121(12) for HTMT2",
    "The two constructs are not empirically distinct even by the liberal rule. Look for "
    "items that load highly on both (cross-loadings), merge the constructs, or reword items.",
    DiscriminantValidityWarning,
    strict=True,
)
FORNELL_LARCKER = Threshold(
    "fornell_larcker",
    "√AVE − largest correlation with another construct",
    0.0,
    None,
    "Fornell & Larcker (1981), Journal of Marketing Research 18(1)",
    "The construct shares more variance with another construct than with its own items. "
    "The criterion is insensitive (Henseler et al. 2015); rely on HTMT.",
    DiscriminantValidityWarning,
    strict=True,
)
CROSS_LOADING = Threshold(
    "cross_loading",
    "own loading − largest cross-loading",
    0.0,
    None,
    "Chin (1998), in Modern Methods for Business Research; Hair et al. (2022)",
    "The item correlates at least as strongly with another construct as with its own; it "
    "may belong to the other construct or mix two concepts.",
    DiscriminantValidityWarning,
    strict=True,
)
FULL_COLLINEARITY_VIF = Threshold(
    "full_collinearity_vif",
    "full collinearity VIF",
    None,
    3.3,
    "Kock (2015), International Journal of e-Collaboration 11(4)",
    "The construct is strongly predicted by all the others together, which points to common "
    "method variance (or to constructs that are not distinct). Check how the survey was "
    "administered (same source, same scale, same time) and the HTMT ratios.",
    CommonMethodWarning,
)
HARMAN = Threshold(
    "harman_share",
    "Harman single-factor variance share",
    None,
    0.50,
    "Podsakoff, MacKenzie, Lee & Podsakoff (2003), Journal of Applied Psychology 88(5)",
    "One unrotated factor explains most of the item variance, a sign of common method "
    "variance. Note that the test is insensitive: passing it does not rule the bias out.",
    CommonMethodWarning,
    strict=True,
)

#: Every rule, by the name used in the report's ``verdicts`` table.
THRESHOLDS: dict[str, Threshold] = {
    "loading": LOADING,
    "indicator_reliability": INDICATOR_RELIABILITY,
    "alpha": ALPHA,
    "alpha_std": ALPHA,
    "rho_a": RHO_A,
    "rho_c": RHO_C,
    "ave": AVE,
    "item_total_corr": ITEM_TOTAL,
    "alpha_if_deleted": ALPHA_IF_DELETED,
    "vif": OUTER_VIF,
    "formative_vif": FORMATIVE_VIF,
    "weight": WEIGHT,
    "htmt": HTMT_LIBERAL,
    "htmt_conservative": HTMT_CONSERVATIVE,
    "htmt2": HTMT_LIBERAL,
    "fornell_larcker": FORNELL_LARCKER,
    "cross_loading": CROSS_LOADING,
    "full_collinearity_vif": FULL_COLLINEARITY_VIF,
    "harman_share": HARMAN,
}
