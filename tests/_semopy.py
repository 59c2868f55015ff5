"""semopy as an independent cross-check of the CB-SEM parameter table (tests only).

sem_csat never imports semopy: the pipeline builds its own parameter table from the spec and
estimates on it.  The tests use semopy (pinned ``semopy>=2.3.11,<2.4`` in the ``dev`` extra) as
a second reader of the same model: :func:`semopy_text` writes a spec as semopy syntax with every
lavaan default spelled out (marker loadings, a single indicator's residual variance fixed at 0),
and :func:`implied_by_semopy` puts the pipeline's estimates into semopy's own matrices and lets
semopy compute Σ.  If both programs read the model alike, that Σ is the pipeline's.

Only bundled and reference specs are translated, and the text is generated from their validated
names, never copied from a file (semopy hands some operators to ``eval``:
``docs/semopy_audit.md``, item 11).  Specs with features this translator does not write (formative
constructs, reliabilities, mean structures, ``:=``, ``==``, higher-order constructs) are refused.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from sem_csat.spec.model import ModelSpec

__all__ = ["implied_by_semopy", "semopy_text"]

_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
Key = tuple[str, str, str] | tuple[str, frozenset[str]]


def _name(name: str) -> str:
    if not _NAME_RE.fullmatch(name):
        raise ValueError(f"{name!r} is not written into semopy syntax by the test translator")
    return name


def _term(name: str, label: str | None, fixed: float | None) -> str:
    if fixed is not None:
        return f"{float(fixed)!r}*{_name(name)}"
    return f"{_name(label)}*{_name(name)}" if label else _name(name)


def semopy_text(spec: ModelSpec) -> str:
    """The spec as semopy syntax, lavaan's defaults written out.

    The first loading of a construct is fixed at 1 unless the spec fixes one of its loadings;
    the residual variance of a single indicator is fixed at 0 unless the spec gives it.

    Raises
    ------
    ValueError
        For anything this small translator does not write.
    """
    if spec.meanstructure or spec.intercepts or spec.defined or spec.constraints:
        raise ValueError("the test translator writes covariance structures only")
    lines: list[str] = []
    user_variances = {c.left for c in spec.covariances if c.left == c.right}
    single: list[str] = []
    for c in spec.constructs:
        if c.mode != "reflective" or c.reliability is not None or c.is_higher_order:
            raise ValueError(f"construct {c.name!r} is not a plain reflective construct")
        any_fixed = any(i.fixed is not None for i in c.indicators)
        terms = [
            _term(i.name, i.label, 1.0 if k == 0 and not any_fixed else i.fixed)
            for k, i in enumerate(c.indicators)
        ]
        lines.append(f"{_name(c.name)} =~ " + " + ".join(terms))
        if len(c.indicators) == 1 and c.indicators[0].name not in user_variances:
            single.append(c.indicators[0].name)
    for target in spec.construct_names:
        terms = [_term(p.source, p.label, p.fixed) for p in spec.paths if p.target == target]
        if terms:
            lines.append(f"{_name(target)} ~ " + " + ".join(terms))
    for cov in spec.covariances:
        lines.append(f"{_name(cov.left)} ~~ {_term(cov.right, cov.label, cov.fixed)}")
    lines += [f"{_name(item)} ~~ 0.0*{item}" for item in single]
    return "\n".join(lines)


def _key(lhs: str, op: str, rhs: str) -> Key:
    return ("~~", frozenset((lhs, rhs))) if op == "~~" else (lhs, op, rhs)


def implied_by_semopy(
    spec: ModelSpec, sample_cov: pd.DataFrame, n_obs: int, params: pd.DataFrame
) -> tuple[pd.DataFrame, set[Key], set[Key]]:
    """Σ computed by semopy from the estimates in ``params`` (``lhs, op, rhs, estimate``).

    Returns
    -------
    sigma, semopy_free, table_rows
        semopy's Σ (rows and columns in semopy's order of the observed variables), the keys of
        semopy's free parameters and the keys of the rows of ``params`` (variances and
        covariances keyed without orientation).
    """
    import semopy

    logger = logging.getLogger()
    level = logger.level
    logger.setLevel(logging.ERROR)  # semopy logs on the root logger
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = semopy.Model(semopy_text(spec))
            obs = list(sample_cov.index)
            model.load(cov=sample_cov.loc[obs, obs], n_samples=int(n_obs))
    finally:
        logger.setLevel(level)
    names = dict(zip(map(id, model.matrices), model.matrices_names, strict=True))
    rows_cols: Mapping[str, tuple[list[str], list[str]]] = {
        "lambda": model.names_lambda,
        "beta": model.names_beta,
        "psi": model.names_psi,
        "theta": model.names_theta,
    }
    estimates = {
        _key(str(a), str(o), str(b)): float(v)
        for a, o, b, v in zip(
            params["lhs"], params["op"], params["rhs"], params["estimate"], strict=True
        )
    }
    x = np.zeros(len(model.param_vals))
    free: set[Key] = set()
    k = 0
    for par in model.parameters.values():
        if not par.active:
            continue
        keys: list[Key] = []
        for loc in par.locations:  # a shared label: one parameter in several places
            matrix = names[id(loc.matrix)]
            rows, cols = rows_cols[matrix]
            r, c = rows[int(loc.indices[0])], cols[int(loc.indices[1])]
            if matrix == "lambda":
                keys.append((c, "=~", r))
            elif matrix == "beta":
                keys.append((r, "~", c))
            else:
                keys.append(("~~", frozenset((r, c))))
        free.update(keys)
        x[k] = estimates[keys[0]]
        k += 1
    model.update_matrices(x)
    sigma, _ = model.calc_sigma()
    observed = list(model.names_theta[0])
    frame = pd.DataFrame(sigma, index=observed, columns=observed)
    return frame, free, set(estimates)
