"""Interaction terms in covariance-based SEM against lavaan (:mod:`sem_csat.product_terms`).

The references in ``tests/reference/lavaan_moderation`` build the interaction term in R
(double-mean-centred matched product indicators, or the product of centred composites) and fit
it with lavaan 0.6-14; sem_csat builds it from the spec's ``SAT:IMAG`` and fits it with its own
CB-SEM engine.  Tolerance as for every CB-SEM comparison: max(1e-4, 1e-3 |x|).
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.errors import EstimationError

REFERENCE = Path(__file__).resolve().parent / "reference" / "lavaan_moderation"
MODEL = """
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
SAT =~ sat1 + sat2 + sat3 + sat4
LOY =~ loy1 + loy2 + loy3 + loy4
LOY ~ SAT + IMAG + SAT:IMAG
"""


def _tol(x: np.ndarray) -> np.ndarray:
    return np.maximum(1e-4, 1e-3 * np.abs(x))


@pytest.fixture(scope="module")
def spec() -> sem_csat.ModelSpec:
    return dataclasses.replace(sem_csat.ModelSpec.from_lavaan(MODEL), scale=(0, 10))


def _fit(spec: sem_csat.ModelSpec, **kw: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sem_csat.fit(spec, "bank_satisfaction", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("estimator", ["ml", "mlr"])
@pytest.mark.parametrize(
    ("case", "interaction"), [("dmc", "product-indicator"), ("composite", "composite")]
)
def test_interaction_matches_lavaan(
    spec: sem_csat.ModelSpec, case: str, interaction: str, estimator: str
) -> None:
    result = _fit(spec, method=estimator, interaction=interaction)
    ref = pd.read_csv(REFERENCE / f"{case}_{estimator}" / "params.csv")
    both = ref.merge(result.params, on=["lhs", "op", "rhs"], how="left")  # type: ignore[attr-defined]
    assert both["estimate"].notna().all(), both[both["estimate"].isna()]
    free = both["se"] > 0  # lavaan writes 0 for the SE of a fixed parameter, sem_csat NaN
    assert both.loc[~free, "std_error"].isna().all()
    for ours, theirs in (("estimate", "est"), ("std_error", "se"), ("std_all", "std.all")):
        part = both if ours != "std_error" else both[free]
        diff = np.abs(part[ours].to_numpy() - part[theirs].to_numpy())
        assert (diff <= _tol(part[theirs].to_numpy())).all(), (ours, part[diff > 1e-4])
    fit = pd.read_csv(REFERENCE / f"{case}_{estimator}" / "fit.csv").set_index("measure")["value"]
    row = result.fit_table.iloc[0]  # type: ignore[attr-defined]
    for measure, column in (("chisq", "chi2"), ("df", "df"), ("cfi", "cfi"), ("rmsea", "rmsea")):
        assert row[column] == pytest.approx(fit[measure], abs=max(1e-4, 1e-3 * abs(fit[measure])))
    paths = result.paths.set_index(["from", "to"])  # type: ignore[attr-defined]
    assert ("SAT_x_IMAG", "LOY") in paths.index
    code = f"interaction_{interaction.replace('-', '_')}"
    note = next(d for d in result.diagnostics if d.code == code)  # type: ignore[attr-defined]
    assert "SAT_x_IMAG" in note.message


def test_product_indicators_are_double_mean_centred(spec: sem_csat.ModelSpec) -> None:
    from sem_csat.product_terms import product_term_model

    built = product_term_model(spec, sem_csat.datasets.load("bank_satisfaction"))
    data = pd.read_csv(sem_csat.datasets.path("bank_satisfaction"))
    for k in range(1, 5):
        a, b = data[f"sat{k}"], data[f"imag{k}"]
        expected = (a - a.mean()) * (b - b.mean())
        np.testing.assert_allclose(
            built.data[f"sat{k}_x_imag{k}"], expected - expected.mean(), atol=1e-12
        )
    assert built.spec.construct("SAT_x_IMAG").indicator_names == tuple(
        f"sat{k}_x_imag{k}" for k in range(1, 5)
    )
    assert built.spec.interactions == ()


def test_latent_moderated_structural_equations_are_refused(spec: sem_csat.ModelSpec) -> None:
    with pytest.raises(EstimationError, match=r"^Latent moderated structural equations \(LMS\)"):
        sem_csat.fit(spec, "bank_satisfaction", method="ml", interaction="lms")


def test_pls_approaches_are_refused_for_cbsem(spec: sem_csat.ModelSpec) -> None:
    with pytest.raises(EstimationError, match="the two-stage and orthogonal approaches are PLS's"):
        sem_csat.fit(spec, "bank_satisfaction", method="ml", interaction="two-stage")
    with pytest.raises(EstimationError, match="FIML cannot be used with interaction terms"):
        sem_csat.fit(spec, "bank_satisfaction", method="ml", missing="fiml")
