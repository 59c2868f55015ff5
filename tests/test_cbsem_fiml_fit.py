"""Fit indices of FIML fits against lavaan 0.6-14 (``tests/reference/lavaan/hs_fiml*``).

Tolerance, stated once: every index lavaan's ``fitMeasures()`` reports agrees to ``RTOL = 1e-3``
relative (``ATOL = 1e-3`` absolute for p-values); they actually agree to about 1e-5, the limit
set by lavaan's EM tolerance for the unrestricted model.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sem_csat.cbsem.estimation import ModelStructure
from sem_csat.cbsem.fiml import FIMLEstimate, _patterns, em_saturated, fit_fiml
from sem_csat.cbsem.fiml_fit import (
    complete_information,
    corrected_statistics,
    fiml_fit_indices,
    missing_expected_information,
)
from sem_csat.cbsem.fit_indices import LAVAAN_NAMES, FitIndices
from sem_csat.spec import ModelSpec
from sem_csat.spec.builders import reflective

pytest.importorskip("semopy")
pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning", "ignore::FutureWarning", "ignore::RuntimeWarning"
)

RTOL = 1e-3
ATOL = 1e-3
LAVAAN = Path(__file__).resolve().parent / "reference" / "lavaan"
ITEMS = [f"x{i}" for i in range(1, 10)]
HS = ModelSpec(
    "HS",
    constructs=[
        reflective("visual", ITEMS[:3]),
        reflective("textual", ITEMS[3:6]),
        reflective("speed", ITEMS[6:]),
    ],
)
ROBUST_NAMES = {
    "cfi_robust": "cfi.robust",
    "tli_robust": "tli.robust",
    "rmsea_robust": "rmsea.robust",
    "chi2_scaled": "chisq.scaled",
    "scaling_factor": "chisq.scaling.factor",
}


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(LAVAAN / "hs1939_missing.csv")[ITEMS]


@pytest.fixture(scope="module")
def structure(data: pd.DataFrame) -> ModelStructure:
    from sem_csat.cbsem import adapter
    from sem_csat.cbsem.syntax import to_semopy

    _, sigma, _ = em_saturated(data.to_numpy(dtype=float))
    syntax = to_semopy(HS)
    return adapter.build_structure(
        syntax.text, sigma, ITEMS, len(data), label_names=dict(syntax.names), semopy_fit=True
    )


def _fit(
    structure: ModelStructure, data: pd.DataFrame, robust: bool
) -> tuple[FIMLEstimate, FitIndices]:
    fe = fit_fiml(structure, data, robust=robust, order=[*HS.construct_names, *ITEMS])
    return fe, fiml_fit_indices(structure, fe, data.to_numpy(dtype=float))


@pytest.mark.parametrize(("case", "robust"), [("hs_fiml", False), ("hs_fiml_mlr", True)])
def test_every_fiml_index_matches_lavaan(
    structure: ModelStructure, data: pd.DataFrame, case: str, robust: bool
) -> None:
    _, fit = _fit(structure, data, robust)
    ref = pd.read_csv(LAVAAN / case / "fit.csv", index_col=0)["value"]
    names = dict(LAVAAN_NAMES) | (ROBUST_NAMES if robust else {
        k: v for k, v in ROBUST_NAMES.items() if k.endswith("_robust")
    })  # fmt: skip
    compared, bad = 0, []
    for field, lav in names.items():
        if lav not in ref.index:
            continue
        got, want = float(getattr(fit, field)), float(ref[lav])
        compared += 1
        tol = ATOL if "pvalue" in lav else RTOL * max(abs(want), 1e-12)
        if not abs(got - want) <= tol:
            bad.append(f"{field}: ours {got!r}, lavaan {want!r}")
    assert compared >= 45 + (2 if robust else 0)
    assert bad == []


@pytest.mark.parametrize(("case", "robust"), [("hs_fiml", False), ("hs_fiml_mlr", True)])
def test_corrected_statistics_match_lavaan_internals(
    structure: ModelStructure, data: pd.DataFrame, case: str, robust: bool
) -> None:
    """Against ``lavaan:::lav_fit_fiml_corrected()`` (``make_fiml_corrected.R``)."""
    fe, _ = _fit(structure, data, robust=robust)
    y = data.to_numpy(dtype=float)
    cs = corrected_statistics(structure, _patterns(y), fe, y)
    ref = pd.read_csv(LAVAAN / case / "fiml_corrected.csv", index_col=0)["value"]
    assert cs.version == ("V3" if robust else "V6")
    assert (cs.df, cs.df_null) == (ref["df3"], ref["df3.null"])
    assert cs.chi2 == pytest.approx(ref["XX3"], rel=RTOL)
    assert cs.scaling_factor == pytest.approx(ref["c.hat3"], rel=RTOL)
    assert cs.chi2_scaled == pytest.approx(ref["XX3.scaled"], rel=RTOL)
    assert cs.chi2_null == pytest.approx(ref["XX3.null"], rel=RTOL)
    assert cs.scaling_factor_null == pytest.approx(ref["c.hat3.null"], rel=RTOL)
    robust_ix = cs.robust_indices(fe.n_obs)
    fit = pd.read_csv(LAVAAN / case / "fit.csv", index_col=0)["value"]
    for name in ("lower", "upper"):
        got = robust_ix[f"rmsea_ci_{name}_robust"]
        assert got == pytest.approx(fit[f"rmsea.ci.{name}.robust"], rel=RTOL), name


def test_on_complete_data_the_correction_vanishes(structure: ModelStructure) -> None:
    """Without missing values the FIML-corrected statistic is the ML χ², the V6 factor is 1
    and the robust indices equal the plain ones (Zhang & Savalei 2023, section 3)."""
    full = pd.read_csv(LAVAAN / "hs1939.csv")[ITEMS]
    fe, fit = _fit(structure, full, robust=False)
    y = full.to_numpy(dtype=float)
    cs = corrected_statistics(structure, _patterns(y), fe, y)
    assert cs.chi2 == pytest.approx(fe.chi2, rel=1e-6)
    assert cs.scaling_factor == pytest.approx(1.0, abs=1e-5)
    assert cs.scaling_factor_null == pytest.approx(1.0, abs=1e-5)
    assert fit.cfi_robust == pytest.approx(fit.cfi, abs=1e-5)
    assert fit.rmsea_robust == pytest.approx(fit.rmsea, abs=1e-5)


def test_complete_information_is_the_normal_fisher_information() -> None:
    """Against the outer product of exact scores averaged over many draws would be noisy;
    instead check the defining identity Iᵀ = I and, for p = 1, I = diag(1/σ², 1/(2σ⁴))."""
    info = complete_information(np.array([[4.0]]))
    assert info == pytest.approx(np.diag([0.25, 1.0 / 32.0]))
    rng = np.random.default_rng(3)
    a = rng.normal(size=(30, 4))
    sigma = a.T @ a / 30
    full = complete_information(sigma)
    assert np.allclose(full, full.T)
    assert np.all(np.linalg.eigvalsh(full) > 0)


def test_missing_expected_information_with_no_missing_values_is_complete_information() -> None:
    rng = np.random.default_rng(4)
    y = rng.normal(size=(50, 3))
    sigma = np.cov(y, rowvar=False, ddof=0)
    got = missing_expected_information(_patterns(y), sigma)
    assert got == pytest.approx(complete_information(sigma))
    y[:10, 0] = np.nan
    partial = missing_expected_information(_patterns(y), sigma)
    # losing answers loses information on the affected mean
    assert partial[0, 0] < got[0, 0]
    assert math.isclose(partial[1, 1], got[1, 1], rel_tol=0.5)
