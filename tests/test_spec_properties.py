"""Property tests: every valid spec round-trips through YAML and lavaan text, and the readers
raise nothing but SpecError on any input."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sem_csat.errors import SpecError
from sem_csat.spec import Construct, Covariance, Indicator, ModelSpec, Path
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


@st.composite
def specs(draw: st.DrawFn) -> ModelSpec:
    n_constructs = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 3), min_size=n_constructs, max_size=n_constructs))
    names = draw(
        st.lists(
            NAMES,
            min_size=n_constructs + sum(sizes),
            max_size=n_constructs + sum(sizes),
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
    order = draw(st.permutations(construct_names))
    pairs = list(itertools.combinations(order, 2))  # forward in `order`: always acyclic
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    paths = [Path(s, t, draw(LABELS), draw(FIXED)) for s, t in chosen]
    ends = st.sampled_from(construct_names) | st.sampled_from(items)
    covariances = []
    for _ in range(draw(st.integers(0, 3))):
        left = draw(ends)
        pool = construct_names if left in construct_names else items
        covariances.append(Covariance(left, draw(st.sampled_from(pool)), draw(LABELS), draw(FIXED)))
    return ModelSpec(
        draw(MODEL_NAMES),
        tuple(constructs),
        tuple(paths),
        tuple(covariances),
        description=draw(TEXTS),
        references=tuple(draw(st.lists(TEXTS, max_size=2))),
        scale=draw(OPT_SCALES),
    )


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
    shuffled = ModelSpec(spec.name, spec.constructs, tuple(reversed(spec.paths)))
    assert shuffled.paths == spec.paths


def _read_or_spec_error(reader: Callable[[str], ModelSpec], text: str) -> None:
    with contextlib.suppress(SpecError):
        reader(text)


LAVAAN_ALPHABET = "=~<+*-;#!:|%?()\"'\n\t abfxy12.e_é"
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


def test_deeply_nested_yaml_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="nested too deeply"):
        read_yaml("[" * 800)
