"""The rules a :class:`~sem_csat.spec.model.ModelSpec` is checked against when it is built.

Each rule raises one :class:`~sem_csat.errors.SpecError` sentence that names the construct,
item, label or path concerned and says how to fix it; :func:`spec_diagnostics` lists what is
legal but probably unintended.  The rules, in the order they are checked:

1. construct names are unique; an item name is not a construct name and belongs to one
   construct only;
2. every dimension of a higher-order construct is a declared construct, is a dimension of one
   higher-order construct only, and the dimensions form no cycle;
3. interaction terms join two declared constructs, have new names, are not declared twice and
   are the source of at least one path;
4. paths join declared constructs (sources may be interaction terms), are not declared twice,
   do not link a higher-order construct with its own dimension, and -- together with the
   links of higher-order constructs -- form no cycle;
5. covariances join two constructs or two indicators;
6. intercepts belong to an indicator or a construct, once each;
7. defined parameters have new names and use only parameter labels or earlier defined
   parameters; constraints use only those and constrain something;
8. the items of the ``servqual`` and ``metrics`` blocks are not construct names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sem_csat.diagnostics import Diagnostic
from sem_csat.errors import SpecError, SpecWarning
from sem_csat.spec.checks import did_you_mean

if TYPE_CHECKING:
    from sem_csat.spec.expressions import Expression
    from sem_csat.spec.model import ModelSpec

__all__ = ["spec_diagnostics", "validate"]


def validate(spec: ModelSpec) -> None:
    """Check ``spec`` against every rule; raise :class:`SpecError` on the first one broken."""
    where = f" in {spec.source}" if spec.source else ""
    if not spec.constructs:
        raise SpecError(f"The model '{spec.name}'{where} declares no constructs.")
    names = [c.name for c in spec.constructs]
    constructs = _constructs(spec, names, where)
    owner = _indicators(spec, constructs, where)
    _dimensions(spec, constructs, owner, where)
    interactions = _interactions(spec, constructs, owner, where)
    _paths(spec, constructs, owner, interactions, where)
    _covariances(spec, constructs, owner, where)
    _intercepts(spec, constructs, owner, interactions, where)
    _expressions(spec, constructs, owner, interactions, where)
    _blocks(spec, constructs, interactions, where)


def _constructs(spec: ModelSpec, names: list[str], where: str) -> set[str]:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise SpecError(f"Construct '{n}' is declared twice{where}; give each a unique name.")
        seen.add(n)
    return seen


def _indicators(spec: ModelSpec, constructs: set[str], where: str) -> dict[str, str]:
    owner: dict[str, str] = {}
    for c in spec.constructs:
        for i in c.indicator_names:
            if i in constructs:
                raise SpecError(
                    f"Indicator '{i}' of construct '{c.name}' has the name of a construct"
                    f"{where}. If '{c.name}' is a higher-order construct made of constructs, "
                    "list them under 'dimensions:' instead of 'indicators:' (in lavaan syntax, "
                    f"'{c.name} =~ {i} + ...' is read as a higher-order construct "
                    "automatically when the names on the right are constructs); otherwise "
                    "rename one of them."
                )
            if i in owner:
                raise SpecError(
                    f"Indicator '{i}' is listed under both '{owner[i]}' and '{c.name}'{where}; "
                    "an item can measure only one construct (copy the column under a new "
                    "name if you really need it twice)."
                )
            owner[i] = c.name
    return owner


def _dimensions(spec: ModelSpec, constructs: set[str], owner: dict[str, str], where: str) -> None:
    parent: dict[str, str] = {}
    for c in spec.constructs:
        for d in c.dimension_names:
            if d not in constructs:
                extra = (
                    f" '{d}' is an item of '{owner[d]}'; a higher-order construct is made of "
                    "constructs, so list the items under a construct of their own."
                    if d in owner
                    else " Declare it as a construct with its own indicators."
                )
                raise SpecError(
                    f"Dimension '{d}' of higher-order construct '{c.name}'{where} is not a "
                    f"declared construct{did_you_mean(d, sorted(constructs))}.{extra}"
                )
            if d in parent:
                raise SpecError(
                    f"Construct '{d}' is a dimension of both '{parent[d]}' and '{c.name}'"
                    f"{where}; a construct can be a dimension of only one higher-order "
                    "construct (give the other one a construct of its own)."
                )
            parent[d] = c.name
    for start in parent:
        chain = [start]
        node = start
        while node in parent:
            node = parent[node]
            if node in chain:
                cycle = [*chain[chain.index(node) :], node]
                raise SpecError(
                    f"The dimensions{where} form a cycle ({' -> '.join(reversed(cycle))}: each "
                    "is made of the next); a higher-order construct cannot be a dimension of "
                    "its own dimensions."
                )
            chain.append(node)


def _interactions(
    spec: ModelSpec, constructs: set[str], owner: dict[str, str], where: str
) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    pairs: dict[frozenset[str], str] = {}
    for i in spec.interactions:
        if i.name in constructs or i.name in owner or i.name in out:
            what = (
                "a construct"
                if i.name in constructs
                else "an indicator"
                if i.name in owner
                else "another interaction"
            )
            raise SpecError(
                f"The interaction '{i.name}'{where} has the name of {what}; give it a new name."
            )
        for end in i.constructs:
            if end not in constructs:
                extra = f" ('{end}' is an item of '{owner[end]}')" if end in owner else ""
                raise SpecError(
                    f"The interaction '{i.name}'{where} uses '{end}', which is not a declared "
                    f"construct{did_you_mean(end, sorted(constructs))}{extra}; an interaction "
                    "term multiplies two constructs."
                )
        pair = frozenset(i.constructs)
        if pair in pairs:
            raise SpecError(
                f"The interactions '{pairs[pair]}' and '{i.name}'{where} both multiply "
                f"'{i.left}' and '{i.right}'; keep one of them."
            )
        pairs[pair] = i.name
        out[i.name] = i.constructs
    used = {p.source for p in spec.paths}
    for name, (left, right) in out.items():
        if name not in used:
            raise SpecError(
                f"The interaction '{name}' ({left} x {right}){where} is not used in any path; "
                f"add a path such as '{name} -> Outcome', or remove it."
            )
    return out


def _paths(
    spec: ModelSpec,
    constructs: set[str],
    owner: dict[str, str],
    interactions: dict[str, tuple[str, str]],
    where: str,
) -> None:
    names = [c.name for c in spec.constructs]
    parent = {d: c.name for c in spec.constructs for d in c.dimension_names}
    pairs: set[tuple[str, str]] = set()
    for p in spec.paths:
        for end in (p.source, p.target):
            if end in constructs or (end == p.source and end in interactions):
                continue
            if end in interactions:
                raise SpecError(
                    f"The path {p.source} -> {p.target}{where} points at the interaction term "
                    f"'{end}'; an interaction term can only be the source of a path."
                )
            hint = did_you_mean(end, [*names, *interactions])
            extra = (
                f" '{end}' is an indicator of '{owner[end]}'; paths connect constructs."
                if end in owner
                else ""
            )
            raise SpecError(
                f"The path {p.source} -> {p.target}{where} uses '{end}', which is not a "
                f"declared construct{hint}.{extra}"
            )
        if p.source == p.target:
            raise SpecError(
                f"The path {p.source} -> {p.target}{where} points from a construct to itself; "
                "remove it."
            )
        if p.target in interactions.get(p.source, ()):
            raise SpecError(
                f"The path {p.source} -> {p.target}{where} points from the interaction "
                f"'{p.source}' to '{p.target}', one of the two constructs it is made of; "
                "remove it."
            )
        for hoc, dim in ((p.source, p.target), (p.target, p.source)):
            if parent.get(dim) == hoc:
                raise SpecError(
                    f"The path {p.source} -> {p.target}{where} links the higher-order construct "
                    f"'{hoc}' with its own dimension '{dim}', which the higher-order construct "
                    "already relates to through 'dimensions'; remove the path."
                )
        if (p.source, p.target) in pairs:
            raise SpecError(f"The path {p.source} -> {p.target} is declared twice{where}.")
        pairs.add((p.source, p.target))
    cycle = _find_cycle(names, spec.structural_edges())
    if cycle:
        via = " and the dimensions of higher-order constructs" if parent else ""
        raise SpecError(
            f"The paths{via}{where} form a cycle ({' -> '.join(cycle)}); PLS path modeling and "
            "sem_csat's engines need a recursive (acyclic) structural model, so remove one "
            "of these paths."
        )


def _find_cycle(names: list[str], edges: tuple[tuple[str, str], ...]) -> list[str]:
    succ: dict[str, list[str]] = {n: [] for n in names}
    for s, t in edges:
        succ[s].append(t)
    state: dict[str, int] = {}
    for start in names:
        if start in state:
            continue
        # iterative depth-first search (a long chain must not exhaust Python's stack)
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = [start]
        state[start] = 1
        while stack:
            node, k = stack[-1]
            if k < len(succ[node]):
                stack[-1] = (node, k + 1)
                nxt = succ[node][k]
                if state.get(nxt) == 1:
                    return [*path[path.index(nxt) :], nxt]
                if nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, 0))
                    path.append(nxt)
            else:
                state[node] = 2
                stack.pop()
                path.pop()
    return []


def _covariances(spec: ModelSpec, constructs: set[str], owner: dict[str, str], where: str) -> None:
    allowed = constructs | set(owner)
    for cov in spec.covariances:
        for end in (cov.left, cov.right):
            if end not in allowed:
                raise SpecError(
                    f"The covariance {cov.left} ~~ {cov.right}{where} uses '{end}', which is "
                    f"neither a construct nor an indicator{did_you_mean(end, sorted(allowed))}."
                )
        if (cov.left in constructs) != (cov.right in constructs):
            raise SpecError(
                f"The covariance {cov.left} ~~ {cov.right}{where} links a construct with an "
                "indicator; covariances are between two constructs or two indicators."
            )


def _intercepts(
    spec: ModelSpec,
    constructs: set[str],
    owner: dict[str, str],
    interactions: dict[str, tuple[str, str]],
    where: str,
) -> None:
    allowed = constructs | set(owner)
    seen: set[str] = set()
    for i in spec.intercepts:
        if i.variable not in allowed:
            extra = (
                " An interaction term has no intercept of its own."
                if i.variable in interactions
                else ""
            )
            raise SpecError(
                f"The intercept {i.variable} ~ 1{where} belongs to '{i.variable}', which is "
                f"neither a construct nor an indicator{did_you_mean(i.variable, sorted(allowed))}."
                f"{extra}"
            )
        if i.variable in seen:
            raise SpecError(f"The intercept {i.variable} ~ 1 is declared twice{where}.")
        seen.add(i.variable)


def _expressions(
    spec: ModelSpec,
    constructs: set[str],
    owner: dict[str, str],
    interactions: dict[str, tuple[str, str]],
    where: str,
) -> None:
    labels = {label for label, _ in spec.labelled_parameters()}
    later = {d.name for d in spec.defined}
    defined: set[str] = set()

    def check_names(expr: Expression, what: str) -> None:
        for n in expr.ordered_names:
            if n in labels or n in defined:
                continue
            if n in later:
                reason = f"which is defined only after it; define '{n}' first"
            elif n in constructs or n in owner or n in interactions:
                kind = (
                    "a construct"
                    if n in constructs
                    else "an indicator"
                    if n in owner
                    else "an interaction term"
                )
                reason = (
                    f"which is {kind}, not a parameter label; label the parameter you mean, "
                    "as in 'Sat ~ b1*Image', and use the label"
                )
            else:
                hint = did_you_mean(n, sorted(labels | defined))
                reason = (
                    f"which is not a parameter label{hint}; label a parameter in the model, as "
                    f"in 'Sat ~ {n}*Image'"
                )
            raise SpecError(f"{what}{where} uses '{n}', {reason}.")

    for d in spec.defined:
        what = f"The defined parameter '{d.name}'"
        clash = (
            "a construct"
            if d.name in constructs
            else "an indicator"
            if d.name in owner
            else "an interaction term"
            if d.name in interactions
            else "a parameter label"
            if d.name in labels
            else None
        )
        if clash:
            raise SpecError(f"{what}{where} has the name of {clash}; give it a new name.")
        if d.name in defined:
            raise SpecError(f"{what} is defined twice{where}; keep one definition.")
        if not d.expression.names:
            raise SpecError(
                f"{what}{where} is the constant {d.expression.text}; a defined parameter is a "
                "function of labelled parameters, such as 'a*b'."
            )
        check_names(d.expression, what)
        defined.add(d.name)
    for c in spec.constraints:
        what = f"The constraint {c.text}"
        check_names(c.left, what)
        check_names(c.right, what)
        linear = spec.expand(c.residual).linear()
        if linear is not None and not linear[0]:
            truth = "always true" if linear[1] == 0 else "never true"
            raise SpecError(f"{what}{where} is {truth} and constrains no parameter; remove it.")


def _blocks(
    spec: ModelSpec,
    constructs: set[str],
    interactions: dict[str, tuple[str, str]],
    where: str,
) -> None:
    for block, items in (
        ("servqual", spec.servqual.items if spec.servqual else ()),
        ("metrics", spec.metrics.items if spec.metrics else ()),
    ):
        for item in items:
            if item in constructs or item in interactions:
                kind = "construct" if item in constructs else "interaction term"
                raise SpecError(
                    f"The {block} block{where} names '{item}', which is a {kind}; it needs "
                    "the name of a survey item (a column of the data)."
                )


# ---------------------------------------------------------------------------- diagnostics
def spec_diagnostics(spec: ModelSpec) -> tuple[Diagnostic, ...]:
    """Legal but suspicious features of ``spec``."""
    out: list[Diagnostic] = []
    if spec.paths and spec.isolated:
        out.append(
            Diagnostic(
                "warning",
                "construct_not_in_paths",
                f"Construct(s) {', '.join(repr(n) for n in spec.isolated)} appear in no path; "
                "they are estimated as part of the measurement model only. Add paths if they "
                "should be part of the structural model.",
                SpecWarning,
            )
        )
    if not spec.paths:
        out.append(
            Diagnostic(
                "info",
                "no_paths",
                "The model has no structural paths; only the measurement model is estimated.",
                SpecWarning,
            )
        )
    direct = {(p.source, p.target) for p in spec.paths}
    for i in spec.interactions:
        for target in sorted({p.target for p in spec.paths if p.source == i.name}):
            missing = [c for c in i.constructs if (c, target) not in direct]
            if missing:
                arrows = ", ".join(f"{c} -> {target}" for c in missing)
                out.append(
                    Diagnostic(
                        "warning",
                        "interaction_without_main_effect",
                        f"The interaction '{i.name}' predicts '{target}' without the main "
                        f"effect {arrows}; an interaction's coefficient can be read only "
                        "next to the paths of both of its constructs (Aiken & West, 1991), "
                        "so add the missing path.",
                        SpecWarning,
                    )
                )
    return tuple(out)
