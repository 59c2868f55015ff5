"""The ``sem-csat`` argument parser: its commands and their options."""

from __future__ import annotations

import argparse
from typing import Any

from sem_csat._version import __version__
from sem_csat.cli.values import (
    DEFAULT_OUT,
    DEFAULT_RESAMPLES,
    ExtendCodes,
    Parser,
    codes,
    jobs,
    level,
    number,
    pairs,
    positive,
    resamples,
    scale,
    seed,
)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every ``sem-csat`` command and its options."""
    common = Parser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks"
    )
    common.add_argument(
        "--quiet", action="store_true", default=argparse.SUPPRESS, help="print no summary"
    )

    parser = Parser(
        prog="sem-csat",
        description="Customer-satisfaction structural equation modeling (PLS path modeling).",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"sem-csat {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True

    sub.add_parser("specs", help="list the bundled models", parents=[common])

    data_opts = Parser(add_help=False)
    data_opts.add_argument(
        "--na-values",
        nargs="+",
        type=codes,
        action=ExtendCodes,
        default=[],
        metavar="V",
        help="codes that mean 'no answer', separated by spaces or commas, e.g. "
        "--na-values -99 999 or --na-values=-99,-98",
    )
    missing_opt = Parser(add_help=False)
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
        type=seed,
        default=None,
        help="random seed of the bootstrap (recorded in run.json)",
    )
    fit.add_argument(
        "--bootstrap",
        type=resamples,
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
        "--conf", type=level, default=0.95, help="confidence level of the intervals (default 0.95)"
    )
    fit.add_argument(
        "--jobs", type=jobs, default=1, metavar="J", help="worker processes for the bootstrap"
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
        type=resamples,
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
        "--csat-scale", type=scale, default=None, metavar="LO,HI", help="its answer scale"
    )
    met.add_argument(
        "--csat-top", type=positive, default=2, metavar="K", help="top-K box (default 2)"
    )
    met.add_argument("--ces", default=None, metavar="COL", help="the customer effort item")
    met.add_argument(
        "--ces-scale", type=scale, default=None, metavar="LO,HI", help="its answer scale"
    )
    met.add_argument("--group", default=None, metavar="COL", help="scores by group or wave")
    met.add_argument("--conf", type=level, default=0.95, help="interval level (default 0.95)")
    met.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=out_help)

    kano = sub.add_parser(
        "kano",
        help="Kano categories and better/worse coefficients (kano.csv, kano.png)",
        parents=[common, data_opts],
    )
    kano.add_argument("data", metavar="DATA", help="data file or bundled data set")
    kano.add_argument(
        "--pairs",
        type=pairs,
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
    sq.add_argument("--conf", type=level, default=0.95, help="interval level (default 0.95)")
    sq.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=out_help)

    pw = sub.add_parser(
        "power",
        help="sample size and power: RMSEA tests (CB-SEM) or the inverse square root (PLS)",
        parents=[common],
    )
    pw.add_argument("--df", type=int, default=None, help="degrees of freedom of the model")
    pw.add_argument("--rmsea0", type=number, default=None, help="RMSEA under H0, such as .05")
    pw.add_argument("--rmsea1", type=number, default=None, help="RMSEA under H1, such as .08")
    pw.add_argument("--groups", type=positive, default=1, help="number of groups (default 1)")
    pw.add_argument(
        "--pls", action="store_true", help="PLS: the inverse square root method instead"
    )
    pw.add_argument(
        "--min-path", type=number, default=None, help="with --pls: the smallest path of interest"
    )
    pw.add_argument(
        "--tails", type=int, choices=[1, 2], default=1, help="with --pls: 1 (default) or 2"
    )
    target = pw.add_mutually_exclusive_group()
    target.add_argument("--power", type=number, default=None, help="target power, such as .8")
    target.add_argument(
        "--n", type=positive, nargs="+", default=None, metavar="N", help="sample size(s)"
    )
    pw.add_argument("--alpha", type=number, default=0.05, help="significance level (.05)")
    pw.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=out_help)
