"""The parameter table and the mechanics of the CB-SEM pipeline.

The table rules are lavaan 0.6-14's ``lavaanify()`` defaults; each expected table below is what
``lavaanify(model, auto = TRUE)`` returns for the same syntax (checked with lavaan 0.6-14; the
reference cases with a ``partable.csv`` compare whole tables and start values in
``test_cbsem_pipeline.py``).  The derivatives are compared with finite differences
(tolerance 1e-6 relative to the largest entry), the optimizer's behaviour on the hard cases of
the CB-SEM issue with lavaan's own outcome (bank SEM by ULS: lavaan converges, at fmin
12.39167; ECSI SEM by GLS: lavaan does not converge in 1859 iterations).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.cbsem import start as start_values
from sem_csat.cbsem.estimate import Problem, Reparam
from sem_csat.cbsem.lisrel import LisrelModel
from sem_csat.cbsem.objective import ESTIMATORS
from sem_csat.cbsem.partable import ParTable, build_partable
from sem_csat.cbsem.pipeline import Options, fit_data
from sem_csat.cbsem.samplestats import from_data
from sem_csat.errors import ConvergenceWarning, DataError, SemCsatWarning, SpecError
from sem_csat.spec import Construct, Covariance, Indicator, ModelSpec
from sem_csat.spec.builders import formative, reflective, single_item

LAVAAN = Path(__file__).resolve().parent / "reference" / "lavaan"


def _rows(table: ParTable) -> list[tuple[str, str, str, int, int, float, str]]:
    """(lhs, op, rhs, user, free > 0, ustart, label) of every row."""
    f = table.frame()
    return [
        (r.lhs, r.op, r.rhs, int(r.user), int(r.free > 0), float(r.ustart), r.label)
        for r in f.itertuples()
    ]


def _row(table: ParTable, lhs: str, op: str, rhs: str) -> pd.Series:
    f = table.frame()
    hit = f[(f["lhs"] == lhs) & (f["op"] == op) & (f["rhs"] == rhs)]
    assert len(hit) == 1, (lhs, op, rhs)
    return hit.iloc[0]


NAN = math.nan


def test_marker_stays_fixed_when_another_loading_is_fixed_as_in_lavaan() -> None:
    # lavaanify("f =~ x1 + 1*x2 + x3"): x1 and x2 fixed at 1
    spec = ModelSpec.from_lavaan("f =~ x1 + 1*x2 + x3", name="m")
    rows = _rows(build_partable(spec))
    assert rows[:3] == [
        ("f", "=~", "x1", 1, 0, 1.0, ""),
        ("f", "=~", "x2", 1, 0, 1.0, ""),
        ("f", "=~", "x3", 1, 1, NAN, ""),
    ] or (rows[2][:5] == ("f", "=~", "x3", 1, 1) and math.isnan(rows[2][5]))


def test_a_label_shared_with_a_fixed_parameter_fixes_all_of_them() -> None:
    # lavaanify("f =~ a*x1 + x2 + a*x3"): x1 is the marker (1, label a), so x3 is fixed at 1
    spec = ModelSpec.from_lavaan("f =~ a*x1 + x2 + a*x3\ng =~ y1 + 0.5*y2 + y3", name="m")
    table = build_partable(spec)
    assert _row(table, "f", "=~", "x3")[["free", "ustart", "label"]].tolist() == [0, 1.0, "a"]
    assert _row(table, "g", "=~", "y2")[["free", "ustart"]].tolist() == [0, 0.5]
    assert not (table.frame()["op"] == "==").any()


def test_shared_free_labels_become_equality_rows() -> None:
    spec = ModelSpec.from_lavaan(
        "f =~ x1 + b*x2 + b*x3\ng =~ y1 + b*y2 + y3\ng ~~ c*f\ny1 ~~ c*x1", name="m"
    )
    table = build_partable(spec)
    frame = table.frame()
    eq = frame[frame["op"] == "=="]
    # lavaan: .p2. == .p3., .p2. == .p5., .p7. == .p8. (user 2, after the model rows)
    assert list(zip(eq["lhs"], eq["rhs"], eq["user"], strict=True)) == [
        (".p2.", ".p3.", 2), (".p2.", ".p5.", 2), (".p7.", ".p8.", 2),
    ]  # fmt: skip
    assert table.npar == table.n_free - 3
    reparam = Reparam.from_table(table)
    assert reparam.k is not None
    assert reparam.n_z == table.npar
    assert set(np.unique(reparam.k)) <= {0.0, 1.0}


def test_covariances_are_written_in_variable_order_as_in_lavaan() -> None:
    # lavaanify("...; g ~~ f; y3 ~~ x1") gives f ~~ g and x1 ~~ y3
    spec = ModelSpec.from_lavaan("f =~ x1 + x2 + x3\ng =~ y1 + y2 + y3\ng ~~ f\ny3 ~~ x1", name="m")
    frame = build_partable(spec).frame()
    user_cov = frame[(frame["op"] == "~~") & (frame["user"] == 1)]
    assert list(zip(user_cov["lhs"], user_cov["rhs"], strict=True)) == [("f", "g"), ("x1", "y3")]
    # lavaan's default f ~~ g is not added a second time
    assert ((frame["lhs"] == "f") & (frame["rhs"] == "g")).sum() == 1


def test_default_covariances_exogenous_and_final_outcomes_under_std_lv() -> None:
    # lavaanify(..., std.lv = TRUE): every latent (residual) variance fixed at 1, all loadings
    # free; F ~~ K (exogenous, K in no path) and G ~~ H (outcomes that predict nothing)
    spec = ModelSpec.from_lavaan(
        "F =~ x1 + x2 + x3\nG =~ y1 + y2 + y3\nH =~ z1 + z2 + z3\nK =~ w1 + w2\nG ~ F\nH ~ F",
        name="m",
    )
    frame = build_partable(spec, std_lv=True).frame()
    assert (frame.loc[frame["op"] == "=~", "free"] > 0).all()
    lv_var = frame[(frame["op"] == "~~") & frame["lhs"].isin(list("FGHK"))]
    lv_var = lv_var[lv_var["lhs"] == lv_var["rhs"]]
    assert (lv_var["free"] == 0).all()
    assert (lv_var["ustart"] == 1.0).all()
    cov = frame[(frame["op"] == "~~") & (frame["lhs"] != frame["rhs"])]
    assert list(zip(cov["lhs"], cov["rhs"], cov["user"], strict=True)) == [
        ("F", "K", 0), ("G", "H", 0)
    ]  # fmt: skip


def test_single_indicator_residual_is_fixed_at_zero_or_from_the_reliability() -> None:
    spec = ModelSpec(
        "m",
        constructs=[
            reflective("Q", ["q1", "q2", "q3"]),
            single_item("S", "s1"),
            Construct("C", (Indicator("c1"),), reliability=0.8),
        ],
    )
    table = build_partable(spec, item_variances=[{"s1": 2.0, "c1": 5.0}])
    assert _row(table, "S", "=~", "s1")[["free", "ustart"]].tolist() == [0, 1.0]
    assert _row(table, "s1", "~~", "s1")[["free", "ustart"]].tolist() == [0, 0.0]
    assert _row(table, "c1", "~~", "c1")["ustart"] == pytest.approx((1 - 0.8) * 5.0)
    with pytest.raises(DataError, match=r"reliability 0\.8"):
        build_partable(spec, item_variances=[{"s1": 2.0}])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            ModelSpec(
                "m", constructs=[formative("A", ["a1", "a2"]), reflective("B", ["b1", "b2"])]
            ),
            "formative",
        ),
        (
            ModelSpec(
                "m",
                constructs=[Construct("A", (Indicator("a1"), Indicator("a2")), reliability=0.7)],
            ),
            "reliability",
        ),
        (
            ModelSpec(
                "m",
                constructs=[reflective("A", ["a1", "a2", "a3"]), reflective("B", ["b1", "b2"])],
                covariances=[Covariance("A", "B"), Covariance("B", "A")],
            ),
            "declared twice",
        ),
        (
            ModelSpec.from_lavaan("f =~ x1 + a*1*x2 + a*2*x3", name="m"),
            "fixed at different values",
        ),
        # what the table cannot build: refused, never ignored
        (
            ModelSpec.from_lavaan("A =~ a1 + a*a2 + b*a3\na*b == 1", name="m"),
            "The constraint a\\*b == 1 is not linear",
        ),
        (
            ModelSpec.from_lavaan(
                "A =~ a1 + a2 + a3\nB =~ b1 + b*b2 + b3\nB ~ p*A\nind := p*b\nind == 0.5",
                name="m",
            ),
            "ind == 0.5 is not linear",
        ),
        (
            ModelSpec.from_lavaan(
                "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3\nC =~ c1 + c2 + c3\nC ~ A + B + A:B",
                name="m",
            ),
            "Interaction terms",
        ),
    ],
)
def test_what_cbsem_cannot_estimate_is_refused(spec: ModelSpec, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        build_partable(spec)


# ---------------------------------------------------------------------------- derivatives
DERIVATIVES = ModelSpec.from_lavaan(
    "A =~ x1 + a*x2 + x3\nB =~ x4 + a*x5 + x6\nC =~ x7 + x8 + x9\nB ~ A\nC ~ A + B\n"
    "A ~~ 0.8*A\nx1 ~~ x4\nx2 ~~ x7",
    name="every kind of parameter",
)


def _problem(estimator: str) -> tuple[Problem, np.ndarray]:
    """The problem and a point near (not at) its solution."""
    hs = pd.read_csv(LAVAAN / "hs1939.csv")
    stats = from_data([hs], DERIVATIVES.indicator_names, estimator=estimator)
    table = build_partable(DERIVATIVES, item_variances=stats.item_variances())
    problem = Problem(LisrelModel(table), stats, ESTIMATORS[estimator], Reparam.from_table(table))
    rows = start_values.moment_start(table, stats)
    x = np.zeros(table.n_free)
    x[table.free[table.free > 0] - 1] = rows[table.free > 0]
    z = problem.reparam.z(x)
    return problem, z + 0.05 * np.random.default_rng(3).standard_normal(z.size)


@pytest.mark.parametrize("estimator", ["ML", "GLS", "ULS"])
def test_gradient_hessian_and_information_match_finite_differences(estimator: str) -> None:
    problem, z = _problem(estimator)
    _, g, imp = problem.evaluate(z)
    assert imp is not None
    numeric = np.array(
        [(problem.value(z + h) - problem.value(z - h)) / (2 * 1e-6) for h in 1e-6 * np.eye(z.size)]
    )
    np.testing.assert_allclose(g, numeric, atol=1e-6 * np.max(np.abs(g)))
    hess = problem.hessian(z, g)
    np.testing.assert_allclose(
        hess, problem.hessian_numerical(z, g), atol=1e-6 * np.max(np.abs(hess))
    )
    # the rank-2 information equals Δᵀ W Δ with the dense Jacobian
    fac = problem.model.jacobian(imp)[0]
    d = fac.dense()
    stats = problem.stats.groups[0]
    info = problem.discrepancy.information(stats, imp[0], fac)
    if estimator == "ULS":
        w = np.where(np.eye(d.shape[1], dtype=bool), 1.0, 0.5)
        dense = np.einsum("kij,lij->kl", d * w, d)
    else:
        v = np.linalg.inv(imp[0].sigma if estimator == "ML" else stats.cov)
        dense = 0.5 * np.einsum("kij,lji->kl", v @ d, v @ d)
    np.testing.assert_allclose(info, dense, atol=1e-10 * np.max(np.abs(dense)))


def test_mean_structure_gradient_matches_finite_differences() -> None:
    # intercepts are not in specs yet: add ν (free) and α (fixed at 0.3) rows by hand
    spec = ModelSpec.from_lavaan("A =~ x1 + x2 + x3\nB =~ x4 + x5 + x6\nB ~ A", name="m")
    table = build_partable(spec)
    frame = table.frame()
    extra = []
    n_free = table.n_free
    for k, item in enumerate(spec.indicator_names):
        n_free += 1
        extra.append({"lhs": item, "op": "~1", "rhs": "", "free": n_free, "ustart": NAN,
                      "mat": "nu", "row": k, "col": 0})  # fmt: skip
    extra.append({"lhs": "A", "op": "~1", "rhs": "", "free": 0, "ustart": 0.3, "mat": "alpha",
                  "row": 0, "col": 0})  # fmt: skip
    more = pd.DataFrame(extra)
    for col in frame.columns:
        if col not in more:
            more[col] = (
                frame[col].iloc[0]
                if col in ("block", "group", "exo")
                else ("" if frame[col].dtype == object or col in ("label", "plabel") else 0)
            )
    more["id"] = np.arange(len(frame) + 1, len(frame) + len(more) + 1)
    more["user"] = 0
    for col in ("start", "est", "se"):
        more[col] = NAN
    frame = pd.concat([frame, more[frame.columns]], ignore_index=True)
    table2 = ParTable(frame, table.ov_names, table.lv_names)
    model = LisrelModel(table2, meanstructure=True)
    rng = np.random.default_rng(5)
    x = 0.5 + 0.1 * rng.standard_normal(model.n_free)
    a = rng.standard_normal((6, 6))
    a = a + a.T
    b = rng.standard_normal(6)

    def f(x: np.ndarray) -> float:
        imp = model.implied(x)
        assert imp is not None
        assert imp[0].mu is not None
        return float(np.sum(a * imp[0].sigma) + b @ imp[0].mu)

    imp = model.implied(x)
    assert imp is not None
    g = model.gradient(imp, [a], [b])
    numeric = np.array([(f(x + h) - f(x - h)) / 2e-6 for h in 1e-6 * np.eye(x.size)])
    np.testing.assert_allclose(g, numeric, atol=1e-6 * np.max(np.abs(g)))
    fac = model.jacobian(imp)[0]
    assert fac.dmu is not None
    for k in range(fac.index.size):  # ∂μ/∂x by differences
        h = np.zeros(x.size)
        h[fac.index[k]] = 1e-6
        up, down = model.implied(x + h), model.implied(x - h)
        assert up is not None
        assert down is not None
        assert up[0].mu is not None
        assert down[0].mu is not None
        np.testing.assert_allclose(fac.dmu[:, k], (up[0].mu - down[0].mu) / 2e-6, atol=1e-6)


# -------------------------------------------------------------------------- the optimizer
def test_restart_reaches_lavaans_uls_minimum_on_the_bank_sem() -> None:
    spec = sem_csat.load_spec("ecsi_bank")
    data = sem_csat.datasets.load("bank_satisfaction")
    fit = fit_data(spec, data, Options(estimator="ULS"))
    assert fit.converged
    # from lavaan's start the path runs into a valley towards a boundary; the moment start
    # reaches lavaan's minimum (lavaan 0.6-14: converged, fmin 12.3916746949)
    starts = [(r.start, r.converged) for r in fit.runs]
    assert starts == [("lavaan", False), ("moments", True)]
    assert fit.fmin == pytest.approx(12.3916746949, abs=1e-9)
    assert fit.runs[0].f > fit.fmin


def test_gls_on_the_bank_sem_reaches_lavaans_minimum() -> None:
    # the earlier engine stopped at chi-square 771.3; lavaan 0.6-14: 755.1222 (fmin 1.510244)
    fit = fit_data(
        sem_csat.load_spec("ecsi_bank"),
        sem_csat.datasets.load("bank_satisfaction"),
        Options(estimator="GLS"),
    )
    assert fit.converged
    assert fit.test.stat == pytest.approx(755.1222, abs=1e-3)


def test_a_fit_that_does_not_converge_says_so_first_and_nothing_else(tmp_path: Path) -> None:
    # ECSI SEM by GLS: lavaan 0.6-14 does not converge either (1859 iterations)
    spec = sem_csat.load_spec("ecsi")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SemCsatWarning)
        result = sem_csat.fit(spec, "ecsi_mobile", method="gls")
    assert issubclass(caught[0].category, ConvergenceWarning)  # emitted first, too
    assert not result.converged
    assert result.fit_indices is None
    assert result.diagnostics[0].code == "cbsem_not_converged"
    codes = {d.code for d in result.diagnostics}
    assert not {c for c in codes if c.startswith("cbsem_") and c != "cbsem_not_converged"}
    assert result.fit_table.isna().all(axis=None)
    from sem_csat.cli import main

    code = main(["fit", "ecsi", "ecsi_mobile", "--method", "gls", "--quiet",
                 "--out", str(tmp_path / "o")])  # fmt: skip
    assert code == 1
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["diagnostics.csv", "run.json"]


def test_fitting_never_imports_semopy() -> None:
    code = (
        "import sys, pandas as pd, sem_csat\n"
        "from sem_csat.spec import ModelSpec\n"
        f"hs = pd.read_csv({str(LAVAAN / 'hs1939.csv')!r})\n"
        "spec = ModelSpec.from_lavaan('v =~ x1 + x2 + x3\\nt =~ x4 + x5 + x6', name='hs')\n"
        "for m in ('ml', 'mlr', 'gls', 'uls'):\n"
        "    sem_csat.fit(spec, hs, method=m)\n"
        "assert 'semopy' not in sys.modules, 'semopy was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_std_lv_gives_the_same_fit_with_unit_latent_variances() -> None:
    hs = pd.read_csv(LAVAAN / "hs1939.csv")
    info = json.loads((LAVAAN / "hs_ml" / "info.json").read_text())
    spec = ModelSpec.from_lavaan(str(info["model"]), name="hs")
    marker = fit_data(spec, hs)
    std = fit_data(spec, hs, Options(std_lv=True))
    assert std.test.stat == pytest.approx(marker.test.stat, rel=1e-10)
    a = marker.params.set_index(["lhs", "op", "rhs"])["std_all"]
    b = std.params.set_index(["lhs", "op", "rhs"])["std_all"]
    np.testing.assert_allclose(a, b.loc[a.index], atol=1e-8)
    lv = std.params[(std.params["op"] == "~~") & (std.params["lhs"] == "visual")]
    assert lv.loc[lv["rhs"] == "visual", "estimate"].item() == 1.0


# ------------------------------------------------------------ semopy as an independent check
def _case_data(name: str) -> tuple[ModelSpec, pd.DataFrame]:
    if name in ("ecsi", "ecsi_bank"):
        data = sem_csat.datasets.load("ecsi_mobile" if name == "ecsi" else "bank_satisfaction")
        return sem_csat.load_spec(name), data
    info = json.loads((LAVAAN / name / "info.json").read_text())
    data = pd.read_csv(LAVAAN / str(info.get("data", "hs1939.csv")))
    return ModelSpec.from_lavaan(str(info["model"]), name=name), data


@pytest.mark.parametrize("name", ["ecsi", "ecsi_bank", "hs_ml", "demo_bollen"])
def test_semopy_reads_the_same_model_from_the_spec(name: str) -> None:
    """semopy, given the spec as its own syntax (tests/_semopy.py), has the same free
    parameters as the pipeline's table, and the pipeline's estimates put into semopy's
    matrices make semopy compute the pipeline's Σ (an independent check of the table)."""
    pytest.importorskip("semopy")
    from tests._semopy import implied_by_semopy

    spec, data = _case_data(name)
    fit = fit_data(spec, data)
    sigma, semopy_free, rows = implied_by_semopy(spec, fit.sample_cov(0), fit.n_obs, fit.params)
    free = fit.params[fit.params["std_error"].notna()]
    ours_free = {
        ("~~", frozenset((a, b))) if o == "~~" else (a, o, b)
        for a, o, b in zip(free["lhs"], free["op"], free["rhs"], strict=True)
    }
    assert semopy_free == ours_free
    assert semopy_free <= rows
    ours = fit.implied_cov(0).loc[sigma.index, sigma.columns]
    np.testing.assert_allclose(sigma, ours, atol=1e-10)
