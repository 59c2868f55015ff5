"""Readers for other programs' reference results, and the tolerances they are held to.

Reference files live beside the repository in ``../shared/reference`` (see its README): SmartPLS
2.0.M3 on the ECSI survey and ADANCO 2.2.1 on the bank survey.  Tests that need them skip with a
clear reason when that folder is absent.

Tolerances (absolute), stated once for the whole suite:

- ``TOL_SMARTPLS = 1e-6``: SmartPLS prints 8 decimals;
- ``TOL_ADANCO = 1e-5``: ADANCO's own correlation matrix is off by about 5e-8 on the diagonal.

A number that a message prints is compared by value, to the precision it is printed with
(:func:`assert_quotes`), never as text: its last digit may flip on another machine.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
REFERENCE = SHARED / "reference"
SMARTPLS = REFERENCE / "smartpls_ecsi"
ADANCO_MODE_B = REFERENCE / "adanco_bank_satisfaction" / "composite_modeB"
ADANCO_PLSC = REFERENCE / "adanco_bank_satisfaction" / "common_factor_PLSc"

TOL_SMARTPLS = 1e-6
TOL_ADANCO = 1e-5

_NUMBER = r"([-−+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"


def quoted(message: str, before: str) -> tuple[float, float]:
    """The number ``message`` prints right after ``before``, and one unit of its last digit."""
    match = re.search(re.escape(before) + _NUMBER, message)
    assert match is not None, f"{before!r} followed by a number is not in {message!r}"
    text = match.group(1).replace("−", "-")
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    unit = 10.0 ** (-decimals + (int(exponent) if exponent else 0))
    return float(text), unit


def assert_quotes(message: str, before: str, value: float) -> None:
    """Assert that ``message`` prints ``value`` after ``before``, to its printed precision: the
    printed number may differ from ``value`` by one unit of its last digit (rounding)."""
    number, unit = quoted(message, before)
    assert abs(number - value) <= unit * (1 + 1e-9), (
        f"{message!r} prints {number} after {before!r}; expected {value} to ±{unit:g}"
    )


# The two models as the data README (../shared/data/README.md) states them, written down
# independently of the bundled spec files.
ECSI_BLOCKS = {
    "Image": [f"IMAG{i}" for i in range(1, 6)],
    "Expectation": [f"CUEX{i}" for i in range(1, 4)],
    "Quality": [f"PERQ{i}" for i in range(1, 8)],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": [f"CUSA{i}" for i in range(1, 4)],
    "Complaints": ["CUSCO"],
    "Loyalty": [f"CUSL{i}" for i in range(1, 4)],
}
ECSI_PATHS = [
    ("Image", "Expectation"),
    ("Image", "Satisfaction"),
    ("Image", "Loyalty"),
    ("Expectation", "Quality"),
    ("Expectation", "Value"),
    ("Expectation", "Satisfaction"),
    ("Quality", "Value"),
    ("Quality", "Satisfaction"),
    ("Value", "Satisfaction"),
    ("Satisfaction", "Complaints"),
    ("Satisfaction", "Loyalty"),
    ("Complaints", "Loyalty"),
]
BANK_BLOCKS = {
    "IMAG": [f"imag{i}" for i in range(1, 6)],
    "EXPE": [f"expe{i}" for i in range(1, 6)],
    "QUAL": [f"qual{i}" for i in range(1, 6)],
    "VAL": [f"val{i}" for i in range(1, 5)],
    "SAT": [f"sat{i}" for i in range(1, 5)],
    "LOY": [f"loy{i}" for i in range(1, 5)],
}
BANK_PATHS = [
    ("IMAG", "EXPE"),
    ("IMAG", "SAT"),
    ("IMAG", "LOY"),
    ("EXPE", "QUAL"),
    ("EXPE", "VAL"),
    ("EXPE", "SAT"),
    ("QUAL", "VAL"),
    ("QUAL", "SAT"),
    ("VAL", "SAT"),
    ("SAT", "LOY"),
]

needs_shared = pytest.mark.skipif(
    not REFERENCE.is_dir(),
    reason=f"reference results not found at {REFERENCE} (the shared folder beside the repository)",
)


def read_smartpls(path: Path) -> pd.DataFrame:
    """Read a SmartPLS 2 result table: tab separated, decimal comma, padded labels."""
    lines = [ln.rstrip("\r\n").rstrip("\t").split("\t") for ln in path.read_text().splitlines()]
    lines = [ln for ln in lines if any(cell.strip() for cell in ln)]
    columns = [c.strip() for c in lines[0][1:]]
    index = [ln[0].strip() for ln in lines[1:]]
    values = [[float(v.strip().replace(",", ".")) for v in ln[1:]] for ln in lines[1:]]
    return pd.DataFrame(values, index=index, columns=columns)


def read_adanco_matrix(folder: Path, name: str) -> pd.DataFrame:
    """Read an ADANCO sheet with row labels in the first column; blank cells become NaN.

    Path coefficients and total effects have a two-line header ("Independent variable,
    Dependent variable" above the construct names); trailing note lines are dropped.
    """
    path = folder / f"{name}.csv"
    first = path.read_text(encoding="utf-8").splitlines()[0]
    skip = 1 if first.startswith("Independent variable") else 0
    table = pd.read_csv(path, index_col=0, skiprows=skip)
    table = table.loc[[isinstance(i, str) and not i.endswith(".") for i in table.index]]
    return table.dropna(axis=1, how="all").astype(float)


def read_adanco_r2(folder: Path) -> pd.DataFrame:
    """Read ADANCO's R² sheet as columns ``r2, r2_adj`` indexed by construct."""
    table = pd.read_csv(folder / "R_Squared.csv", index_col=0)
    table.columns = ["r2", "r2_adj"]
    return table
