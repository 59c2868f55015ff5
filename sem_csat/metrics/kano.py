"""The Kano model: classify product or service features from functional/dysfunctional questions.

For every feature the survey asks two questions (Kano et al. 1984): *functional* ("If the
product has X, how do you feel?") and *dysfunctional* ("If it does not have X, how do you
feel?"), each answered 1 = I like it, 2 = I expect it (must-be), 3 = I am neutral, 4 = I can
live with it, 5 = I dislike it.  Each respondent's pair is classified with the standard Kano
evaluation table (:data:`EVALUATION`, functional answer in rows, dysfunctional in columns):

==========  ====  =======  =======  =========  =======
functional  like  must-be  neutral  live-with  dislike
==========  ====  =======  =======  =========  =======
like        Q     A        A        A          O
must-be     R     I        I        I          M
neutral     R     I        I        I          M
live-with   R     I        I        I          M
dislike     R     R        R        R          Q
==========  ====  =======  =======  =========  =======

A attractive, O one-dimensional, M must-be, I indifferent, R reverse, Q questionable (a
contradictory pair).  A feature's category is the most frequent one; whether it stands out from
the runner-up is judged by Fong's (1996) test, and Berger et al.'s (1993) coefficients place it
on the better/worse map (:meth:`KanoResult.figure`).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"f_wifi": [1, 1, 2, 1, 1], "d_wifi": [5, 3, 5, 5, 5]})
>>> res = kano(df, {"Wi-Fi": ("f_wifi", "d_wifi")})
>>> res.table[["feature", "n", "A", "O", "M", "I", "category", "better", "worse"]]
  feature  n  A  O  M  I category  better  worse
0   Wi-Fi  5  1  3  1  0        O     0.8   -0.8
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import UsageError
from sem_csat.metrics.columns import DataLike, answers, check_answers, missing_note, survey_frame
from sem_csat.summary import ResultDisplay, Section, Summary

if TYPE_CHECKING:
    from sem_csat.metrics.plot import Chart

__all__ = [
    "ANSWERS",
    "CATEGORIES",
    "CATEGORY_NAMES",
    "EVALUATION",
    "TABLE_COLUMNS",
    "KanoResult",
    "classify",
    "fong_critical_difference",
    "kano",
]

#: The five answers, in their coded order 1..5.
ANSWERS: Final = ("like", "must-be", "neutral", "live-with", "dislike")
#: The six categories, in table order.
CATEGORIES: Final = ("A", "O", "M", "I", "R", "Q")
#: Full names of the categories.
CATEGORY_NAMES: Final = {
    "A": "attractive",
    "O": "one-dimensional",
    "M": "must-be",
    "I": "indifferent",
    "R": "reverse",
    "Q": "questionable",
}
#: The Kano evaluation table: ``EVALUATION[functional - 1][dysfunctional - 1]``.
EVALUATION: Final = (
    ("Q", "A", "A", "A", "O"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "R", "R", "R", "Q"),
)
#: Columns of :attr:`KanoResult.table` (``kano.csv``); the Fong-test columns follow.
TABLE_COLUMNS: Final = (
    "feature",
    "n",
    "A",
    "O",
    "M",
    "I",
    "R",
    "Q",
    "category",
    "better",
    "worse",
    "second",
    "fong_difference",
    "distinct",
)
# Berger et al. (1993): when categories tie, take the one with the greater effect on
# satisfaction, M > O > A > I (then R, Q).
_PRIORITY: Final = ("M", "O", "A", "I", "R", "Q")
_Z_FONG: Final = 1.65

IntArray = npt.NDArray[np.intp]


def classify(functional: npt.ArrayLike, dysfunctional: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """Kano category of each answer pair (answers coded 1..5; see :data:`EVALUATION`).

    Examples
    --------
    >>> classify([1, 1, 2, 5, 3, 1], [5, 3, 5, 1, 3, 1]).tolist()
    ['O', 'A', 'M', 'R', 'I', 'Q']
    """
    f = np.asarray(functional, dtype=np.intp)
    d = np.asarray(dysfunctional, dtype=np.intp)
    table = np.array(EVALUATION, dtype="<U1")
    out: npt.NDArray[np.str_] = table[f - 1, d - 1]
    return out


def fong_critical_difference(a: int, b: int, n: int) -> float:
    """Fong's (1996) critical difference between the two most frequent categories.

    Parameters
    ----------
    a, b
        Frequencies of the most and second most frequent category.
    n
        Number of classified answers of the feature.

    Notes
    -----
    The difference is significant (at about the 10% level, two-sided) when

    .. math:: |a - b| \\ge Q = 1.65\\sqrt{\\frac{(a + b)(2n - a - b)}{2n}};

    otherwise the feature sits between the two categories.

    Examples
    --------
    >>> round(fong_critical_difference(40, 30, 100), 2)  # 1.65 * sqrt(70 * 130 / 200)
    11.13
    """
    if n <= 0:
        return math.nan
    return _Z_FONG * math.sqrt((a + b) * (2 * n - a - b) / (2 * n))


@dataclass(frozen=True, eq=False)
class KanoResult(ResultDisplay):
    """Kano categories and Berger coefficients of every feature.

    Attributes
    ----------
    table
        One row per feature, columns :data:`TABLE_COLUMNS`: ``n`` classified answer pairs,
        the counts of A, O, M, I, R, Q, the ``category`` (most frequent; ties broken
        M > O > A > I > R > Q), ``better`` :math:`= (A + O)/(A + O + M + I)` and ``worse``
        :math:`= -(O + M)/(A + O + M + I)` (Berger et al. 1993; NaN when A + O + M + I = 0),
        then the runner-up category ``second``, ``fong_difference`` (Fong's critical
        difference :math:`Q`) and ``distinct`` (True when the category is significantly more
        frequent than the runner-up, :math:`a - b \\ge Q`).
    categories
        Respondents × features: each respondent's category of each feature (``""`` where an
        answer is missing), the DataFrame's own index.
    pairs
        Feature → (functional column, dysfunctional column).
    source
        The data, as named in messages.
    diagnostics
        Notes on missing answers and on features whose category does not stand out.
    """

    table: pd.DataFrame
    categories: pd.DataFrame
    pairs: dict[str, tuple[str, str]]
    source: str
    diagnostics: tuple[Diagnostic, ...] = ()

    def figure(self, size: str | float = "single", *, title: str | None = None) -> Chart:
        """The better/worse map of the features (:func:`sem_csat.metrics.plot.kano_chart`).

        ``size`` is ``"single"`` (3.5 in, a journal column), ``"double"`` (7.2 in) or a width
        in inches; every text is at least 7 pt at that width.
        """
        from sem_csat.metrics.plot import kano_chart

        return kano_chart(self.table, size=size, title=title)

    def summary(self) -> Summary:
        """The table with the category names, as a :class:`~sem_csat.summary.Summary`."""
        shown = self.table.copy()
        shown["category"] = [
            f"{c} ({CATEGORY_NAMES[c]})" + ("" if d else f", close to {s}")
            for c, s, d in zip(shown["category"], shown["second"], shown["distinct"], strict=True)
        ]
        lines = (
            "A attractive, O one-dimensional, M must-be, I indifferent, R reverse, "
            "Q questionable (Kano evaluation table).",
            "better = (A+O)/(A+O+M+I), worse = -(O+M)/(A+O+M+I) (Berger et al. 1993).",
            "'close to X': the runner-up X is not significantly less frequent "
            "(Fong 1996: a - b < 1.65 sqrt((a+b)(2n-a-b)/2n)).",
        )
        cols = ["feature", "n", *CATEGORIES, "category", "better", "worse"]
        header = [("Data", self.source), ("Features", str(len(self.table)))]
        return Summary(
            "Kano classification",
            header,
            [Section("Features", shown[cols], lines=lines)],
            self.diagnostics,
        )

    def __repr__(self) -> str:
        counts = self.table["category"].value_counts()
        mix = ", ".join(f"{int(counts[c])} {c}" for c in CATEGORIES if c in counts)
        return f"<KanoResult: {len(self.table)} features ({mix})>"


def _pairs(
    pairs: Mapping[str, Sequence[str]] | Iterable[Sequence[str]],
) -> dict[str, tuple[str, str]]:
    """Normalize ``{feature: (F, D)}`` or ``[(F, D), ...]`` (feature named after F)."""
    items: list[tuple[str, object]]
    if isinstance(pairs, Mapping):
        items = [(str(k), v) for k, v in pairs.items()]
    elif isinstance(pairs, str):
        raise UsageError(
            "pairs must map features to (functional, dysfunctional) columns, such as "
            "{'Wi-Fi': ('f_wifi', 'd_wifi')}, or list the column pairs; got a text."
        )
    else:
        items = []
        for given in pairs:
            first = (
                given[0] if isinstance(given, Sequence) and not isinstance(given, str) else given
            )
            items.append((str(first), given))
    out: dict[str, tuple[str, str]] = {}
    for feature, pair in items:
        if (
            not isinstance(pair, Sequence)
            or isinstance(pair, str)
            or len(pair) != 2
            or not all(isinstance(c, str) for c in pair)
        ):
            raise UsageError(
                f"The Kano feature '{feature}' needs exactly two columns (functional, "
                f"dysfunctional), such as ('f_wifi', 'd_wifi'); got {pair!r}."
            )
        if feature in out:
            raise UsageError(f"The Kano feature '{feature}' is listed twice; name it once.")
        out[feature] = (str(pair[0]), str(pair[1]))
    if not out:
        raise UsageError("Give at least one Kano feature: {feature: (functional, dysfunctional)}.")
    return out


def _one_to_five(v: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    return np.asarray((v >= 1) & (v <= 5) & (v == np.round(v)), dtype=bool)


def _category(counts: dict[str, int]) -> tuple[str, str]:
    """Most frequent and runner-up category, ties broken by :data:`_PRIORITY`."""
    order = sorted(_PRIORITY, key=lambda c: (-counts[c], _PRIORITY.index(c)))
    return order[0], order[1]


def kano(
    data: DataLike,
    pairs: Mapping[str, Sequence[str]] | Iterable[Sequence[str]],
    *,
    na_values: Iterable[float | str] = (),
) -> KanoResult:
    """Classify features with the Kano model and compute Berger's better/worse coefficients.

    Parameters
    ----------
    data
        The survey (DataFrame, file path or :func:`sem_csat.read_data`'s result); never
        changed.
    pairs
        ``{feature: (functional column, dysfunctional column)}``, or a list of
        ``(functional, dysfunctional)`` column pairs (each feature then named after its
        functional column).  Answers are coded 1 like, 2 must-be (I expect it), 3 neutral,
        4 live-with, 5 dislike.
    na_values
        Codes that mean "no answer".

    Returns
    -------
    KanoResult

    Raises
    ------
    DataError
        A column that does not exist or holds text, or answers outside 1–5 (the sentence names
        the column and shows offending answers with their rows).
    UsageError
        A malformed ``pairs``.

    Notes
    -----
    A respondent with a missing answer in a pair is left out of that feature only.  The
    category is the mode of the respondents' categories (Kano et al. 1984); Fong's test
    (:func:`fong_critical_difference`) tells whether it is significantly more frequent than
    the runner-up.  Berger et al.'s (1993) coefficients leave out R and Q answers:
    :math:`\\text{better} = (A + O)/(A + O + M + I)` (how much satisfaction rises when the
    feature is offered) and :math:`\\text{worse} = -(O + M)/(A + O + M + I)` (how much it
    falls when it is missing).

    References
    ----------
    .. [1] Kano, N., Seraku, N., Takahashi, F., & Tsuji, S. (1984). Attractive quality and
       must-be quality. *Journal of the Japanese Society for Quality Control*, 14(2), 39–48.
    .. [2] Berger, C., Blauth, R., Boger, D., et al. (1993). Kano's methods for understanding
       customer-defined quality. *Center for Quality of Management Journal*, 2(4), 3–36.
    .. [3] Fong, D. (1996). Using the self-stated importance questionnaire to interpret Kano
       questionnaire results. *Center for Quality of Management Journal*, 5(3), 21–24.
    .. [4] Matzler, K., & Hinterhuber, H. H. (1998). How to make product development
       projects more successful by integrating Kano's model of customer satisfaction into
       quality function deployment. *Technovation*, 18(1), 25–38.
    """
    features = _pairs(pairs)
    frame, source, reader_notes = survey_frame(data, na_values)
    rows: list[dict[str, object]] = []
    cats: dict[str, npt.NDArray[np.str_]] = {}
    notes: list[Diagnostic] = list(reader_notes)
    close: list[str] = []
    for feature, (fcol, dcol) in features.items():
        values = []
        for col, role in ((fcol, "functional"), (dcol, "dysfunctional")):
            x = answers(frame, col, source, f"the {role} Kano question of '{feature}'")
            check_answers(
                x,
                frame.index,
                col,
                source,
                allowed=_one_to_five,
                rule="Kano answers 1-5 (1 like, 2 must-be, 3 neutral, 4 live-with, 5 dislike)",
                hint="recode the answers to 1-5 in this order",
            )
            values.append(x)
        present = ~(np.isnan(values[0]) | np.isnan(values[1]))
        note = missing_note(f"{fcol}/{dcol}", int((~present).sum()), present.size, f"'{feature}'")
        if note is not None:
            notes.append(note)
        labels = np.full(present.size, "", dtype="<U1")
        labels[present] = classify(values[0][present], values[1][present])
        cats[feature] = labels
        counts = {c: int(np.sum(labels == c)) for c in CATEGORIES}
        n = int(present.sum())
        first, second = _category(counts)
        q = fong_critical_difference(counts[first], counts[second], n)
        distinct = bool(n > 0 and counts[first] - counts[second] >= q)
        if n and not distinct:
            close.append(f"'{feature}' ({first} vs {second})")
        core = counts["A"] + counts["O"] + counts["M"] + counts["I"]
        better = (counts["A"] + counts["O"]) / core if core else math.nan
        worse = -(counts["O"] + counts["M"]) / core if core else math.nan
        rows.append(
            {
                "feature": feature,
                "n": n,
                **counts,
                "category": first if n else "",
                "better": better,
                "worse": worse,
                "second": second if n else "",
                "fong_difference": q,
                "distinct": distinct,
            }
        )
    if close:
        notes.append(
            Diagnostic(
                "info",
                "kano_category_not_distinct",
                f"For {', '.join(close)} the most frequent category is not significantly more "
                "frequent than the runner-up (Fong 1996); report the feature as between the "
                "two, or ask more respondents.",
            )
        )
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    return KanoResult(
        table=table,
        categories=pd.DataFrame(cats, index=frame.index),
        pairs=features,
        source=source,
        diagnostics=tuple(notes),
    )
