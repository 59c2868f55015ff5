"""Values of the command line's options: exit statuses, defaults and the argument types
(each refuses a bad value with one sentence)."""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_NOT_CONVERGED = 1  # the estimation finished without converging (documented)

DEFAULT_OUT = "sem-csat-results"
#: Resamples of a group comparison when --permutations or --bootstrap is not given.
DEFAULT_RESAMPLES = 5000


class Parser(argparse.ArgumentParser):
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


def codes(value: str) -> list[float | str]:
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


def join_code_lists(argv: Sequence[str]) -> list[str]:
    """Let numeric ``--na-values`` lists that start with ``-`` reach the option.

    argparse takes ``-99`` for a negative number but ``-99,-98`` for an unknown option, so
    ``--na-values -99,-98`` would fail with a puzzling message.  Such a list after the option is
    passed with a leading space, which argparse reads as a value (:func:`codes` strips it).
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


class ExtendCodes(argparse.Action):
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


def seed(value: str) -> int:
    """A --seed: a whole number, not negative."""
    try:
        seed = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the seed must be a whole number, got {value!r}"
        ) from None
    if seed < 0:
        raise argparse.ArgumentTypeError(f"the seed must not be negative, got {seed}")
    return seed


def resamples(value: str) -> int:
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


def level(value: str) -> float:
    """A --level: a confidence level strictly between 0 and 1."""
    try:
        level = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the level must be a number, got {value!r}") from None
    if not 0 < level < 1:
        raise argparse.ArgumentTypeError(
            f"the level must lie between 0 and 1 (such as 0.95), got {value}"
        )
    return level


def scale(value: str) -> tuple[float, float]:
    """A scale given as ``LOWEST,HIGHEST`` (lowest below highest)."""
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


def pairs(value: str) -> list[tuple[str, str, str]]:
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


def positive(value: str) -> int:
    """A positive whole number."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"give a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"give a positive whole number, got {n}")
    return n


def number(value: str) -> float:
    """Any number."""
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"give a number, got {value!r}") from None


def jobs(value: str) -> int:
    """A --jobs value: a positive number of workers, or -1 for all cores."""
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"jobs must be a whole number, got {value!r}") from None
    if jobs == 0 or jobs < -1:
        raise argparse.ArgumentTypeError(
            f"jobs must be a positive number or -1 (all cores), got {jobs}"
        )
    return jobs
