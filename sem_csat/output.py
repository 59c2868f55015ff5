"""Write a result to a folder: the stable CSV/JSON output contract of ``sem-csat fit``.

Files (one row per item, full precision, never rounded):

``paths.csv``
    ``from,to,estimate,std_estimate`` (+ ``std_error,t_value,p_value,ci_lower,ci_upper`` when
    bootstrapped)
``outer.csv``
    ``construct,indicator,weight,loading``
``r2.csv``
    ``construct,r2,r2_adj``
``effects.csv``
    ``from,to,direct,indirect,total`` for every pair linked by a chain of paths (+ ``_se``,
    ``_ci_lower``, ``_ci_upper`` columns of each when bootstrapped)
``mediation.csv``, ``specific_indirect.csv``
    when bootstrapped: VAF and type of mediation per pair; every chain's indirect effect
``index.csv``
    ``construct,index`` (0–100, ACSI formula) for constructs with a declared answer scale
    (+ ``ci_lower,ci_upper`` when bootstrapped)
``ipma.csv``, ``ipma.png``, ``ipma.pdf``
    ``target,level,name,importance,performance`` and the map (when the scale is declared)
``reliability.csv``, ``items.csv``, ``htmt.csv``, ``htmt2.csv``, ``fornell_larcker.csv``,
``cross_loadings.csv``
    the measurement-model assessment (see :func:`quality_tables`)
``htmt_bootstrap.csv``
    with ``--bootstrap``: HTMT and HTMT2 intervals and the test against .85 and .90
``diagnostics.csv``
    ``severity,code,message`` (every warning the run produced)
``run.json``
    settings, versions, seed, input file hashes, N used / total.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import json
import platform
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sem_csat._version import __version__
from sem_csat.cbsem.results import CBSEMResult
from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import UsageError
from sem_csat.measurement import QualityReport
from sem_csat.pls.results import PLSResult
from sem_csat.spec.model import ModelSpec

__all__ = [
    "RELIABILITY_COLUMNS",
    "cbsem_run_info",
    "ensure_out_dir",
    "file_sha256",
    "quality_tables",
    "run_info",
    "write_cbsem_results",
    "write_quality",
    "write_results",
]


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def ensure_out_dir(out: str | Path) -> Path:
    """Create the output folder if needed; an existing folder is reused, a file is an error."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UsageError(
            f"The output path '{path}' is a file, not a folder; choose another --out folder."
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"Cannot create the output folder '{path}' ({exc.strerror or exc}); "
            "choose another --out folder."
        ) from exc
    return path


def _versions() -> dict[str, str]:
    import scipy

    return {
        "sem_csat": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "platform": platform.platform(),
    }


