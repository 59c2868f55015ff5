"""The survey commands beside the model: ``metrics``, ``kano``, ``servqual`` and ``power``."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any, TextIO

from sem_csat.cli.commands import print_notes, print_written, read_source, write_tables
from sem_csat.errors import UsageError


def cmd_metrics(args: argparse.Namespace, out: TextIO) -> int:
    """``sem-csat metrics``: NPS, CSAT and CES with intervals, by group (metrics.csv)."""
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
    raw = read_source(args, args.data)
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
    files = write_tables(tables, args.out, result.summary().as_text(), args, out)
    print_notes(result.diagnostics)
    return print_written(files, args.out, args, out)


def cmd_kano(args: argparse.Namespace, out: TextIO) -> int:
    """``sem-csat kano``: Kano categories from functional/dysfunctional item pairs."""
    from sem_csat.metrics import kano
    from sem_csat.output import contained_path

    features = [f for f, _, _ in args.pairs]
    twice = next((f for f in features if features.count(f) > 1), None)
    if twice is not None:
        raise UsageError(
            f"The Kano feature '{twice}' is given twice in --pairs; name each feature once "
            "(FEATURE=F:D names a feature)."
        )
    raw = read_source(args, args.data)
    result = kano(raw, {f: (fn, dy) for f, fn, dy in args.pairs})
    files = write_tables({"kano": result.table}, args.out, result.summary().as_text(), args, out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chart = result.figure(args.size)
        for ext in ("png", "pdf"):
            files.append(chart.save(contained_path(Path(args.out), f"kano.{ext}")))
    print_notes(result.diagnostics)
    return print_written(files, args.out, args, out)


def cmd_servqual(args: argparse.Namespace, out: TextIO) -> int:
    """``sem-csat servqual``: SERVQUAL gap scores per dimension."""
    from sem_csat.metrics import spec_servqual
    from sem_csat.spec.library import load_spec

    spec = load_spec(args.spec)
    raw = read_source(args, args.data)
    result = spec_servqual(spec, raw, conf=args.conf)
    tables = {"servqual": result.table, "servqual_items": result.items}
    files = write_tables(tables, args.out, result.summary().as_text(), args, out)
    print_notes(result.diagnostics)
    return print_written(files, args.out, args, out)


def cmd_power(args: argparse.Namespace, out: TextIO) -> int:
    """``sem-csat power``: the power or the sample size of a CB-SEM (RMSEA) or PLS test."""
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
    files = write_tables({"power": plan.table}, args.out, plan.summary().as_text(), args, out)
    return print_written(files, args.out, args, out)
