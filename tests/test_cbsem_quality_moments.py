"""The CB-SEM measurement-quality report where the answers are incomplete or absent: after FIML
ω and AVE come from the EM estimate of the saturated moments, as semTools 0.5-6 reads them
from a FIML fit (``make_group_quality.R``; the single-group FIML cases are in
``test_heldout_parity``), and after a fit to a covariance matrix from that matrix."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.errors import SemCsatWarning, UsageError

LAVAAN = Path(__file__).resolve().parent / "reference" / "lavaan"
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
ITEMS = [f"x{i}" for i in range(1, 10)]
#: Against semTools (the project's CB-SEM tolerance).
ATOL, RTOL = 1e-4, 1e-3


def _quiet_fit(*args: object, **kwargs: object) -> sem_csat.SEMResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemCsatWarning)
        return sem_csat.fit(*args, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["ml", "mlr"])
def test_omega_and_ave_of_each_group_after_fiml_match_semtools(method: str) -> None:
    spec = sem_csat.ModelSpec.from_lavaan(HS)
    data = pd.read_csv(LAVAAN / "hs1939_missing.csv")
    result = _quiet_fit(spec, data, method=method, missing="fiml", group="school")
    ref = pd.read_csv(LAVAAN / "mg_hs_fiml" / f"semtools_rel_{method}.csv")
    groups = result.group_results()
    bad = []
    for row in ref.to_dict("records"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SemCsatWarning)
            rel = groups[row["group"]].quality.reliability.set_index("construct")
        for col in ("omega", "ave"):
            ours, theirs = float(rel.loc[row["factor"], col]), float(row[col])
            if not abs(ours - theirs) <= max(ATOL, RTOL * abs(theirs)):
                bad.append(f"{row['group']} {row['factor']} {col}: {ours} vs {theirs}")
    assert bad == []


def test_the_report_after_fiml_says_where_its_moments_come_from() -> None:
    spec = sem_csat.ModelSpec.from_lavaan(HS)
    data = pd.read_csv(LAVAAN / "hs1939_missing.csv")[ITEMS]
    result = _quiet_fit(spec, data, method="ml", missing="fiml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemCsatWarning)
        quality = result.quality
    notes = [d for d in quality.diagnostics if d.code == "quality_from_em_moments"]
    assert len(notes) == 1
    assert "EM estimate of the saturated covariance matrix" in notes[0].message
    # α from the EM covariance matrix: k/(k-1) (1 - tr S_b / 1'S_b 1) for each block
    s = result.estimate.sample_cov(0).loc[ITEMS, ITEMS].to_numpy()
    block = s[:3, :3]
    alpha = 1.5 * (1.0 - np.trace(block) / block.sum())
    got = float(quality.reliability.set_index("construct").loc["visual", "alpha"])
    assert got == pytest.approx(alpha, rel=1e-10)


def test_a_fit_to_the_covariance_matrix_has_the_raw_datas_quality_report() -> None:
    spec = sem_csat.ModelSpec.from_lavaan(HS)
    x = pd.read_csv(LAVAAN / "hs1939.csv")[ITEMS]
    raw = _quiet_fit(spec, x, method="ml")
    matrix = _quiet_fit(spec, cov=x.cov(), n_obs=len(x), method="ml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemCsatWarning)
        a, b = raw.quality, matrix.quality
    cols = ["alpha", "omega", "ave"]
    pd.testing.assert_frame_equal(
        a.reliability.set_index("construct")[cols],
        b.reliability.set_index("construct")[cols],
        rtol=1e-8,
    )
    np.testing.assert_allclose(a.htmt.to_numpy(float), b.htmt.to_numpy(float), rtol=1e-8)
    assert not math.isnan(float(b.reliability["omega"].iloc[0]))


def test_ordinal_items_have_no_quality_report_yet() -> None:
    spec = sem_csat.ModelSpec.from_lavaan(HS)
    x = pd.read_csv(LAVAAN / "hs1939.csv")[ITEMS]
    ordinal = x.apply(lambda c: pd.cut(c, 4, labels=False) + 1)
    result = _quiet_fit(spec, ordinal, method="wlsmv", ordered=ITEMS)
    with pytest.raises(UsageError, match="not yet available for ordinal items"):
        _ = result.quality
