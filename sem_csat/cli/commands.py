"""The model commands: ``specs``, ``validate``, ``fit``, ``quality``, ``diagram`` and ``demo``
(each parses nothing itself: it calls :func:`sem_csat.fit`, :func:`sem_csat.write` and the
result, and prints the summary and findings)."""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sem_csat.cli.values import DEFAULT_RESAMPLES, EXIT_NOT_CONVERGED, EXIT_OK
from sem_csat.errors import UsageError

if TYPE_CHECKING:
    from sem_csat.contract import SEMResult
    from sem_csat.data import RawData
    from sem_csat.diagnostics import Diagnostic
    from sem_csat.summary import Summary


def _bootstrap(args: argparse.Namespace, result: SEMResult) -> SEMResult:
    """Bootstrap ``result`` when --bootstrap N was given (the same call for every method).

    With --group the comparison always resamples: --permutations N per pair and --bootstrap N
    per group (``result.bootstrap``'s ``n_perm``), 5000 each unless given.
    """
    group = getattr(args, "group", None)
    if group is None:
        if getattr(args, "permutations", None) is not None:
            raise UsageError(
                "--permutations compares groups: name the group column with --group COLUMN."
            )
        if not args.bootstrap:
            return result
    cbsem_groups = result.grouping is not None and result.method not in ("pls", "plsc")
    if cbsem_groups and not args.bootstrap and getattr(args, "permutations", None) is None:
        return result  # a multi-group CB-SEM fit: its inference needs no resampling
    extra: dict[str, Any] = {}
    if group is not None:
        extra["n_perm"] = args.permutations or DEFAULT_RESAMPLES
    return result.bootstrap(
        args.bootstrap or DEFAULT_RESAMPLES,
        seed=args.seed,
        n_jobs=args.jobs,
        conf=args.conf,
        ci=args.ci,
        progress=_progress(args),
        **extra,
    )


def _progress(args: argparse.Namespace) -> bool | None:
    """The bootstrap's progress bar: off with --quiet, else on when stderr is a terminal."""
    return False if getattr(args, "quiet", False) else None


def _finish_run(
    args: argparse.Namespace,
    result: SEMResult,
    files: Sequence[Path],
    folder: Path,
    out: TextIO,
) -> int:
    """Print the short summary (unless --quiet), then every finding once, after the files are
    written: the findings of ``report.html`` and ``diagnostics.csv`` (``result.findings()``;
    only the estimation's for a fit that did not converge, as :func:`sem_csat.write`)."""
    findings = result.findings() if result.converged else result.diagnostics
    _print_findings(args, result.summary(), findings, f"Wrote {len(files)} files to {folder}/", out)
    # the run finished but has no interpretable estimates: a pipeline must stop here
    return EXIT_OK if result.converged else EXIT_NOT_CONVERGED


def _print_findings(
    args: argparse.Namespace,
    summary: Summary,
    findings: Sequence[Diagnostic],
    wrote: str,
    out: TextIO,
    *,
    kept_in: str = "diagnostics.csv and report.html",
) -> None:
    """The summary's tables on standard output (unless --quiet), a count of the findings, and
    each warning once on standard error (notes are in ``diagnostics.csv`` and the report)."""
    warn = [d for d in findings if d.severity != "info"]
    if not getattr(args, "quiet", False):
        n_notes = len(findings) - len(warn)
        out.write(summary.as_text(collapsed=False, findings=False) + "\n\n")
        out.write(
            f"{wrote}\n{_count(len(warn), 'warning')} and {_count(n_notes, 'note')} "
            f"(all in {kept_in})"
            + (": the warnings follow on standard error.\n" if warn else ".\n")
        )
        out.flush()
    for d in warn:
        _report(d)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _report(d: Diagnostic) -> None:
    """Print one diagnostic to standard error.

    ``error:`` is reserved for the user's mistakes that stop a run (exit status 2); a finding
    about the results is a ``warning:`` (``warning (serious):`` when the affected numbers must
    not be interpreted), and notes are ``note:``.
    """
    prefix = {"info": "note", "warning": "warning", "error": "warning (serious)"}[d.severity]
    sys.stderr.write(f"{prefix}: {d.message}\n")


# --------------------------------------------------------------------------- commands
def cmd_specs(args: argparse.Namespace, out: TextIO) -> int:
    """``sem-csat specs``: list the bundled models."""
    from sem_csat.spec.library import list_specs

    infos = list_specs()
    width = max(len(i.key) for i in infos)
    for info in infos:
        out.write(
            f"{info.key.ljust(width)}  {info.n_constructs} constructs, {info.n_paths:2d} paths  "
            f"{info.description}\n"
        )
    return EXIT_OK


