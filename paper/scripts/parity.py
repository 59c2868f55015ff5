"""Parity of sem_csat with lavaan 0.6-14, semTools 0.5-6, SmartPLS 2.0.M3 and ADANCO 2.2.1.

Every reference case is refitted here through sem_csat's public API (``sem_csat.fit``,
``sem_csat.quality``, the result objects) and compared with the golden files that the other
programs wrote:

* lavaan: ``tests/reference/lavaan/<case>/params.csv`` and ``fit.csv`` (``make_reference.R``);
* semTools: ``tests/reference/lavaan/semtools/*.csv``;
* SmartPLS and ADANCO: ``../shared/reference`` (read as ``tests/_reference.py`` reads them).

Each comparison gives the largest absolute difference over all numbers compared, and the count.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sem_csat
from sem_csat.spec.builders import formative, reflective

from .common import ADANCO, LAVAAN, SEMTOOLS, SMARTPLS, call_quietly, fit

# ---------------------------------------------------------------------------------------------
# lavaan

HS_ITEMS = [f"x{i}" for i in range(1, 10)]

#: sem_csat's fit-table column -> lavaan's fitMeasures() name
FIT_MEASURES = {
    "chi2": "chisq",
    "df": "df",
    "p_value": "pvalue",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea_ci_lower": "rmsea.ci.lower",
    "rmsea_ci_upper": "rmsea.ci.upper",
    "srmr": "srmr",
    "loglik": "logl",
    "aic": "aic",
    "bic": "bic",
    "gfi": "gfi",
    "agfi": "agfi",
    "chi2_scaled": "chisq.scaled",
    "scaling_factor": "chisq.scaling.factor",
    "cfi_robust": "cfi.robust",
    "tli_robust": "tli.robust",
    "rmsea_robust": "rmsea.robust",
}


@dataclass(frozen=True)
class LavaanCase:
    case: str
    label: str
    method: str
    data: str | None  # file in tests/reference/lavaan or a bundled data set; None: matrices
    missing: str = "listwise"
    cov: str | None = None
    sds: str | None = None


LAVAAN_CASES = (
    LavaanCase("hs_ml", "Holzinger–Swineford CFA", "ml", "hs1939.csv"),
    LavaanCase("hs_mlr", "Holzinger–Swineford CFA", "mlr", "hs1939.csv"),
    LavaanCase("hs_gls", "Holzinger–Swineford CFA", "gls", "hs1939.csv"),
    LavaanCase("hs_uls", "Holzinger–Swineford CFA", "uls", "hs1939.csv"),
    LavaanCase("hs_fiml", "HS, 10 % missing, FIML", "ml", "hs1939_missing.csv", "fiml"),
    LavaanCase("hs_fiml_mlr", "HS, 10 % missing, FIML", "mlr", "hs1939_missing.csv", "fiml"),
    LavaanCase("hs_cov", "HS from a covariance matrix", "ml", None, cov="hs_cov/input_cov.csv"),
    LavaanCase(
        "hs_cor_sd",
        "HS from correlations and SDs",
        "ml",
        None,
        cov="hs_cor_sd/input_cor_lower.csv",
        sds="hs_cor_sd/input_sds.csv",
    ),
    LavaanCase("demo_bollen", "Bollen, equality labels", "ml", "political_democracy.csv"),
    LavaanCase("ecsi_cfa", "ECSI measurement model", "ml", "ecsi_mobile"),
    LavaanCase("ecsi_sem", "ECSI structural model", "ml", "ecsi_mobile"),
    LavaanCase("bank_cfa", "Bank measurement model", "ml", "bank_satisfaction"),
    LavaanCase("bank_sem", "Bank structural model", "ml", "bank_satisfaction"),
    LavaanCase("ecsi_dwls", "ECSI items as ordinal", "dwls", "ecsi_mobile"),
    LavaanCase("ecsi_wlsmv", "ECSI items as ordinal", "wlsmv", "ecsi_mobile"),
    LavaanCase("ecsi_wlsmv_full", "ECSI items as ordinal, 6 constructs", "wlsmv", "ecsi_mobile"),
)

#: ``ecsi_dwls`` has no info.json; make_dwls.R fits the model of ``ecsi_wlsmv``.
MODEL_OF = {"ecsi_dwls": "ecsi_wlsmv"}


def _lavaan_spec(case: str) -> sem_csat.ModelSpec:
    info = json.loads((LAVAAN / MODEL_OF.get(case, case) / "info.json").read_text())
    return sem_csat.ModelSpec.from_lavaan(str(info["model"]), name=case)


def _data(name: str, spec: sem_csat.ModelSpec) -> pd.DataFrame:
    is_file = name.endswith(".csv")
    frame = pd.read_csv(LAVAAN / name) if is_file else sem_csat.datasets.load(name)
    items = [i for c in spec.constructs for i in c.indicator_names]
    return frame[list(dict.fromkeys(items))]


def fit_lavaan_case(case: LavaanCase) -> Any:
    spec = _lavaan_spec(case.case)
    if case.cov is not None:
        return fit(
            spec,
            cov=LAVAAN / case.cov,
            sds=None if case.sds is None else LAVAAN / case.sds,
            n_obs=301,
            method=case.method,
        )
    assert case.data is not None
    return fit(spec, _data(case.data, spec), method=case.method, missing=case.missing)


def _key(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
    if op == "~~":
        a, b = sorted((lhs, rhs))
        return (a, op, b)
    return (lhs, op, rhs)


def _max_abs(a: pd.Series, b: pd.Series) -> float:
    d = (a.astype(float) - b.astype(float)).abs().dropna()
    return float(d.max()) if len(d) else float("nan")


def compare_lavaan(case: LavaanCase, result: Any) -> dict[str, Any]:
    """Largest differences from lavaan's parameter table and fit measures for one case."""
    ref = pd.read_csv(LAVAAN / case.case / "params.csv", keep_default_na=False, na_values=["NA"])
    ref = ref[ref["op"].isin(["=~", "~", "~~", "~1", "|"])]
    ref = ref.assign(key=[_key(*r) for r in zip(ref.lhs, ref.op, ref.rhs, strict=True)])
    ours = result.params
    ours = ours.assign(key=[_key(*r) for r in zip(ours.lhs, ours.op, ours.rhs, strict=True)])
    merged = ref.merge(ours, on="key", suffixes=("_ref", ""))
    free = merged["se"] > 0
    fitm = pd.read_csv(LAVAAN / case.case / "fit.csv").set_index("measure")["value"]
    row = result.fit_table.iloc[0]
    rel = []
    for column, name in FIT_MEASURES.items():
        if column in row.index and name in fitm.index:
            a, b = float(row[column]), float(fitm[name])
            if np.isfinite(a) and np.isfinite(b):
                rel.append(abs(a - b) / max(1.0, abs(b)))
    return {
        "case": case.case,
        "model": case.label,
        "method": case.method.upper() + (" (FIML)" if case.missing == "fiml" else ""),
        "n_params": len(merged),
        "n_params_lavaan": len(ref),
        "estimate": _max_abs(merged["estimate"], merged["est"]),
        "std_error": _max_abs(merged.loc[free, "std_error"], merged.loc[free, "se"]),
        "std_all": _max_abs(merged["std_all"], merged["std.all"]),
        "n_fit": len(rel),
        "fit_rel": max(rel) if rel else float("nan"),
        "chi2": float(row["chi2"]),
        "chi2_lavaan": float(fitm["chisq"]),
    }


