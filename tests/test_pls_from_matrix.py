"""PLS from a published correlation or covariance matrix: ``fit(spec, cov=..., n_obs=...,
method="pls"|"plsc")`` and ``sem-csat fit --cov FILE --n N --method pls``.

PLS needs only the indicator correlations, so a fit to the covariance (or correlation) matrix of
the bundled bank data must give the fit to the data itself, to 1e-10: weights, loadings,
paths, R², effects, fit measures, reliability and HTMT.  What needs the respondents' answers is
refused in one sentence.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.cli import main
from sem_csat.errors import EstimationError, UsageError

TOL = 1e-10
MODELS = ["ecsi_bank", "ecsi_bank_hoc"]


def _fit(spec: object, data: object = None, **kw: object) -> sem_csat.PLSResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sem_csat.fit(spec, data, **kw)  # type: ignore[arg-type, return-value]


def _items(spec: sem_csat.ModelSpec) -> pd.DataFrame:
    frame = pd.read_csv(sem_csat.datasets.path("bank_satisfaction"))
    return frame.loc[:, list(spec.indicator_names)]


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    for column in a.columns:
        if a[column].dtype.kind == "f":
            np.testing.assert_allclose(a[column], b[column], atol=TOL, rtol=0, err_msg=column)
        else:
            assert list(a[column]) == list(b[column]), column


@pytest.mark.parametrize("method", ["pls", "plsc"])
@pytest.mark.parametrize("key", MODELS)
def test_matrix_fit_equals_the_raw_data_fit(key: str, method: str) -> None:
    spec = sem_csat.load_spec(key)
    data = _items(spec)
    raw = _fit(spec, "bank_satisfaction", method=method)
    for kind, matrix in (("cov", data.cov()), ("corr", data.corr())):  # correlations: no SDs
        fit = _fit(spec, cov=matrix, n_obs=len(data), method=method)
        assert fit.from_matrix
        for name in ("paths", "outer", "effects", "f_squared", "fit"):
            _same(raw.tables()[name], fit.tables()[name])
        _same(raw.r2.reset_index(), fit.r2.reset_index())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name in ("reliability", "htmt", "fornell_larcker"):
                a = getattr(raw.quality, name)
                b = getattr(fit.quality, name)
                numeric = a.select_dtypes("number").columns
                if name == "reliability" and kind == "corr":  # alpha of standardized items
                    numeric = [c for c in numeric if not c.startswith("alpha")]
                np.testing.assert_allclose(a[numeric], b[numeric], atol=1e-9, err_msg=name)
        assert "index" not in fit.tables()
        assert "ipma" not in fit.tables()
        assert "fitted_to_matrix" in {d.code for d in fit.findings()}


def test_what_needs_answers_is_refused() -> None:
    spec = sem_csat.load_spec("ecsi_bank")
    data = _items(spec)
    fit = _fit(spec, cov=data.cov(), n_obs=len(data))
    for name, call in (
        ("The bootstrap", lambda: fit.bootstrap(100)),
        ("Construct scores", lambda: fit.scores),
        ("The index scores", lambda: fit.index),
        ("The importance-performance map", lambda: fit.ipma()),
        ("PLSpredict", lambda: fit.plspredict()),
        ("Blindfolding", lambda: fit.blindfolding()),
    ):
        with pytest.raises(UsageError, match=f"^{name}.*correlation or covariance matrix"):
            call()


def test_matrix_needs_its_sample_size() -> None:
    spec = sem_csat.load_spec("ecsi_bank")
    with pytest.raises(EstimationError, match="n_obs=N"):
        sem_csat.fit(spec, cov=_items(spec).cov(), method="pls")
    with pytest.raises(EstimationError, match="not both"):
        sem_csat.fit(spec, "bank_satisfaction", cov=_items(spec).cov(), n_obs=250)


def test_command_line_fits_a_matrix_file(tmp_path: Path) -> None:
    spec = sem_csat.load_spec("ecsi_bank_hoc")
    data = _items(spec)
    data.cov().to_csv(tmp_path / "cov.csv")
    out = tmp_path / "out"
    args = ["fit", "ecsi_bank_hoc", "--cov", str(tmp_path / "cov.csv"), "--n", "250"]
    args += ["--method", "pls", "--hoc", "embedded", "--out", str(out), "--quiet"]
    assert main(args) == 0
    paths = pd.read_csv(out / "paths.csv")
    raw = _fit(spec, "bank_satisfaction", hoc="embedded")
    np.testing.assert_allclose(paths["estimate"], raw.paths["estimate"], atol=TOL)
    run = json.loads((out / "run.json").read_text())
    assert run["settings"]["hoc"] == "embedded"
    assert run["data"]["source"] == "cov.csv"
    assert not (out / "index.csv").exists()
    assert (out / "fit.csv").exists()