def read_source(args: argparse.Namespace, source: str) -> RawData:
    """Read the data file (or bundled data set) named on the command line, with its --sep,
    --decimal, --sheet and --na-values."""
    from sem_csat.fitting import load_data

    sheet: str | int | None = args.sheet
    if isinstance(sheet, str) and sheet.isdigit():
        sheet = int(sheet)
    return load_data(
        source, sep=args.sep, decimal=args.decimal, sheet=sheet, na_values=args.na_values
    )


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    """``sem-csat validate SPEC [DATA]``: check a spec, and the data against it, without fitting."""
    from sem_csat.data import prepare_data
    from sem_csat.spec.library import load_spec

    spec = load_spec(args.spec)
    out.write(f"{spec!r} is valid.\n")
    for d in spec.diagnostics:
        _report(d)
    if args.data is not None:
        raw = read_source(args, args.data)
        prepared = prepare_data(spec, raw, missing=args.missing, na_values=args.na_values)
        out.write(
            f"Data {prepared.source}: {prepared.n_used} of {prepared.n_total} respondents usable "
            f"(missing data: {args.missing}).\n"
        )
        for d in prepared.diagnostics:
            _report(d)
    return EXIT_OK


def _fit_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of :func:`sem_csat.fit` that the command line gives."""
    options: dict[str, Any] = {
        "method": args.method,
        "missing": args.missing,
        "na_values": args.na_values,
    }
    if getattr(args, "ordered", False):
        options["ordered"] = True
    for option in ("scheme", "hoc", "interaction"):
        if getattr(args, option, None) is not None:
            options[option] = getattr(args, option)
    if getattr(args, "group", None) is not None:
        options["group"] = args.group
        if args.levels is not None:
            options["levels"] = args.levels
        if args.waves:
            options["waves"] = True
        if getattr(args, "invariance", None) is not None:
            options["invariance"] = args.invariance
    elif getattr(args, "levels", None) is not None or getattr(args, "waves", False):
        raise UsageError("--levels and --waves go with --group COLUMN (the groups to compare).")
    elif getattr(args, "invariance", None) is not None:
        raise UsageError("--invariance compares groups: name the group column with --group COLUMN.")
    return options


def _fit_and_write(
    args: argparse.Namespace,
    spec_arg: str,
    data_arg: str | None,
    out: TextIO,
    argv: Sequence[str],
) -> int:
    """Parse, fit, bootstrap, write: the one path of ``fit`` and ``demo``."""
    from sem_csat.fitting import fit
    from sem_csat.inference.limits import check_n_jobs, check_resamples
    from sem_csat.output import ensure_out_dir, write
    from sem_csat.spec.library import load_spec

    out_path = Path(args.out)
    if out_path.exists() and not out_path.is_dir():
        ensure_out_dir(out_path)  # raises the one-sentence error before any work is done
    # options that can be judged without the data: refused before any work is done
    check_n_jobs(args.jobs, option="--jobs")
    if args.bootstrap:
        check_resamples(args.bootstrap, args.conf)
    spec = load_spec(spec_arg)
    options = _fit_kwargs(args)
    cov = getattr(args, "cov", None)
    if cov is not None:
        options |= {"cov": cov, "n_obs": args.n, "sds": args.sds, "means": args.means}
    elif getattr(args, "n", None) is not None:
        raise UsageError(
            "--n is the sample size of a matrix given with --cov; with survey data the sample "
            "size is the number of respondents, so leave --n out."
        )
    data = None if data_arg is None else read_source(args, data_arg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = _bootstrap(args, fit(spec, data, **options))
    folder = ensure_out_dir(out_path)
    files = write(result, folder, command=argv)
    return _finish_run(args, result, files, folder, out)


def cmd_fit(args: argparse.Namespace, out: TextIO, argv: Sequence[str]) -> int:
    """``sem-csat fit``: :func:`sem_csat.fit`, the bootstrap when asked, :func:`sem_csat.write`."""
    return _fit_and_write(args, args.spec, args.data, out, argv)


def cmd_quality(args: argparse.Namespace, out: TextIO) -> int:
    """``sem-csat quality``: the reliability and validity tables of a fit."""
    from sem_csat.data import prepare_data
    from sem_csat.measurement import quality
    from sem_csat.output import ensure_out_dir, write_quality
    from sem_csat.spec.library import load_spec

    out_path = Path(args.out)
    if out_path.exists() and not out_path.is_dir():
        ensure_out_dir(out_path)
    spec = load_spec(args.spec)
    raw = read_source(args, args.data)
    prepared = prepare_data(spec, raw, missing=args.missing, na_values=args.na_values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = quality(spec, prepared)
    files = write_quality(report, out_path)
    _print_findings(
        args,
        report.summary(),
        report.diagnostics,
        f"Wrote {len(files)} files to {out_path}/",
        out,
        kept_in="diagnostics.csv",
    )
    return EXIT_OK


#: Suffixes ``Diagram.save`` writes (checked before any drawing).
DIAGRAM_SUFFIXES = (".pdf", ".svg", ".png", ".eps", ".tex")
#: Largest side of a raster image (matplotlib's Agg renderer, like the PNG format in practice).
MAX_PIXELS_PER_SIDE = 2**16 - 1


def _check_output_file(path: Path) -> None:
    if path.is_dir():
        raise UsageError(
            f"The output file '{path}' is a folder; give the name of a file inside it, such as "
            f"'{path / 'diagram.pdf'}'."
        )
    if path.suffix.lower() not in DIAGRAM_SUFFIXES:
        raise UsageError(
            f"Cannot save a diagram as '{path.name}': use one of {', '.join(DIAGRAM_SUFFIXES)}."
        )


def _check_raster(width_in: float, height_in: float, dpi: int) -> None:
    """Refuse a PNG whose pixels would exceed the renderer or the memory, before drawing it."""
    from sem_csat.inference.limits import check_memory

    px_w, px_h = math.ceil(width_in * dpi), math.ceil(height_in * dpi)
    if max(px_w, px_h) > MAX_PIXELS_PER_SIDE:
        raise UsageError(
            f"At --dpi {dpi} the {width_in:.1f} × {height_in:.1f} in diagram would be "
            f"{px_w:,} × {px_h:,} pixels, more than the {MAX_PIXELS_PER_SIDE:,} pixels a side a "
            "PNG can be drawn with; use --dpi 300 to 1200 for print, or save as .pdf or .svg, "
            "which need no dpi."
        )
    check_memory(
        4.0 * px_w * px_h,
        f"A {px_w:,} × {px_h:,} pixel PNG (--dpi {dpi})",
        advice="use --dpi 300 to 1200 for print, or save as .pdf or .svg, which need no dpi",
    )


def cmd_diagram(args: argparse.Namespace, out: TextIO) -> int:
    """``sem-csat diagram``: draw the path diagram of a spec, or of a results folder (--from)."""
    from sem_csat.diagram import path_diagram, read_results_folder
    from sem_csat.output.files import atomic_file
    from sem_csat.spec.library import load_spec

    output = Path(args.output)
    _check_output_file(output)
    if args.dpi < 72:
        raise UsageError(f"--dpi must be at least 72 (300 or more for print), got {args.dpi}.")
    spec = load_spec(args.spec)
    source: object = spec
    if args.results is not None:
        source = read_results_folder(args.results, spec)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        diagram = path_diagram(
            source,
            indicators=args.indicators,
            theme=args.theme,
            size=args.size,
            ci=args.ci,
            decimals=args.decimals,
            font=args.font,
        )
        if output.suffix.lower() == ".png":
            width, height = diagram.figure.get_size_inches()
            _check_raster(float(width), float(height), args.dpi)
        # a temporary file in the same folder, moved into place when complete
        with atomic_file(output) as partial:
            diagram.save(partial, dpi=args.dpi)
    for w in caught:
        sys.stderr.write(f"warning: {w.message}\n")
    if not getattr(args, "quiet", False):
        out.write(f"Wrote {output}\n")
    return EXIT_OK


def write_tables(
    tables: dict[str, Any], folder_arg: str, summary: str, args: argparse.Namespace, out: TextIO
) -> list[Path]:
    """Write ``name.csv`` for every table, print the summary and what was written."""
    from sem_csat.output import contained_path, ensure_out_dir, write_csv

    folder = ensure_out_dir(folder_arg)
    files = [write_csv(t, contained_path(folder, f"{n}.csv")) for n, t in tables.items()]
    if not getattr(args, "quiet", False):
        out.write(summary + "\n\n")
    return files


def print_written(files: Sequence[Path], folder: str, args: argparse.Namespace, out: TextIO) -> int:
    """Say how many files were written where (unless --quiet); the exit status 0."""
    if not getattr(args, "quiet", False):
        out.write(f"Wrote {len(files)} file{'' if len(files) == 1 else 's'} to {folder}/\n")
    return EXIT_OK


def print_notes(diagnostics: Sequence[Diagnostic]) -> None:
    """Print every warning among ``diagnostics`` once on standard error."""
    for d in diagnostics:
        if d.severity != "info":
            _report(d)


def cmd_demo(args: argparse.Namespace, out: TextIO, argv: Sequence[str]) -> int:
    """``sem-csat demo``: fit the bundled ECSI model to the bundled survey and write the folder."""
    demo_args = argparse.Namespace(
        na_values=[],
        missing="listwise",
        sep=None,
        decimal=None,
        sheet=None,
        scheme=None,
        method="pls",
        seed=2026,
        bootstrap=5000,
        ci="percentile",
        conf=0.95,
        jobs=1,
        out=args.out,
        quiet=getattr(args, "quiet", False),
    )
    if not demo_args.quiet:
        out.write(
            "Demo: the ECSI model fitted by PLS path modeling to the ECSI mobile-phone survey "
            "(Tenenhaus et al. 2005, 250 respondents), with 5,000 bootstrap resamples, "
            "index scores and an importance-performance map.\n\n"
        )
    return _fit_and_write(demo_args, "ecsi", "ecsi_mobile", out, argv)
