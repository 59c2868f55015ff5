"""Which optional features a spec uses, and the sentence an engine refuses them with.

Engines declare the features they support as data (a frozenset of the keys of
:data:`FEATURES`) and call :func:`refuse_unsupported` at the start of ``fit``, so that a model
an engine cannot estimate faithfully is refused with one sentence instead of being estimated
without the part it ignores::

    PLS_FEATURES = frozenset()                      # sem_csat.pls.model
    refuse_unsupported(spec, "PLS", PLS_FEATURES)

Feature keys (stable; other modules use them):

``higher_order``
    a construct made of constructs (``dimensions``);
``interactions``
    an interaction term (``A:B`` in lavaan, ``interactions:`` in YAML);
``defined``
    a defined parameter (``:=``);
``constraints``
    an equality constraint (``==``);
``meanstructure``
    intercepts or means (``~ 1``), or ``meanstructure: true``;
``fixed_values``
    a loading, path, covariance or dimension fixed at a number (``1*x``);
``equality_labels``
    one label on several parameters (lavaan's way of making them equal).

Examples
--------
>>> from sem_csat.spec import ModelSpec
>>> spec = ModelSpec.from_lavaan("f =~ 1*x1 + a*x2 + a*x3\\ng =~ y1 + y2\\ng ~ f")
>>> sorted(spec_features(spec))
['equality_labels', 'fixed_values']
>>> print(unsupported_message(spec, "PLS", frozenset()))  # doctest: +ELLIPSIS
Fixed parameter values are not yet supported for PLS (f =~ 1*x1); remove the fixed value, ...
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sem_csat.errors import SpecError
from sem_csat.spec.checks import format_term

if TYPE_CHECKING:
    from sem_csat.spec.model import ModelSpec

__all__ = ["FEATURES", "refuse_unsupported", "spec_features", "unsupported_message"]

#: Optional spec features and how a message names them (plural, capitalized).
FEATURES: dict[str, str] = {
    "higher_order": "Higher-order constructs",
    "interactions": "Interaction terms",
    "defined": "Defined parameters (':=')",
    "constraints": "Equality constraints ('==')",
    "meanstructure": "Intercepts and means ('~ 1')",
    "fixed_values": "Fixed parameter values",
    "equality_labels": "Equality labels (one label on several parameters)",
}

_HINTS: dict[str, str] = {
    "higher_order": (
        "until then, fit its dimensions as first-order constructs, or use a method that "
        "supports higher-order constructs"
    ),
    "interactions": "remove the interaction term, or use a method that supports it",
    "defined": "remove the ':=' lines and compute the quantity from the estimates",
    "constraints": "remove the '==' lines",
    "meanstructure": "remove the intercepts ('~ 1') and 'meanstructure'",
    "fixed_values": (
        "remove the fixed value, since {engine} estimates every weight, loading and path from "
        "the data"
    ),
    "equality_labels": (
        "give each parameter its own label or none, since {engine} estimates every parameter freely"
    ),
}


def spec_features(spec: ModelSpec) -> dict[str, str]:
    """The optional features ``spec`` uses, each with the first place it is used.

    Returns
    -------
    dict
        Feature key (see :data:`FEATURES`) to a short text such as ``"f =~ 1*x1"``, in the
        order of :data:`FEATURES`.
    """
    found: dict[str, str] = {}
    hoc = [c for c in spec.constructs if c.is_higher_order]
    if hoc:
        c = hoc[0]
        found["higher_order"] = f"'{c.name}' is made of {', '.join(c.dimension_names)}"
    if spec.interactions:
        i = spec.interactions[0]
        found["interactions"] = f"'{i.name}' = {i.left} x {i.right}"
    if spec.defined:
        found["defined"] = spec.defined[0].text
    if spec.constraints:
        found["constraints"] = spec.constraints[0].text
    if spec.intercepts:
        i0 = spec.intercepts[0]
        found["meanstructure"] = f"{i0.variable} ~ {format_term('1', i0.label, i0.fixed)}"
    elif spec.meanstructure:
        found["meanstructure"] = "meanstructure: true"
    fixed = _first_fixed(spec)
    if fixed:
        found["fixed_values"] = fixed
    if spec.shared_labels:
        label = spec.shared_labels[0]
        params = [p for lab, p in spec.labelled_parameters() if lab == label]
        found["equality_labels"] = f"label '{label}' on {' and '.join(params[:2])}"
    return {k: found[k] for k in FEATURES if k in found}


def _first_fixed(spec: ModelSpec) -> str | None:
    for c in spec.constructs:
        op = "=~" if c.mode == "reflective" else "<~"
        for i in (*c.indicators, *c.dimensions):
            if i.fixed is not None:
                return f"{c.name} {op} {format_term(i.name, None, i.fixed)}"
    for p in spec.paths:
        if p.fixed is not None:
            return f"{p.target} ~ {format_term(p.source, None, p.fixed)}"
    for v in spec.covariances:
        if v.fixed is not None:
            return f"{v.left} ~~ {format_term(v.right, None, v.fixed)}"
    return None


def unsupported_message(
    spec: ModelSpec,
    engine: str,
    supported: frozenset[str] | set[str],
    hints: Mapping[str, str] | None = None,
) -> str | None:
    """The sentence that refuses the first feature of ``spec`` that ``engine`` does not support.

    Parameters
    ----------
    spec
        The model.
    engine
        The engine's name as users know it (``"PLS"``, ``"CB-SEM"``).
    supported
        Feature keys (:data:`FEATURES`) the engine supports.
    hints
        Per feature, what the user can do instead (replaces the default advice; ``{engine}``
        is filled in).

    Returns
    -------
    str or None
        ``None`` when the engine supports every feature the spec uses.
    """
    unknown = set(supported) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown spec features {sorted(unknown)}; known: {sorted(FEATURES)}")
    for key, where in spec_features(spec).items():
        if key in supported:
            continue
        hint = (hints or {}).get(key, _HINTS[key]).format(engine=engine)
        return f"{FEATURES[key]} are not yet supported for {engine} ({where}); {hint}."
    return None


def refuse_unsupported(
    spec: ModelSpec,
    engine: str,
    supported: frozenset[str] | set[str],
    hints: Mapping[str, str] | None = None,
) -> None:
    """Raise :class:`SpecError` with :func:`unsupported_message` when there is one."""
    message = unsupported_message(spec, engine, supported, hints)
    if message is not None:
        raise SpecError(message)