def lavaan_parity(cases: tuple[LavaanCase, ...] = LAVAAN_CASES) -> pd.DataFrame:
    return pd.DataFrame([compare_lavaan(c, fit_lavaan_case(c)) for c in cases])


# ---------------------------------------------------------------------------------------------
# semTools


def _reflective_spec(name: str, blocks: dict[str, list[str]]) -> sem_csat.ModelSpec:
    return sem_csat.ModelSpec(name, constructs=[reflective(n, i) for n, i in blocks.items()])


def _semtools_models() -> dict[str, tuple[sem_csat.ModelSpec, pd.DataFrame]]:
    hs = _lavaan_spec("hs_ml")
    ecsi_cfa = _lavaan_spec("ecsi_cfa")
    ecsi = sem_csat.datasets.load("ecsi_mobile")
    multi = {c.name: list(c.indicator_names) for c in ecsi_cfa.constructs if c.name != "Complaints"}
    return {
        "hs_ml": (hs, pd.read_csv(LAVAAN / "hs1939.csv")[HS_ITEMS]),
        "ecsi_cfa": (ecsi_cfa, ecsi),
        "ecsi": (_reflective_spec("ecsi", multi), ecsi),
        "ecsi_with_complaints": (
            _reflective_spec("ecsi_with_complaints", {**multi, "Complaints": ["CUSCO"]}),
            ecsi,
        ),
        "hs": (hs, pd.read_csv(LAVAAN / "hs1939.csv")[HS_ITEMS]),
    }


