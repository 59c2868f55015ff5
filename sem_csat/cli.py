"""The ``sem-csat`` command line.

::

    sem-csat specs
    sem-csat validate SPEC [DATA]
    sem-csat fit SPEC DATA [--method pls] [--scheme path|centroid|factorial]
                           [--missing listwise|mean|fiml] [--na-values V [V ...]]
                           [--bootstrap N --seed S] [--out DIR]
    sem-csat fit SPEC --cov FILE --n N [--sds FILE] [--means FILE] --method ml
    sem-csat quality SPEC DATA [--out DIR]
    sem-csat diagram SPEC [--from RESULTS_DIR] -o FILE
    sem-csat demo [--out DIR]

SPEC is a YAML or lavaan file, or the name of a bundled model (``sem-csat specs``); DATA is a
CSV/TSV/Excel/SPSS/Parquet file or a bundled data set (``ecsi_mobile``, ``bank_satisfaction``).

``fit`` and ``demo`` take one path: the options are parsed here, :func:`sem_csat.fit` checks
them against the method and fits, ``result.bootstrap(...)`` adds the bootstrap when asked, and
:func:`sem_csat.write` writes the folder.  Nothing here knows which engine a method belongs to.

A mistake of the user (bad spec, bad data, bad option) prints one line ``error: ...`` to standard
error and exits with status 2; ``--debug`` shows the traceback instead.  An unexpected internal
failure exits with status 1, and so does a CB-SEM fit that did not converge: the run finished,
but has no interpretable estimates, so only ``diagnostics.csv`` and ``run.json`` are written
and a pipeline of commands should stop.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from sem_csat._version import __version__
from sem_csat.errors import SemCsatError, UsageError

if TYPE_CHECKING:
    from sem_csat.contract import SEMResult
    from sem_csat.data import RawData
    from sem_csat.diagnostics import Diagnostic
    from sem_csat.summary import Summary

__all__ = ["main"]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_NOT_CONVERGED = 1  # the estimation finished without converging (documented)

DEFAULT_OUT = "sem-csat-results"


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one ``error:`` line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see '{self.prog} --help')"
        sys.stderr.write(f"error: {message}{hint}\n")
        raise SystemExit(EXIT_USAGE)


def _number_or_text(value: str) -> float | str:
    try:
        number = float(value)
    except ValueError:
        return value
    if not math.isfinite(number):
        return value
    return int(number) if number.is_integer() else number


def _codes(value: str) -> list[float | str]:
    """One ``--na-values`` argument: a code, or a comma-separated list of codes
    (``-99,-98``); spaces around the codes are ignored, an empty code is refused."""
    parts = [p.strip() for p in value.split(",")]
    if not all(parts):
        raise argparse.ArgumentTypeError(
            f"{value.strip()!r} holds an empty missing-value code; give codes separated by "
            "commas or spaces, such as --na-values -99,-98 or --na-values -99 -98"
        )
    return [_number_or_text(p) for p in parts]


_CODE_LIST = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:\s*,\s*-?(?:\d+\.?\d*|\.\d+))*,?")


def _join_code_lists(argv: Sequence[str]) -> list[str]:
    """Let numeric ``--na-values`` lists that start with ``-`` reach the option.

    argparse takes ``-99`` for a negative number but ``-99,-98`` for an unknown option, so
    ``--na-values -99,-98`` would fail with a puzzling message.  Such a list after the option is
    passed with a leading space, which argparse reads as a value (:func:`_codes` strips it).
    """
    out: list[str] = []
    codes = False
    for token in argv:
        if token == "--na-values":
            codes = True
        elif token.startswith("-") and codes and _CODE_LIST.fullmatch(token):
            token = " " + token
        elif token.startswith("-"):
            codes = False
        out.append(token)
    return out


class _ExtendCodes(argparse.Action):
    """``--na-values -99,-98 97``: every argument's codes, in order, without repeats."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        codes: list[float | str] = list(getattr(namespace, self.dest, None) or [])
        groups: list[list[float | str]] = values if isinstance(values, list) else []
        for group in groups:
            for code in group:
                if code not in codes:
                    codes.append(code)
        setattr(namespace, self.dest, codes)


def _seed(value: str) -> int:
    try:
        seed = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the seed must be a whole number, got {value!r}"
        ) from None
    if seed < 0:
        raise argparse.ArgumentTypeError(f"the seed must not be negative, got {seed}")
    return seed


def _resamples(value: str) -> int:
    """A whole number of resamples (``5000``, ``5e3``); 0 means no bootstrap.  The minimum
    for the confidence level is checked with --conf (:func:`check_resamples`)."""
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number.is_integer() and number >= 0):
        raise argparse.ArgumentTypeError(
            f"the number of resamples must be a whole number such as 5000, got {value!r}"
        )
    return int(number)


