"""Identification: an unidentified model is refused with one sentence before estimation, and a
model that is singular at its estimates says so first, naming the parameters involved.

What is checked before estimating (``sem_csat.cbsem.identify``): the t-rule (df ≥ 0), then
the rank of the Jacobian of the implied moments at generic points (Wald 1950; Bekker et al.
1994), whose failures are explained as a construct without a scale, a construct with too few
items, or the parameters the data cannot tell apart.  Every reference case of lavaan (all
identified) must pass (test_cbsem_pipeline.py fits them all).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.cbsem.estimate import Reparam
from sem_csat.cbsem.identify import check_identification, jacobian_rank
from sem_csat.cbsem.lisrel import LisrelModel
from sem_csat.cbsem.partable import build_partable
from sem_csat.cli import main
from sem_csat.errors import ConvergenceWarning, EstimationError, SemCsatError, SpecError
from sem_csat.spec import ModelSpec

LAVAAN = Path(__file__).resolve().parent / "reference" / "lavaan"


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(LAVAAN / "hs1939.csv")


REFUSED = [
    # the t-rule: 6 moments, 7 parameters
    ("f =~ x1 + x2 + x3\nx1 ~~ x2", EstimationError, "df = -1"),
    # the marker fixed at 0 leaves f without a scale
    ("f =~ 0*x1 + x2 + x3 + x4\ng =~ x5 + x6 + x7", SpecError, "Construct 'f' has no scale"),
    # two items, related to nothing
    ("f =~ x1 + x2\ng =~ x4 + x5 + x6\nf ~~ 0*g", SpecError, "only two items ('x1' and 'x2')"),
    # one item with a free residual variance
    ("f =~ x1 + x2 + x3\ng =~ x4\nx4 ~~ x4\ng ~ f", SpecError, "only one item, 'x4'"),
    # a path and a covariance that duplicate each other
    (
        "f =~ x1 + x2 + x3\ng =~ x4 + x5 + x6\ng ~ f\nf ~~ g",
        EstimationError,
        "cannot tell apart changes in f ~~ g, g ~ f",
    ),
]


@pytest.mark.parametrize(("model", "error", "words"), REFUSED)
def test_unidentified_models_are_refused_before_estimation(
    hs: pd.DataFrame, model: str, error: type[SemCsatError], words: str
) -> None:
    spec = ModelSpec.from_lavaan(model, name="m")
    with pytest.raises(error) as info:
        sem_csat.fit(spec, hs, method="ml")
    message = str(info.value)
    assert words in message
    assert message.count(". ") == 0  # one sentence


def test_identified_models_pass(hs: pd.DataFrame) -> None:
    for model in (
        "f =~ x1 + x2\ng =~ x4 + x5 + x6",  # two items, correlated with g
        "f =~ x1 + a*x2\ng =~ x4 + x5 + x6\nf ~~ 0*g\nx1 ~~ b*x1\nx2 ~~ b*x2",  # equal residuals
        "f =~ 0.5*x1 + x2 + x3",  # scale by a loading fixed at another value
        "f =~ x1 + x2 + x3\ng =~ x4 + x5 + x6\nh =~ x7 + x8 + x9\ns =~ f + g + h",
    ):
        spec = ModelSpec.from_lavaan(model, name="m")
        table = build_partable(spec)
        model_ = LisrelModel(table)
        reparam = Reparam.from_table(table)
        assert jacobian_rank(table, model_, reparam)[0], model
        check_identification(table, model_, reparam, 45)


def test_a_second_order_factor_over_two_dimensions_is_not_identified(hs: pd.DataFrame) -> None:
    spec = ModelSpec.from_lavaan(
        "f =~ x1 + x2 + x3\ng =~ x4 + x5 + x6\ns =~ f + g\nh =~ x7 + x8 + x9\ns ~~ 0*h\n"
        "f ~~ 0*h\ng ~~ 0*h",
        name="m",
    )
    with pytest.raises(SemCsatError, match=r"not identified|cannot tell apart"):
        sem_csat.fit(spec, hs, method="ml")


def test_the_cli_refuses_with_one_error_line_and_exit_2(
    tmp_path: Path, hs: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "bad.lav"
    spec.write_text("f =~ 0*x1 + x2 + x3 + x4\ng =~ x5 + x6 + x7\n", encoding="utf-8")
    data = tmp_path / "hs.csv"
    hs.to_csv(data, index=False)
    out = tmp_path / "out"
    code = main(["fit", str(spec), str(data), "--method", "ml", "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1
    assert "has no scale" in lines[0]
    assert "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_singular_information_at_the_estimates_is_said_first() -> None:
    # x1, x2 correlate with nothing else: f's covariance with g is 0 and f is then isolated
    names = ["x1", "x2", "x3", "x4", "x5"]
    c = np.eye(5)
    c[0, 1] = c[1, 0] = 0.5
    c[2:, 2:] = 0.4
    np.fill_diagonal(c, 1.0)
    cov = pd.DataFrame(c, index=names, columns=names)
    spec = ModelSpec.from_lavaan("f =~ x1 + x2\ng =~ x3 + x4 + x5\nf ~~ g", name="m")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = sem_csat.fit(spec, cov=cov, n_obs=200, method="ml")
    assert result.converged
    codes = [d.code for d in result.diagnostics if d.code.startswith("cbsem_")]
    assert codes[0] == "cbsem_information_singular"
    message = result.diagnostics[[d.code for d in result.diagnostics].index(codes[0])].message
    assert "f =~ x2" in message
    assert any(issubclass(w.category, ConvergenceWarning) for w in caught)
    assert "cbsem_information_singular" in str(result)  # in the summary's warnings
    assert result.params["std_error"].isna().all()