def _diff_frames(
    ours: pd.DataFrame | pd.Series, ref: pd.DataFrame | pd.Series
) -> tuple[float, int]:
    a = np.asarray(ours, dtype=float)
    b = np.asarray(ref, dtype=float)
    # a value the reference leaves undefined (semTools' HTMT of a single-item construct) may be
    # reported by sem_csat (as seminr and SmartPLS do); one the reference defines may not be missing
    if np.any(np.isnan(a) & np.isfinite(b)):
        return float("inf"), int(np.isfinite(b).sum())
    d = np.abs(a - b)[np.isfinite(b)]
    return (float(d.max()) if d.size else 0.0), int(d.size)


def semtools_parity() -> pd.DataFrame:
    """ω (compRelSEM), AVE, α, HTMT and HTMT2 against semTools 0.5-6."""
    models = _semtools_models()
    comp = pd.read_csv(SEMTOOLS / "compRelSEM.csv")
    ave = pd.read_csv(SEMTOOLS / "AVE.csv")
    alpha = pd.read_csv(SEMTOOLS / "alpha_raw.csv")
    rows: list[dict[str, Any]] = []
    for model in ("hs_ml", "ecsi_cfa"):
        spec, data = models[model]
        cb = fit(spec, data, method="ml")
        rel = call_quietly(getattr, cb, "quality").reliability.set_index("construct")
        omega = comp[(comp.model == model) & ~comp.tau_eq & comp.obs_var].set_index("factor")
        d, n = _diff_frames(rel.loc[omega.index, "omega"], omega["value"])
        rows.append({"quantity": "ω (compRelSEM)", "model": model, "max_abs_diff": d, "n": n})
        a = ave[(ave.model == model) & ave.obs_var].set_index("factor")
        d, n = _diff_frames(rel.loc[a.index, "ave"], a["value"])
        rows.append({"quantity": "AVE", "model": model, "max_abs_diff": d, "n": n})
        al = alpha[alpha.model == model].set_index("factor")
        d, n = _diff_frames(rel.loc[al.index, "alpha"], al["value"])
        rows.append({"quantity": "Cronbach's α", "model": model, "max_abs_diff": d, "n": n})
    for case in ("hs", "ecsi", "ecsi_with_complaints"):
        spec, data = models[case]
        report = call_quietly(sem_csat.quality, spec, data)
        for kind, label in (("htmt", "HTMT"), ("htmt2", "HTMT2")):
            ref = pd.read_csv(SEMTOOLS / f"htmt_{case}_{kind}.csv", index_col=0)
            ours = getattr(report, kind).loc[ref.index, ref.columns]
            d, n = _diff_frames(ours, ref)
            rows.append({"quantity": label, "model": case, "max_abs_diff": d, "n": n})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# SmartPLS and ADANCO


def read_smartpls(path: Path) -> pd.DataFrame:
    """A SmartPLS 2 table: tab separated, decimal comma, padded labels (as tests/_reference)."""
    lines = [ln.rstrip("\r\n").rstrip("\t").split("\t") for ln in path.read_text().splitlines()]
    lines = [ln for ln in lines if any(cell.strip() for cell in ln)]
    columns = [c.strip() for c in lines[0][1:]]
    index = [ln[0].strip() for ln in lines[1:]]
    values = [[float(v.strip().replace(",", ".")) for v in ln[1:]] for ln in lines[1:]]
    return pd.DataFrame(values, index=index, columns=columns)


def read_adanco(folder: Path, name: str) -> pd.DataFrame:
    """An ADANCO sheet with row labels; blank cells NaN, note lines dropped."""
    path = folder / f"{name}.csv"
    first = path.read_text(encoding="utf-8").splitlines()[0]
    skip = 1 if first.startswith("Independent variable") else 0
    table = pd.read_csv(path, index_col=0, skiprows=skip)
    table = table.loc[[isinstance(i, str) and not i.endswith(".") for i in table.index]]
    return table.dropna(axis=1, how="all").astype(float)