def _level(value: str) -> float:
    try:
        level = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the level must be a number, got {value!r}") from None
    if not 0 < level < 1:
        raise argparse.ArgumentTypeError(
            f"the level must lie between 0 and 1 (such as 0.95), got {value}"
        )
    return level


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"jobs must be a whole number, got {value!r}") from None
    if jobs == 0 or jobs < -1:
        raise argparse.ArgumentTypeError(
            f"jobs must be a positive number or -1 (all cores), got {jobs}"
        )
    return jobs


def _build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks"
    )
    common.add_argument(
        "--quiet", action="store_true", default=argparse.SUPPRESS, help="print no summary"
    )

    parser = _Parser(
        prog="sem-csat",
        description="Customer-satisfaction structural equation modeling (PLS path modeling).",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"sem-csat {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    sub.add_parser("specs", help="list the bundled models", parents=[common])

    data_opts = _Parser(add_help=False)
    data_opts.add_argument(
        "--na-values",
        nargs="+",
        type=_codes,
        action=_ExtendCodes,
        default=[],
        metavar="V",
        help="codes that mean 'no answer', separated by spaces or commas, e.g. "
        "--na-values -99 999 or --na-values=-99,-98",
    )
    data_opts.add_argument(
        "--missing",
        choices=["listwise", "mean", "fiml"],
        default="listwise",
        help="missing data: drop incomplete respondents (default), replace by the item mean "
        "(PLS), or full-information ML (CB-SEM: --method ml or mlr)",
    )
    data_opts.add_argument("--sep", default=None, help="column delimiter of a text file")
    data_opts.add_argument(
        "--decimal", default=None, choices=[".", ","], help="decimal mark of a text file"
    )
    data_opts.add_argument("--sheet", default=None, help="Excel sheet name or 0-based index")

    val = sub.add_parser(
        "validate", help="check a spec, and data against it", parents=[common, data_opts]
    )
    val.add_argument("spec", metavar="SPEC", help="YAML/lavaan file or bundled model name")
    val.add_argument("data", metavar="DATA", nargs="?", help="data file or bundled data set")

    fit = sub.add_parser("fit", help="fit a model to survey data", parents=[common, data_opts])
    fit.add_argument("spec", metavar="SPEC", help="YAML/lavaan file or bundled model name")
    fit.add_argument(
        "data", metavar="DATA", nargs="?", help="data file or bundled data set (or use --cov)"
    )
    _fit_options(fit)
    fit.add_argument(
        "--cov",
        default=None,
        metavar="FILE",
        help="fit a covariance or correlation matrix (CSV, full or lower triangle) instead of "
        "DATA; CB-SEM methods only",
    )
    fit.add_argument("--n", type=int, default=None, metavar="N", help="sample size of --cov")
    fit.add_argument(
        "--ordered",
        action="store_true",
        help="treat the items as ordinal (polychoric correlations; with --method wlsmv, "
        "which implies it)",
    )
    fit.add_argument(
        "--sds", default=None, metavar="FILE", help="standard deviations for a correlation --cov"
    )
    fit.add_argument(
        "--means",
        default=None,
        metavar="FILE",
        help="item means for --cov (checked and recorded; the models have no mean structure)",
    )

    qual = sub.add_parser(
        "quality",
        help="assess the measurement model from the data alone (no structural model)",
        parents=[common, data_opts],
    )
    qual.add_argument("spec", metavar="SPEC", help="YAML/lavaan file or bundled model name")
    qual.add_argument("data", metavar="DATA", help="data file or bundled data set")
    qual.add_argument(
        "--out", default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default: {DEFAULT_OUT})"
    )

    diag = sub.add_parser(
        "diagram",
        help="draw the path diagram of a model, or of results written by 'fit'",
        parents=[common],
    )
    diag.add_argument("spec", metavar="SPEC", help="YAML/lavaan file or bundled model name")
    diag.add_argument(
        "--from",
        dest="results",
        default=None,
        metavar="RESULTS_DIR",
        help="draw the estimates in a folder written by 'sem-csat fit' (default: the model only)",
    )
    diag.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="output file; the format follows the suffix: .pdf, .svg, .png, .eps or .tex (TikZ)",
    )
    diag.add_argument("--indicators", action="store_true", help="also draw the indicators")
    diag.add_argument("--theme", choices=["grey", "colour"], default="grey", help="colours")
    diag.add_argument(
        "--size", choices=["single", "double"], default="double", help="journal column width"
    )
    diag.add_argument(
        "--ci", action="store_true", help="label paths with their confidence interval"
    )
    diag.add_argument(
        "--decimals", type=int, choices=range(1, 5), default=2, metavar="D", help="decimals"
    )
    diag.add_argument("--font", default=None, help="font family for the labels")
    diag.add_argument("--dpi", type=int, default=300, help="resolution of a PNG (default 300)")

    demo = sub.add_parser(
        "demo", help="fit the bundled ECSI model to the bundled survey", parents=[common]
    )
    demo.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help="output folder")
    return parser


