"""Property tests: every valid spec round-trips through YAML and lavaan text, and the readers
raise nothing but SpecError on any input."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from sem_csat.errors import SpecError
from sem_csat.spec import (
    Constraint,
    Construct,
    Covariance,
    CsatItem,
    Defined,
    Indicator,
    Interaction,
    Intercept,
    KanoPair,
    Metrics,
    ModelSpec,
    Path,
    Servqual,
    ServqualDimension,
)
from sem_csat.spec.checks import format_number
from sem_csat.spec.lavaan import read_lavaan, write_lavaan
from sem_csat.spec.yaml_io import read_yaml, spec_from_mapping, spec_to_mapping, write_yaml

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MUTATED = settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_FIRST = "abcxyzABCXYZ_"
NAMES = st.builds(
    str.__add__, st.sampled_from(_FIRST), st.text(alphabet=_FIRST + "019._", max_size=4)
)
LABELS = st.none() | NAMES.filter(lambda s: s != "NA")
FIXED = st.none() | st.floats(allow_nan=False, allow_infinity=False)
# Any text, including non-ASCII letters (Chinese, emoji), control characters and line breaks.
# Long ones exercise the folded and literal block styles of the YAML writer.
TEXTS = (
    st.text(max_size=30)
    | st.sampled_from(["感知质量", "顾客满意度", "  padded  ", "", "a\nb", "yes", "1.5", "null"])
    | st.text(alphabet=" ab.:#-\n\t\r感", min_size=70, max_size=140)
    | st.text(min_size=81, max_size=120)
)
OPT_TEXTS = st.none() | TEXTS
NUMBERS = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False) | st.integers(-10, 10)
MODES = st.sampled_from(["reflective", "formative"])
RELIABILITIES = st.none() | st.floats(min_value=0.0, max_value=1.0, exclude_min=True)
MODEL_NAMES = TEXTS.filter(lambda s: bool(s.strip()))


@st.composite
def scales(draw: st.DrawFn) -> tuple[float, float]:
    low, high = draw(st.lists(NUMBERS, min_size=2, max_size=2, unique=True).map(sorted))
    if draw(st.booleans()) and draw(st.booleans()):
        return (float("-inf"), float(high))
    return (float(low), float(high))


OPT_SCALES = st.none() | scales()


NUMBER_TEXT = st.one_of(
    st.integers(0, 1000).map(str),
    st.floats(min_value=0, max_value=1e6, allow_nan=False).map(format_number),
    st.sampled_from(["0.5", ".25", "1e-3", "2.5E2"]),
)


def expression_texts(names: list[str]) -> st.SearchStrategy[str]:
    """Random arithmetic text over ``names`` (at least one name appears)."""
    leaf = st.sampled_from(names) | NUMBER_TEXT if names else NUMBER_TEXT
    tree = st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "^", " ** "]), inner).map(
                lambda t: f"{t[0]} {t[1].strip()} {t[2]}"
            ),
            inner.map(lambda x: f"({x})"),
            inner.map(lambda x: f"-{x}"),
            st.tuples(st.sampled_from(["sqrt", "exp", "log", "abs"]), inner).map(
                lambda t: f"{t[0]}({t[1]})"
            ),
        ),
        max_leaves=6,
    )
    if not names:
        return tree
    return st.tuples(st.sampled_from(names), st.sampled_from(["+", "*", "-"]), tree).map(
        lambda t: f"{t[0]} {t[1]} ({t[2]})"
    )


@st.composite
def specs(draw: st.DrawFn, *, extended: bool = True) -> ModelSpec:
    n_constructs = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 3), min_size=n_constructs, max_size=n_constructs))
    n_extra = 12
    names = draw(
        st.lists(
            NAMES,
            min_size=n_constructs + sum(sizes) + n_extra,
            max_size=n_constructs + sum(sizes) + n_extra,
            unique=True,
        )
    )
    construct_names, rest = names[:n_constructs], names[n_constructs:]
    constructs = []
    items: list[str] = []
    for cname, size in zip(construct_names, sizes, strict=True):
        block, rest = rest[:size], rest[size:]
        items += block
        indicators = [Indicator(n, draw(OPT_TEXTS), draw(LABELS), draw(FIXED)) for n in block]
        constructs.append(
            Construct(
                cname,
                tuple(indicators),
                draw(MODES),
                label=draw(OPT_TEXTS),
                scale=draw(OPT_SCALES),
                reverse=tuple(draw(st.lists(st.sampled_from(block), max_size=2))),
                reliability=draw(RELIABILITIES),
            )
        )
    spare = rest  # unique names that are neither constructs nor items
    order = list(draw(st.permutations(construct_names)))
    hoc: tuple[str, frozenset[str]] | None = None
    if extended and n_constructs >= 2 and draw(st.booleans()):
        dims = draw(st.lists(st.sampled_from(construct_names), min_size=2, max_size=3, unique=True))
        hname, spare = spare[0], spare[1:]
        mode = draw(MODES)
        entries = [Indicator(d, None, draw(LABELS), draw(FIXED)) for d in dims]
        constructs.insert(
            draw(st.integers(0, len(constructs))),
            Construct(hname, (), mode, label=draw(OPT_TEXTS), dimensions=tuple(entries)),
        )
        positions = [order.index(d) for d in dims]
        order.insert(min(positions) if mode == "reflective" else max(positions) + 1, hname)
        hoc = (hname, frozenset(dims))
    # forward in `order`: always acyclic, also with the links of the higher-order construct
    pairs = [
        (s, t)
        for s, t in itertools.combinations(order, 2)
        if hoc is None or not ({s, t} & {hoc[0]} and {s, t} & hoc[1])
    ]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    paths = [Path(s, t, draw(LABELS), draw(FIXED)) for s, t in chosen]
    interactions: list[Interaction] = []
    if extended and len(order) >= 3:
        for _ in range(draw(st.integers(0, 2))):
            left, right = draw(
                st.lists(st.sampled_from(order), min_size=2, max_size=2, unique=True)
            )
            if any({left, right} == {i.left, i.right} for i in interactions):
                continue
            later = order[max(order.index(left), order.index(right)) + 1 :]
            if not later:
                continue
            if draw(st.booleans()):
                iname, spare = spare[0], spare[1:]
            else:
                iname = Interaction.default_name(left, right)
                if iname in names or iname in order or any(i.name == iname for i in interactions):
                    continue
            interactions.append(Interaction(iname, left, right))
            for target in draw(st.lists(st.sampled_from(later), min_size=1, unique=True)):
                paths.append(Path(iname, target, draw(LABELS), draw(FIXED)))
    all_constructs = [c.name for c in constructs]
    ends = st.sampled_from(all_constructs) | st.sampled_from(items)
    covariances = []
    for _ in range(draw(st.integers(0, 3))):
        left = draw(ends)
        pool = all_constructs if left in all_constructs else items
        covariances.append(Covariance(left, draw(st.sampled_from(pool)), draw(LABELS), draw(FIXED)))
    intercepts: list[Intercept] = []
    defined: list[Defined] = []
    constraints: list[Constraint] = []
    servqual = metrics = None
    meanstructure = False
    if extended:
        variables = draw(st.lists(st.sampled_from(all_constructs + items), unique=True, max_size=3))
        intercepts = [Intercept(v, draw(LABELS), draw(FIXED)) for v in variables]
        meanstructure = draw(st.booleans())
        base = ModelSpec(
            "base",
            tuple(constructs),
            tuple(paths),
            tuple(covariances),
            interactions=tuple(interactions),
            intercepts=tuple(intercepts),
        )
        labels = list(base.labels)
        taken = set(items) | set(labels) | {i.name for i in interactions} | set(all_constructs)
        fresh = [n for n in spare if n not in taken]
        known = list(labels)
        for dname in fresh[: draw(st.integers(0, 2))] if labels else []:
            defined.append(Defined(dname, draw(expression_texts(known))))
            known.append(dname)
        spare = [n for n in spare if n not in {d.name for d in defined}]
        base = replace(base, defined=tuple(defined))
        for _ in range(draw(st.integers(0, 2)) if known else 0):
            c = Constraint(draw(expression_texts(known)), draw(expression_texts(known)))
            linear = base.expand(c.residual).linear()
            if linear is None or linear[0]:
                constraints.append(c)
        pool = [n for n in spare if n not in taken]
        if draw(st.booleans()) and len(pool) >= 2:
            servqual, pool = draw(servqual_blocks(pool))
        if draw(st.booleans()) and pool:
            metrics = draw(metrics_blocks(pool))
    return ModelSpec(
        draw(MODEL_NAMES),
        tuple(constructs),
        tuple(paths),
        tuple(covariances),
        description=draw(TEXTS),
        references=tuple(draw(st.lists(TEXTS, max_size=2))),
        scale=draw(OPT_SCALES),
        interactions=tuple(interactions),
        intercepts=tuple(intercepts),
        meanstructure=meanstructure,
        defined=tuple(defined),
        constraints=tuple(constraints),
        servqual=servqual,
        metrics=metrics,
    )


@st.composite
def servqual_blocks(draw: st.DrawFn, pool: list[str]) -> tuple[Servqual, list[str]]:
    dims = []
    weighted = draw(st.booleans())
    for k in range(draw(st.integers(1, 3))):
        if len(pool) < 2:
            break
        n = draw(st.integers(1, min(2, len(pool) // 2)))
        expectation, perception, pool = pool[:n], pool[n : 2 * n], pool[2 * n :]
        weight = draw(st.floats(0.5, 100)) if weighted else None
        dims.append(ServqualDimension(f"D{k}", tuple(expectation), tuple(perception), weight))
    return Servqual(tuple(dims)), pool


@st.composite
def metrics_blocks(draw: st.DrawFn, pool: list[str]) -> Metrics:
    def take() -> str | None:
        return pool.pop() if pool and draw(st.booleans()) else None

    nps, ces = take(), take()
    csat = None
    if pool and draw(st.booleans()):
        low = draw(st.integers(-2, 3))
        scale = draw(st.none() | st.just((float(low), float(low + draw(st.integers(2, 9))))))
        top = draw(st.integers(1, 2))
        csat = CsatItem(pool.pop(), scale, top)
    kano = []
    while len(pool) >= 2 and draw(st.booleans()):
        f, d = pool.pop(), pool.pop()
        feature = f if draw(st.booleans()) else f"{f}_feature"
        if any(k.feature == feature for k in kano):
            break
        kano.append(KanoPair(feature, f, d))
    if nps is None and ces is None and csat is None and not kano:
        nps = pool.pop() if pool else "NPS_item"
    return Metrics(nps, csat, ces, tuple(kano))


@FAST
@given(specs())
def test_any_spec_round_trips_through_yaml(spec: ModelSpec) -> None:
    assert read_yaml(write_yaml(spec)) == spec
    assert spec_from_mapping(spec_to_mapping(spec), source="<dict>") == spec


@FAST
@given(specs())
def test_any_spec_round_trips_through_lavaan(spec: ModelSpec) -> None:
    assert read_lavaan(write_lavaan(spec)) == spec


@settings(FAST, max_examples=50)
@given(specs())
def test_paths_order_does_not_matter(spec: ModelSpec) -> None:
    shuffled = replace(spec, paths=tuple(reversed(spec.paths)))
    assert shuffled.paths == spec.paths


def _read_or_spec_error(reader: Callable[[str], ModelSpec], text: str) -> None:
    with contextlib.suppress(SpecError):
        reader(text)


LAVAAN_ALPHABET = "=~<+*-;#!:|%?()/^\"'\n\t abfxy12.e_é"
YAML_ALPHABET = "{}[]:,-#&*!|>'\"%@`\n\t abcfx12.e_é"


@FUZZ
@given(st.text() | st.text(alphabet=LAVAAN_ALPHABET, max_size=60))
def test_read_lavaan_raises_only_spec_errors(text: str) -> None:
    _read_or_spec_error(read_lavaan, text)


@FUZZ
@given(st.text() | st.text(alphabet=YAML_ALPHABET, max_size=60))
def test_read_yaml_raises_only_spec_errors(text: str) -> None:
    _read_or_spec_error(read_yaml, text)


@FUZZ
@given(st.binary(max_size=80).map(lambda b: b.decode("latin-1")))
def test_readers_take_byte_soup(text: str) -> None:
    _read_or_spec_error(read_lavaan, text)
    _read_or_spec_error(read_yaml, text)


@st.composite
def mutated(draw: st.DrawFn, write: Callable[[ModelSpec], str]) -> str:
    text = write(draw(specs()))
    for _ in range(draw(st.integers(1, 4))):
        k = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "duplicate"]))
        if action == "insert":
            text = (
                text[:k]
                + draw(st.text(max_size=3) | st.sampled_from(list(LAVAAN_ALPHABET + YAML_ALPHABET)))
                + text[k:]
            )
        elif action == "delete":
            text = text[:k] + text[k + draw(st.integers(1, 5)) :]
        else:
            j = draw(st.integers(k, min(len(text), k + 20)))
            text = text[:j] + text[k:j] + text[j:]
    return text


@MUTATED
@given(mutated(write_lavaan))
def test_mutated_lavaan_raises_only_spec_errors(text: str) -> None:
    _read_or_spec_error(read_lavaan, text)


@MUTATED
@given(mutated(write_yaml))
def test_mutated_yaml_raises_only_spec_errors(text: str) -> None:
    _read_or_spec_error(read_yaml, text)


@pytest.mark.parametrize(
    "feature",
    [
        lambda s: bool(s.higher_order),
        lambda s: bool(s.interactions),
        lambda s: any(i.name != Interaction.default_name(i.left, i.right) for i in s.interactions),
        lambda s: bool(s.intercepts),
        lambda s: s.meanstructure and not s.intercepts,
        lambda s: bool(s.defined) and bool(s.constraints),
        lambda s: any(len(d.expression.names) > 1 for d in s.defined),
        lambda s: s.servqual is not None and s.servqual.weights is not None,
        lambda s: s.metrics is not None and s.metrics.csat is not None and bool(s.metrics.kano),
    ],
)
def test_the_strategy_reaches_every_feature(feature: Callable[[ModelSpec], bool]) -> None:
    # the round trips above only prove something if the specs they draw use the features
    find(
        specs(),
        feature,
        settings=settings(max_examples=500, deadline=None, phases=[Phase.generate]),
    )


def test_deeply_nested_yaml_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="nested too deeply"):
        read_yaml("[" * 800)