def run_info(
    result: PLSResult,
    *,
    spec_file: str | Path | None = None,
    seed: int | None = None,
    argv: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Everything needed to reproduce a run, as written to ``run.json``."""
    data = result.data
    settings = {
        "method": result.method,
        "scheme": result.settings.scheme,
        "tol": result.settings.tol,
        "max_iter": result.settings.max_iter,
        "missing": result.settings.missing,
        "na_values": list(result.settings.na_values),
    }
    spec_hash = None
    if spec_file is not None and Path(spec_file).is_file():
        spec_hash = file_sha256(spec_file)
    return {
        "tool": "sem_csat",
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": list(argv) if argv is not None else list(sys.argv),
        "settings": settings,
        "seed": seed,
        "versions": _versions(),
        "spec": {
            "name": result.spec.name,
            "source": str(spec_file) if spec_file is not None else result.spec.source,
            "sha256": spec_hash,
        },
        "data": {
            "source": data.source,
            "sha256": data.sha256,
            "n_total": int(data.n_total),
            "n_used": int(data.n_used),
        },
        "estimation": {
            "converged": result.converged,
            "iterations": result.iterations,
            "warnings": sum(d.severity != "info" for d in result.diagnostics),
        },
        "bootstrap": _boot_info(result),
    }


def cbsem_run_info(
    result: CBSEMResult,
    *,
    spec_file: str | Path | None = None,
    data_sha256: str | None = None,
    seed: int | None = None,
    argv: Sequence[str] | None = None,
) -> dict[str, Any]:
    """``run.json`` of a covariance-based fit."""
    est = result.estimate
    spec_hash = file_sha256(spec_file) if spec_file and Path(spec_file).is_file() else None
    return {
        "tool": "sem_csat",
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": list(argv) if argv is not None else list(sys.argv),
        "settings": {
            "method": result.method,
            "estimator": est.estimator,
            "missing": "fiml" if "~1" in set(result.params["op"]) else "listwise",
        },
        "seed": seed,
        "versions": _versions(),
        "spec": {"name": result.spec.name, "source": str(spec_file), "sha256": spec_hash},
        "data": {
            "source": result.source,
            "sha256": data_sha256,
            "n_total": result.n_total,
            "n_used": result.n_obs,
        },
        "estimation": {
            "converged": result.converged,
            "iterations": int(est.iterations),
            "gradient_norm": float(est.gradient_norm),
            "free_parameters": int(est.n_free),
            "df": int(est.df),
            "warnings": sum(d.severity != "info" for d in result.diagnostics),
        },
        "bootstrap": None
        if result.boot is None
        else {
            "resamples": result.boot.n_boot,
            "successful": result.boot.n_ok,
            "failures": dict(result.boot.failures),
            "seed": result.boot.seed,
            "ci": result.ci,
            "conf": result.boot.conf,
        },
    }


def write_cbsem_results(
    result: CBSEMResult, out: str | Path, info: Mapping[str, Any], *, figures: bool = True
) -> list[Path]:
    """Write ``fit.csv``, ``params.csv``, ``paths.csv``, ``r2.csv``, ``effects.csv``,
    the measurement-quality tables (``reliability.csv`` with ρ_c = ω, ...; with raw data),
    ``diagnostics.csv`` and ``run.json`` of a covariance-based fit; with ``figures`` also the
    publication files (:func:`sem_csat.publication.write_publication`).

    A fit that did not converge has no interpretable estimates: then only ``diagnostics.csv``
    and ``run.json`` are written."""
    folder = ensure_out_dir(out)
    if not result.converged:
        _write_csv(
            pd.DataFrame(
                [d.as_row() for d in result.diagnostics], columns=["severity", "code", "message"]
            ),
            folder / "diagnostics.csv",
        )
        (folder / "run.json").write_text(
            json.dumps(dict(info), indent=2, ensure_ascii=False) + "\n"
        )
        return [folder / "diagnostics.csv", folder / "run.json"]
    tables = {
        "fit.csv": result.fit_table,
        "params.csv": result.params,
        "paths.csv": result.paths,
        "r2.csv": result.r2.reset_index(),
        "effects.csv": result.effects,
    }
    diagnostics = list(result.diagnostics)
    if result.data is not None and result.method not in ("wlsmv", "dwls"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = result.quality
        tables.update(quality_tables(report))
        diagnostics += report.diagnostics
        if result.boot is not None:
            tables["htmt_bootstrap.csv"] = htmt_bootstrap_table(
                result.spec, result.data, result.boot.n_boot, result.boot.seed, 1,
                result.boot.conf,
            )  # fmt: skip
    tables["diagnostics.csv"] = pd.DataFrame(
        [d.as_row() for d in diagnostics], columns=["severity", "code", "message"]
    )
    written = []
    for name, table in tables.items():
        _write_csv(table, folder / name)
        written.append(folder / name)
    (folder / "run.json").write_text(json.dumps(dict(info), indent=2, ensure_ascii=False) + "\n")
    written.append(folder / "run.json")
    if figures:
        from sem_csat.publication import write_publication

        extra = diagnostics[len(result.diagnostics) :]
        written += write_publication(result, folder, info, extra_diagnostics=extra)
    return written


def _boot_info(result: PLSResult) -> dict[str, Any] | None:
    boot = result.boot
    if boot is None:
        return None
    seed = boot.seed
    return {
        "resamples": boot.n_boot,
        "successful": boot.n_ok,
        "failures": dict(boot.failures),
        "seed": list(seed) if isinstance(seed, tuple) else seed,
        "ci": result.ci,
        "conf": boot.conf,
        "sign_change": boot.sign_change,
    }


#: Operators of the parameter table, written as they are: sem_csat's own fixed vocabulary
#: (lavaan's), never user text, and ``params.csv`` is read back by programs.
_OPERATORS = frozenset({"=~", "<~", "~", "~~", "~1", "|", "~*~", "r2", ":=", "=="})


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` with full precision; text cells that a spreadsheet would run as a formula
    (``=``, ``+``, ``-``, ``@`` first) are prefixed with ``'`` (numbers are untouched), except
    the parameter table's operator column (``op``: ``=~``, ``~~``, ...)."""
    from sem_csat.tables import safe_frame

    safe = safe_frame(frame)
    if "op" in frame.columns and set(frame["op"].dropna().astype(str)) <= _OPERATORS:
        safe["op"] = frame["op"].to_numpy()
    safe.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")


#: Columns of ``reliability.csv`` (the contract; the report holds more, e.g. alpha CIs).
RELIABILITY_COLUMNS = ("construct", "alpha", "alpha_std", "rho_a", "rho_c", "ave")


def quality_tables(report: QualityReport) -> dict[str, pd.DataFrame]:
    """The measurement-quality CSV files of a report: name -> table (row labels included)."""
    tables = report.tables
    out: dict[str, pd.DataFrame] = {}
    rel = tables["reliability"]
    out["reliability.csv"] = rel.reindex(columns=list(RELIABILITY_COLUMNS))
    out["items.csv"] = tables["items"]
    for name, label in (
        ("htmt", "construct"),
        ("htmt2", "construct"),
        ("fornell_larcker", "construct"),
        ("cross_loadings", "indicator"),
    ):
        if name in tables:
            square = tables[name]
            out[f"{name}.csv"] = square.rename_axis(label).reset_index()
    return out


def htmt_bootstrap_table(
    spec: ModelSpec,
    data: pd.DataFrame,
    n_boot: int,
    seed: Any,
    n_jobs: int | None,
    conf: float,
) -> pd.DataFrame:
    """``htmt_bootstrap.csv``: HTMT and HTMT2 with percentile intervals, the one-sided 95% upper
    bound and the test against .85 and .90 (Henseler et al. 2015), from the run's resamples."""
    from sem_csat.measurement import htmt_bootstrap

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hb = htmt_bootstrap(spec, data, n_boot, seed=seed, n_jobs=n_jobs, conf=conf, progress=False)
    return hb.table


def write_quality(report: QualityReport, out: str | Path) -> list[Path]:
    """Write the measurement-quality tables and ``diagnostics.csv`` (``sem-csat quality``)."""
    folder = ensure_out_dir(out)
    tables = quality_tables(report)
    tables["diagnostics.csv"] = pd.DataFrame(
        [d.as_row() for d in report.diagnostics], columns=["severity", "code", "message"]
    )
    written = []
    for name, table in tables.items():
        _write_csv(table, folder / name)
        written.append(folder / name)
    return written


def _csi_outputs(
    result: PLSResult, folder: Path, figures: bool
) -> tuple[dict[str, pd.DataFrame], list[Path], list[Diagnostic]]:
    """Index scores and the IPMA, for the constructs whose answer scale is declared."""
    from sem_csat.pls.index import index_diagnostics, index_table
    from sem_csat.pls.ipma import default_target, ipma

    spec = result.spec
    scaled = [c for c in spec.construct_names if spec.scale_of(c) is not None]
    tables: dict[str, pd.DataFrame] = {}
    files: list[Path] = []
    notes: list[Diagnostic] = []
    if len(scaled) < len(spec.construct_names):
        missing = [c for c in spec.construct_names if c not in scaled]
        notes.append(
            Diagnostic(
                "info",
                "index_needs_scale",
                f"No answer scale is declared for {', '.join(missing)}, so no index score "
                "(and no importance-performance map) is computed for them; add 'scale: [1, 10]' "
                "(your scale) to the spec to get them.",
            )
        )
    if not scaled:
        return tables, files, notes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        index = index_table(result, scaled)
    notes += index_diagnostics(result, scaled)
    if result.boot is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            index = result.index[["construct", "index", "ci_lower", "ci_upper"]]
    tables["index.csv"] = index
    if not spec.endogenous:
        return tables, files, notes
    target = default_target(spec)
    drivers = set(spec.topological_order[: spec.topological_order.index(target) + 1])
    if not drivers <= set(scaled):
        return tables, files, notes
    imap = ipma(result, target)
    tables["ipma.csv"] = imap.table
    notes += imap.diagnostics
    if figures:
        for ext in ("png", "pdf"):
            path = folder / f"ipma.{ext}"
            imap.save(path, level="both")
            files.append(path)
    return tables, files, notes


def write_results(
    result: PLSResult,
    out: str | Path,
    info: Mapping[str, Any] | None = None,
    *,
    figures: bool = True,
) -> list[Path]:
    """Write the result files to ``out`` and return their paths.

    Parameters
    ----------
    result
        A fitted result.
    out
        Output folder (created if missing, reused if it exists).
    info
        The ``run.json`` content (see :func:`run_info`); built from the result when omitted.
    figures
        Also draw the figures (``ipma.png``, ``ipma.pdf``) and write the publication files:
        ``diagram.pdf/.svg/.png``, ``tables.tex/.md/.docx`` and ``report.html``
        (:func:`sem_csat.publication.write_publication`).
    """
    folder = ensure_out_dir(out)
    written: list[Path] = []
    boot = result.boot is not None
    path_cols = ["from", "to", "estimate", "std_estimate"]
    effect_cols = ["from", "to", "direct", "indirect", "total"]
    if boot:
        path_cols += ["std_error", "t_value", "p_value", "ci_lower", "ci_upper"]
        effect_cols += [
            f"{kind}_{stat}"
            for kind in ("direct", "indirect", "total")
            for stat in ("se", "ci_lower", "ci_upper")
        ]
    tables = {
        "paths.csv": result.paths[path_cols],
        "outer.csv": result.outer[["construct", "indicator", "weight", "loading"]],
        "r2.csv": result.r2.reset_index()[["construct", "r2", "r2_adj"]],
        "effects.csv": result.effects[effect_cols],
    }
    if boot:
        tables["mediation.csv"] = result.mediation
        tables["specific_indirect.csv"] = result.specific_indirect_effects
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = result.quality
    tables.update(quality_tables(report))
    if result.boot is not None:
        seed = result.boot.seed
        tables["htmt_bootstrap.csv"] = htmt_bootstrap_table(
            result.spec, result.data.frame, result.boot.n_boot, seed, 1, result.boot.conf
        )
    csi_tables, csi_files, notes = _csi_outputs(result, folder, figures)
    notes = [*report.diagnostics, *notes]
    tables.update(csi_tables)
    written += csi_files
    diagnostics = [*result.diagnostics, *notes]
    tables["diagnostics.csv"] = pd.DataFrame(
        [d.as_row() for d in diagnostics], columns=["severity", "code", "message"]
    )
    for name, table in tables.items():
        _write_csv(table, folder / name)
        written.append(folder / name)
    payload = dict(info) if info is not None else run_info(result)
    (folder / "run.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    written.append(folder / "run.json")
    if figures:
        from sem_csat.publication import write_publication

        written += write_publication(result, folder, payload, extra_diagnostics=notes)
    return written