def _fit_options(fit: argparse.ArgumentParser) -> None:
    fit.add_argument(
        "--method",
        choices=["pls", "plsc", "ml", "mlr", "gls", "uls", "dwls", "wlsmv"],
        default="pls",
        help="estimation method: PLS path modeling (default), consistent PLS, or covariance-"
        "based SEM by ML, MLR (robust), GLS, ULS, or DWLS/WLSMV (ordinal items)",
    )
    fit.add_argument(
        "--scheme",
        choices=["path", "centroid", "factorial"],
        default=None,
        help="PLS inner weighting scheme (default: path)",
    )
    fit.add_argument(
        "--out", default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default: {DEFAULT_OUT})"
    )
    fit.add_argument(
        "--seed",
        type=_seed,
        default=None,
        help="random seed of the bootstrap (recorded in run.json)",
    )
    fit.add_argument(
        "--bootstrap",
        type=_resamples,
        default=0,
        metavar="N",
        help="bootstrap with N resamples (5000 or more for publication; default: none)",
    )
    fit.add_argument(
        "--ci",
        choices=["percentile", "bca"],
        default="percentile",
        help="bootstrap confidence interval (default: percentile)",
    )
    fit.add_argument(
        "--conf", type=_level, default=0.95, help="confidence level of the intervals (default 0.95)"
    )
    fit.add_argument(
        "--jobs", type=_jobs, default=1, metavar="J", help="worker processes for the bootstrap"
    )


def _bootstrap(args: argparse.Namespace, result: SEMResult) -> SEMResult:
    """Bootstrap ``result`` when --bootstrap N was given (the same call for every method)."""
    if not args.bootstrap:
        return result
    return result.bootstrap(
        args.bootstrap,
        seed=args.seed,
        n_jobs=args.jobs,
        conf=args.conf,
        ci=args.ci,
        progress=_progress(args),
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
def _cmd_specs(args: argparse.Namespace, out: TextIO) -> int:
    from sem_csat.spec.library import list_specs

    infos = list_specs()
    width = max(len(i.key) for i in infos)
    for info in infos:
        out.write(
            f"{info.key.ljust(width)}  {info.n_constructs} constructs, {info.n_paths:2d} paths  "
            f"{info.description}\n"
        )
    return EXIT_OK


def _read(args: argparse.Namespace, source: str) -> RawData:
    from sem_csat.fitting import load_data

    sheet: str | int | None = args.sheet
    if isinstance(sheet, str) and sheet.isdigit():
        sheet = int(sheet)
    return load_data(
        source, sep=args.sep, decimal=args.decimal, sheet=sheet, na_values=args.na_values
    )


def _cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    from sem_csat.data import prepare_data
    from sem_csat.spec.library import load_spec

    spec = load_spec(args.spec)
    out.write(f"{spec!r} is valid.\n")
    for d in spec.diagnostics:
        _report(d)
    if args.data is not None:
        raw = _read(args, args.data)
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
    if args.scheme is not None:
        options["scheme"] = args.scheme
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
    data = None if data_arg is None else _read(args, data_arg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = _bootstrap(args, fit(spec, data, **options))
    folder = ensure_out_dir(out_path)
    files = write(result, folder, command=argv)
    return _finish_run(args, result, files, folder, out)


def _cmd_fit(args: argparse.Namespace, out: TextIO, argv: Sequence[str]) -> int:
    return _fit_and_write(args, args.spec, args.data, out, argv)


def _cmd_quality(args: argparse.Namespace, out: TextIO) -> int:
    from sem_csat.data import prepare_data
    from sem_csat.measurement import quality
    from sem_csat.output import ensure_out_dir, write_quality
    from sem_csat.spec.library import load_spec

    out_path = Path(args.out)
    if out_path.exists() and not out_path.is_dir():
        ensure_out_dir(out_path)
    spec = load_spec(args.spec)
    raw = _read(args, args.data)
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


def _cmd_diagram(args: argparse.Namespace, out: TextIO) -> int:
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


def _cmd_demo(args: argparse.Namespace, out: TextIO, argv: Sequence[str]) -> int:
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


# --------------------------------------------------------------------------- entry point
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 internal error or a fit that did
    not converge, 2 user error)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser()
    try:
        args = parser.parse_args(_join_code_lists(args_list))
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    debug = bool(getattr(args, "debug", False))
    try:
        if args.command == "specs":
            return _cmd_specs(args, sys.stdout)
        if args.command == "validate":
            return _cmd_validate(args, sys.stdout)
        if args.command == "fit":
            return _cmd_fit(args, sys.stdout, ["sem-csat", *args_list])
        if args.command == "quality":
            return _cmd_quality(args, sys.stdout)
        if args.command == "diagram":
            return _cmd_diagram(args, sys.stdout)
        if args.command == "demo":
            return _cmd_demo(args, sys.stdout, ["sem-csat", *args_list])
        raise UsageError(f"Unknown command {args.command!r}.")
    except SemCsatError as exc:
        if debug:
            traceback.print_exc()
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        return 130
    except Exception as exc:
        if debug:
            traceback.print_exc()
        sys.stderr.write(
            f"error: internal error ({type(exc).__name__}: {exc}); this is a bug in sem_csat, "
            "please report it with the output of --debug\n"
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