SCHEMES = {"path": "pathWeighting", "centroid": "centroid", "factorial": "factorial"}


def _matrix_diff(
    ours: pd.DataFrame, ref: pd.DataFrame, blank: float | None = None
) -> tuple[float, int]:
    mine = ours.loc[ref.index, ref.columns].astype(float).fillna(0.0).to_numpy()
    expected = ref.to_numpy(dtype=float)
    if blank is not None:
        expected = np.where(np.isnan(expected), blank, expected)
    keep = np.isfinite(expected)
    d = np.abs(mine - expected)[keep]
    return float(d.max()), int(keep.sum())


def smartpls_parity() -> pd.DataFrame:
    """ECSI, Mode A, the three inner weighting schemes, against SmartPLS 2.0.M3."""
    spec = sem_csat.load_spec("ecsi")
    data = sem_csat.datasets.load("ecsi_mobile")
    rows = []
    for scheme, folder in SCHEMES.items():
        result = fit(spec, data, scheme=scheme)
        ours = {
            "path coefficients": ("pathCoefficients", result.path_matrix),
            "outer weights": ("outerWeights", result.weights),
            "loadings and cross-loadings": ("crossLoadings", result.cross_loadings),
            "total effects": ("totalEffects", result.total_effects),
        }
        for quantity, (name, table) in ours.items():
            ref = read_smartpls(SMARTPLS / folder / f"{name}.txt")
            d, n = _matrix_diff(table, ref)
            rows.append({"scheme": scheme, "quantity": quantity, "max_abs_diff": d, "n": n})
    return pd.DataFrame(rows)


def _bank_mode_b(spec: sem_csat.ModelSpec) -> sem_csat.ModelSpec:
    return sem_csat.ModelSpec(
        "bank_mode_b",
        constructs=[formative(c.name, list(c.indicator_names)) for c in spec.constructs],
        paths=spec.paths,
    )


def adanco_parity() -> pd.DataFrame:
    """Bank survey, centroid scheme: Mode B composites and PLSc, against ADANCO 2.2.1."""
    spec = sem_csat.load_spec("ecsi_bank")
    data = sem_csat.datasets.load("bank_satisfaction")
    rows = []
    models: dict[str, tuple[str, Callable[[], Any]]] = {
        "Mode B composites": (
            "composite_modeB",
            lambda: fit(_bank_mode_b(spec), data, scheme="centroid"),
        ),
        "PLSc common factors": (
            "common_factor_PLSc",
            lambda: fit(spec, data, method="plsc", scheme="centroid"),
        ),
    }
    for model, (folder, make) in models.items():
        result = make()
        where = ADANCO / folder
        r2 = pd.read_csv(where / "R_Squared.csv", index_col=0)
        r2.columns = ["r2", "r2_adj"]
        checks: list[tuple[str, pd.DataFrame, pd.DataFrame, float | None]] = [
            ("path coefficients", result.path_matrix, read_adanco(where, "Path_Coefficients"), 0),
            ("total effects", result.total_effects, read_adanco(where, "Total_Effects"), 0),
            ("weights", result.weights, read_adanco(where, "Weights"), 0),
            ("loadings and cross-loadings", result.cross_loadings,
             read_adanco(where, "Cross_Loadings"), None),
            ("R² and adjusted R²", result.r2, r2, None),
        ]  # fmt: skip
        if folder == "common_factor_PLSc":
            rel = call_quietly(getattr, result, "quality").reliability.set_index("construct")
            ours = rel.rename(columns={"alpha": "alpha_raw", "alpha_std": "alpha"})
            ref = read_adanco(where, "Construct_Reliability")
            ref.columns = ["rho_a", "rho_c", "alpha"]
            ref["ave"] = read_adanco(where, "Convergent_Validity").iloc[:, 0]
            checks.append(("ρ_A, ρ_c, α, AVE", ours, ref, None))
        for quantity, table, ref, blank in checks:
            d, n = _matrix_diff(table, ref, blank)
            rows.append({"model": model, "quantity": quantity, "max_abs_diff": d, "n": n})
    return pd.DataFrame(rows)
