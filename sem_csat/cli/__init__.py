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

import sys
import traceback
from collections.abc import Sequence

from sem_csat.cli.commands import (
    cmd_demo,
    cmd_diagram,
    cmd_fit,
    cmd_quality,
    cmd_specs,
    cmd_validate,
)
from sem_csat.cli.parser import build_parser
from sem_csat.cli.survey import cmd_kano, cmd_metrics, cmd_power, cmd_servqual
from sem_csat.cli.values import EXIT_INTERNAL, EXIT_USAGE, join_code_lists
from sem_csat.errors import SemCsatError, UsageError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 internal error or a fit that did
    not converge, 2 user error)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(join_code_lists(args_list))
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    debug = bool(getattr(args, "debug", False))
    try:
        if args.command == "specs":
            return cmd_specs(args, sys.stdout)
        if args.command == "validate":
            return cmd_validate(args, sys.stdout)
        if args.command == "fit":
            return cmd_fit(args, sys.stdout, ["sem-csat", *args_list])
        if args.command == "quality":
            return cmd_quality(args, sys.stdout)
        if args.command == "diagram":
            return cmd_diagram(args, sys.stdout)
        if args.command == "demo":
            return cmd_demo(args, sys.stdout, ["sem-csat", *args_list])
        survey = {
            "metrics": cmd_metrics,
            "kano": cmd_kano,
            "servqual": cmd_servqual,
            "power": cmd_power,
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
