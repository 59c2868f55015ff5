"""The case study: the ECSI model on the mobile-phone survey by PLS, PLSc and CB-SEM.

Data: Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005), bundled as ``ecsi_mobile``; model:
the bundled ``ecsi`` spec.  Everything goes through sem_csat's public API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sem_csat

from .common import call_quietly, fit

N_BOOT = 5000
SEED = 2026
#: the constructs whose CB-SEM latent correlations the paper discusses
COLLINEAR = ("Image", "Expectation", "Quality", "Satisfaction")


def fits() -> dict[str, Any]:
    spec = sem_csat.load_spec("ecsi")
    data = sem_csat.datasets.load("ecsi_mobile")
    pls = fit(spec, data)
    return {
        "pls": pls,
        "boot": call_quietly(pls.bootstrap, N_BOOT, seed=SEED, n_jobs=1, progress=False),
        "plsc": fit(spec, data, method="plsc"),
        "cbsem": fit(spec, data, method="ml"),
    }


def case_tables(results: dict[str, Any] | None = None) -> dict[str, pd.DataFrame]:
    """Raw (unrounded) tables of the case study."""
    r = results or fits()
    boot, plsc, cb = r["boot"], r["plsc"], r["cbsem"]
    key = ["from", "to"]
    paths = (
        boot.paths[[*key, "estimate", "ci_lower", "ci_upper"]]
        .rename(columns={"estimate": "pls", "ci_lower": "pls_ci_lower", "ci_upper": "pls_ci_upper"})
        .merge(plsc.paths[[*key, "estimate"]].rename(columns={"estimate": "plsc"}), on=key)
        .merge(
            cb.paths[[*key, "std_estimate", "std_error"]].rename(
                columns={"std_estimate": "cbsem_std", "std_error": "cbsem_se"}
            ),
            on=key,
        )
    )
    r2 = pd.DataFrame({"pls": boot.r2["r2"], "plsc": plsc.r2["r2"], "cbsem": cb.r2["r2"]}).dropna(
        how="all"
    )
    r2.index.name = "construct"
    quality = call_quietly(getattr, r["pls"], "quality")
    rel = quality.reliability.set_index("construct")[["alpha", "rho_a", "rho_c", "ave"]]
    htmt = quality.htmt
    names = list(htmt.index)
    pairs = [
        {"construct_a": a, "construct_b": b, "htmt": float(htmt.loc[a, b])}
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if np.isfinite(htmt.loc[a, b])
    ]
    htmt_pairs = pd.DataFrame(pairs).sort_values("htmt", ascending=False, ignore_index=True)
    ipma = boot.ipma()
    imp = ipma.table.query("level == 'construct'").set_index("name")[["importance", "performance"]]
    index = boot.index.set_index("construct")[["index", "ci_lower", "ci_upper"]]
    index = index.join(imp["importance"])
    cb_quality = call_quietly(getattr, cb, "quality")
    latent = cb_quality.fornell_larcker.loc[list(COLLINEAR), list(COLLINEAR)]
    lat_pairs = pd.DataFrame(
        [
            {"construct_a": a, "construct_b": b, "latent_r": float(latent.loc[a, b])}
            for i, a in enumerate(COLLINEAR)
            for b in COLLINEAR[i + 1 :]
        ]
    ).sort_values("latent_r", ascending=False, ignore_index=True)
    fit_row = cb.fit_table.iloc[0][["chi2", "df", "cfi", "tli", "rmsea", "srmr"]]
    diagnostics = pd.DataFrame(
        [
            {"engine": engine, "severity": d.severity, "code": d.code}
            for engine, res in (("PLS", r["pls"]), ("PLSc", plsc), ("CB-SEM (ML)", cb))
            for d in res.diagnostics
        ]
    )
    return {
        "case_paths": paths,
        "case_r2": r2.reset_index(),
        "case_outer": r["pls"].outer[["construct", "indicator", "weight", "loading"]],
        "case_reliability": rel.reset_index(),
        "case_htmt": htmt_pairs,
        "case_index_ipma": index.reset_index(),
        "case_cbsem_latent": lat_pairs,
        "case_cbsem_fit": fit_row.to_frame().T.reset_index(drop=True),
        "case_diagnostics": diagnostics,
    }


def ipma_figure(results: dict[str, Any], out: Path) -> list[Path]:
    """The construct-level importance–performance map for Loyalty (PDF and PNG)."""
    ipma = results["boot"].ipma()
    return [call_quietly(ipma.save, out / f"ipma_loyalty.{ext}") for ext in ("pdf", "png")]


def path_diagram_figure(results: dict[str, Any], out: Path) -> Path | None:
    """The PLS path diagram of the case study (needs ``sem_csat.diagram``).

    Returns None, with a message, while that module is not available.
    """
    try:
        from sem_csat.diagram import path_diagram  # type: ignore[import-not-found]
    except ImportError:
        print("note: sem_csat.diagram is not available yet; paper/figures/ecsi_pls.pdf not made")
        return None
    diagram = call_quietly(
        path_diagram, results["pls"], indicators=False, theme="grey", size="double"
    )
    for ext in ("pdf", "png"):
        call_quietly(diagram.save, out / f"ecsi_pls.{ext}")
    return out / "ecsi_pls.pdf"
