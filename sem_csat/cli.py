"""The ``sem-csat`` command line.

::

    sem-csat specs
    sem-csat validate SPEC [DATA]
    sem-csat fit SPEC DATA [--method pls] [--scheme path|centroid|factorial]
                           [--missing listwise|mean|fiml] [--na-values V [V ...]]
                           [--bootstrap N --seed S] [--out DIR]
    sem-csat fit SPEC --cov FILE --n N [--sds FILE] [--means FILE] --method ml
    sem-csat fit SPEC DATA --group COLUMN [--levels G [G ...]] [--waves]
                           [--permutations N] [--bootstrap N] [--seed S] [--jobs J]
    sem-csat quality SPEC DATA [--out DIR]
    sem-csat diagram SPEC [--from RESULTS_DIR] -o FILE
    sem-csat metrics DATA --nps COL [--csat COL --csat-scale LO,HI] [--ces COL] [--group COL]
    sem-csat kano DATA --pairs F1:D1,F2:D2,... [--out DIR]
    sem-csat servqual DATA --spec SPEC [--out DIR]
    sem-csat power --df DF --rmsea0 .05 --rmsea1 .08 [--power .8 | --n N] [--alpha .05]
    sem-csat power --pls --min-path 0.2 [--power .8 | --n N] [--alpha .05]
    sem-csat demo [--out DIR]

SPEC is a YAML or lavaan file, or the name of a bundled model (``sem-csat specs``); DATA is a
CSV/TSV/Excel/SPSS/Parquet file or a bundled data set (``ecsi_mobile``, ``bank_satisfaction``).

``fit`` and ``demo`` take one path: the options are parsed here, :func:`sem_csat.fit` checks
them against the method and fits, ``result.bootstrap(...)`` adds the bootstrap when asked, and
:func:`sem_csat.write` writes the folder.  Nothing here knows which engine a method belongs to.
With ``--group COLUMN`` the same path fits the model in every group and ``result.bootstrap``
compares the groups (``--permutations`` per pair, ``--bootstrap`` per group, 5000 each by
default): ``micom.csv``, ``mga.csv``, ``index_groups.csv`` and the rest.

``metrics``, ``kano``, ``servqual`` and ``power`` parse their options, call
:mod:`sem_csat.metrics` and :mod:`sem_csat.power`, print the summary and write
``metrics.csv``, ``kano.csv`` (and the better/worse map ``kano.png``/``kano.pdf``),
``servqual.csv`` or ``power.csv`` into ``--out``.

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
#: Resamples of a group comparison when --permutations or --bootstrap is not given.
DEFAULT_RESAMPLES = 5000


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
        codes: list[float | str] = list(vars(namespace).get(self.dest) or [])
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


def _scale(value: str) -> tuple[float, float]:
    parts = [p.strip() for p in value.replace(";", ",").split(",")]
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"give the scale as LOWEST,HIGHEST such as 1,5; got {value!r}"
        ) from None
    if not low < high:
        raise argparse.ArgumentTypeError(
            f"the lowest answer must be below the highest (such as 1,5); got {value!r}"
        )
    return low, high


def _pairs(value: str) -> list[tuple[str, str, str]]:
    """``F1:D1,F2:D2`` or ``Speed=F1:D1,...`` as ``(feature, functional, dysfunctional)``."""
    out = []
    for entry in (e.strip() for e in value.split(",")):
        if not entry:
            continue
        feature, _, pair = entry.rpartition("=")
        functional, colon, dysfunctional = pair.partition(":")
        if not colon or not functional.strip() or not dysfunctional.strip():
            raise argparse.ArgumentTypeError(
                f"each Kano pair is FUNCTIONAL:DYSFUNCTIONAL (two column names, optionally "
                f"FEATURE=F:D), pairs separated by commas; got {entry!r}"
            )
        f, d = functional.strip(), dysfunctional.strip()
        out.append((feature.strip() or f, f, d))
    if not out:
        raise argparse.ArgumentTypeError("give at least one Kano pair, such as F1:D1")
    return out


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"give a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"give a positive whole number, got {n}")
    return n


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"give a number, got {value!r}") from None


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
    missing_opt = _Parser(add_help=False)
    missing_opt.add_argument(
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
        "validate",
        help="check a spec, and data against it",
        parents=[common, data_opts, missing_opt],
    )
    val.add_argument("spec", metavar="SPEC", help="YAML/lavaan file or bundled model name")
    val.add_argument("data", metavar="DATA", nargs="?", help="data file or bundled data set")

    fit = sub.add_parser(
        "fit", help="fit a model to survey data", parents=[common, data_opts, missing_opt]
    )
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
        "DATA (methods pls, plsc, ml, gls, uls)",
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
        parents=[common, data_opts, missing_opt],
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

    _group_options(fit)
    _survey_commands(sub, common, data_opts)
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
        "--hoc",
        choices=["two-stage", "embedded", "repeated"],
        default=None,
        help="PLS approach to higher-order constructs (default: two-stage)",
    )
    fit.add_argument(
        "--interaction",
        choices=["two-stage", "product-indicator", "orthogonal"],
        default=None,
        help="PLS approach to interaction terms (default: two-stage)",
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


def _group_options(fit: argparse.ArgumentParser) -> None:
    group = fit.add_argument_group("comparing groups or survey waves (PLS, PLSc; ML, MLR)")
    group.add_argument(
        "--group",
        default=None,
        metavar="COLUMN",
        help="fit the model in every group of COLUMN and compare them: MICOM, multi-group "
        "analysis, index by group (a column called 'wave' speaks of waves)",
    )
    group.add_argument(
        "--levels",
        nargs="+",
        default=None,
        metavar="G",
        help="with --group: the groups to compare, in order (default: all)",
    )
    group.add_argument(
        "--waves", action="store_true", help="with --group: the groups are survey waves"
    )
    group.add_argument(
        "--permutations",
        type=_resamples,
        default=None,
        metavar="N",
        help=f"with --group: permutations per pair of groups (default {DEFAULT_RESAMPLES}); "
        f"--bootstrap N sets the resamples per group (default {DEFAULT_RESAMPLES})",
    )
    group.add_argument(
        "--invariance",
        default=None,
        metavar="LEVELS",
        help="with --group and --method ml or mlr: the measurement-invariance ladder, e.g. "
        "configural,metric,scalar,strict (invariance.csv, latent_means.csv)",
    )


def _survey_commands(
    sub: Any, common: argparse.ArgumentParser, data_opts: argparse.ArgumentParser
) -> None:
    out_help = f"output folder (default: {DEFAULT_OUT})"
    met = sub.add_parser(
        "metrics",
        help="NPS, CSAT and CES with intervals, by group (metrics.csv)",
        parents=[common, data_opts],
    )
    met.add_argument("data", metavar="DATA", help="data file or bundled data set")
    met.add_argument("--nps", default=None, metavar="COL", help="the 0-10 recommendation item")
    met.add_argument("--csat", default=None, metavar="COL", help="the satisfaction item")
    met.add_argument(
        "--csat-scale", type=_scale, default=None, metavar="LO,HI", help="its answer scale"
    )
    met.add_argument(
        "--csat-top", type=_positive, default=2, metavar="K", help="top-K box (default 2)"
    )
    met.add_argument("--ces", default=None, metavar="COL", help="the customer effort item")
    met.add_argument(
        "--ces-scale", type=_scale, default=None, metavar="LO,HI", help="its answer scale"
    )
    met.add_argument("--group", default=None, metavar="COL", help="scores by group or wave")
    met.add_argument("--conf", type=_level, default=0.95, help="interval level (default 0.95)")
    met.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=out_help)

    kano = sub.add_parser(
        "kano",
        help="Kano categories and better/worse coefficients (kano.csv, kano.png)",
        parents=[common, data_opts],
    )
    kano.add_argument("data", metavar="DATA", help="data file or bundled data set")
    kano.add_argument(
        "--pairs",
        type=_pairs,
        required=True,
        metavar="F1:D1,F2:D2",
        help="functional:dysfunctional column pairs (FEATURE=F:D names a feature)",
    )
    kano.add_argument("--size", choices=["single", "double"], default="single", help="chart width")
    kano.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=out_help)

    sq = sub.add_parser(
        "servqual",
        help="SERVQUAL gaps by dimension from a spec's servqual block (servqual.csv)",
        parents=[common, data_opts],
    )
    sq.add_argument("data", metavar="DATA", help="data file or bundled data set")
    sq.add_argument(
        "--spec",
        required=True,
        metavar="SPEC",
        help="YAML file or bundled model with a servqual block (such as 'servqual')",
    )
    sq.add_argument("--conf", type=_level, default=0.95, help="interval level (default 0.95)")
    sq.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=out_help)

    pw = sub.add_parser(
        "power",
        help="sample size and power: RMSEA tests (CB-SEM) or the inverse square root (PLS)",
        parents=[common],
    )
    pw.add_argument("--df", type=int, default=None, help="degrees of freedom of the model")
    pw.add_argument("--rmsea0", type=_number, default=None, help="RMSEA under H0, such as .05")
    pw.add_argument("--rmsea1", type=_number, default=None, help="RMSEA under H1, such as .08")
    pw.add_argument("--groups", type=_positive, default=1, help="number of groups (default 1)")
    pw.add_argument(
        "--pls", action="store_true", help="PLS: the inverse square root method instead"
    )
    pw.add_argument(
        "--min-path", type=_number, default=None, help="with --pls: the smallest path of interest"
    )
    pw.add_argument(
        "--tails", type=int, choices=[1, 2], default=1, help="with --pls: 1 (default) or 2"
    )
    target = pw.add_mutually_exclusive_group()
    target.add_argument("--power", type=_number, default=None, help="target power, such as .8")
    target.add_argument(
        "--n", type=_positive, nargs="+", default=None, metavar="N", help="sample size(s)"
    )
    pw.add_argument("--alpha", type=_number, default=0.05, help="significance level (.05)")
    pw.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=out_help)


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


def _write_tables(
    tables: dict[str, Any], folder_arg: str, summary: str, args: argparse.Namespace, out: TextIO
) -> list[Path]:
    """Write ``name.csv`` for every table, print the summary and what was written."""
    from sem_csat.output import contained_path, ensure_out_dir, write_csv

    folder = ensure_out_dir(folder_arg)
    files = [write_csv(t, contained_path(folder, f"{n}.csv")) for n, t in tables.items()]
    if not getattr(args, "quiet", False):
        out.write(summary + "\n\n")
    return files


def _done(files: Sequence[Path], folder: str, args: argparse.Namespace, out: TextIO) -> int:
    if not getattr(args, "quiet", False):
        out.write(f"Wrote {len(files)} file{'' if len(files) == 1 else 's'} to {folder}/\n")
    return EXIT_OK


def _notes(diagnostics: Sequence[Diagnostic]) -> None:
    for d in diagnostics:
        if d.severity != "info":
            _report(d)


def _cmd_metrics(args: argparse.Namespace, out: TextIO) -> int:
    from sem_csat.metrics import survey_metrics

    if args.nps is None and args.csat is None and args.ces is None:
        raise UsageError("Name at least one item: --nps COL, --csat COL or --ces COL.")
    if args.csat is not None and args.csat_scale is None:
        raise UsageError(
            "--csat needs --csat-scale LO,HI (the lowest and highest answers, such as 1,5) to "
            "know which answers are the top box."
        )
    if args.csat_scale is not None and args.csat is None:
        raise UsageError("--csat-scale is the scale of the CSAT item: give --csat COL too.")
    if args.ces_scale is not None and args.ces is None:
        raise UsageError("--ces-scale is the scale of the CES item: give --ces COL too.")
    raw = _read(args, args.data)
    result = survey_metrics(
        raw,
        nps=args.nps,
        csat=args.csat,
        ces=args.ces,
        csat_scale=args.csat_scale,
        csat_top=args.csat_top,
        ces_scale=args.ces_scale,
        group=args.group,
        conf=args.conf,
    )
    tables = {"metrics": result.table}
    if len(result.differences):
        tables["metric_differences"] = result.differences
    files = _write_tables(tables, args.out, result.summary().as_text(), args, out)
    _notes(result.diagnostics)
    return _done(files, args.out, args, out)


def _cmd_kano(args: argparse.Namespace, out: TextIO) -> int:
    from sem_csat.metrics import kano
    from sem_csat.output import contained_path

    features = [f for f, _, _ in args.pairs]
    twice = next((f for f in features if features.count(f) > 1), None)
    if twice is not None:
        raise UsageError(
            f"The Kano feature '{twice}' is given twice in --pairs; name each feature once "
            "(FEATURE=F:D names a feature)."
        )
    raw = _read(args, args.data)
    result = kano(raw, {f: (fn, dy) for f, fn, dy in args.pairs})
    files = _write_tables({"kano": result.table}, args.out, result.summary().as_text(), args, out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chart = result.figure(args.size)
        for ext in ("png", "pdf"):
            files.append(chart.save(contained_path(Path(args.out), f"kano.{ext}")))
    _notes(result.diagnostics)
    return _done(files, args.out, args, out)


def _cmd_servqual(args: argparse.Namespace, out: TextIO) -> int:
    from sem_csat.metrics import spec_servqual
    from sem_csat.spec.library import load_spec

    spec = load_spec(args.spec)
    raw = _read(args, args.data)
    result = spec_servqual(spec, raw, conf=args.conf)
    tables = {"servqual": result.table, "servqual_items": result.items}
    files = _write_tables(tables, args.out, result.summary().as_text(), args, out)
    _notes(result.diagnostics)
    return _done(files, args.out, args, out)


def _cmd_power(args: argparse.Namespace, out: TextIO) -> int:
    from sem_csat.power import pls_plan, rmsea_plan

    rmsea = {"--df": args.df, "--rmsea0": args.rmsea0, "--rmsea1": args.rmsea1}
    plan: Any
    if args.pls:
        given = [k for k, v in rmsea.items() if v is not None]
        if given or args.groups != 1:
            given = given or ["--groups"]
            verb = "belongs" if len(given) == 1 else "belong"
            raise UsageError(
                f"{', '.join(given)} {verb} to the RMSEA power analysis of CB-SEM; with --pls "
                "give --min-path (the smallest path of interest) or --n."
            )
        if args.n is not None and len(args.n) > 1:
            raise UsageError("With --pls give one sample size (--n N).")
        plan = pls_plan(
            min_path=args.min_path,
            n=None if args.n is None else args.n[0],
            alpha=args.alpha,
            power=0.8 if args.power is None else args.power,
            tails=args.tails,
        )
    else:
        missing = [k for k, v in rmsea.items() if v is None]
        if missing:
            raise UsageError(
                f"Give {', '.join(missing)} for the RMSEA power analysis (such as --df 50 "
                "--rmsea0 .05 --rmsea1 .08), or --pls --min-path 0.2 for a PLS model."
            )
        if args.min_path is not None:
            raise UsageError("--min-path is for the PLS rule: add --pls (and leave out --df).")
        if args.power is None and args.n is None:
            raise UsageError(
                "Give --power (such as .8) for the sample size, or --n N for the power."
            )
        plan = rmsea_plan(
            args.df,
            args.rmsea0,
            args.rmsea1,
            n=args.n,
            power=args.power,
            alpha=args.alpha,
            groups=args.groups,
        )
    files = _write_tables({"power": plan.table}, args.out, plan.summary().as_text(), args, out)
    return _done(files, args.out, args, out)


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
        survey = {
            "metrics": _cmd_metrics,
            "kano": _cmd_kano,
            "servqual": _cmd_servqual,
            "power": _cmd_power,
        }
        if args.command in survey:
            return survey[args.command](args, sys.stdout)
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
