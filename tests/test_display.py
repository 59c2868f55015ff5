"""Jupyter display: every user-facing object renders a compact HTML summary with collapsible
sections, ``str()`` gives the text summary and ``repr()`` stays on one line."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.spec import ModelSpec
from sem_csat.spec.builders import paths, reflective

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def pls() -> sem_csat.PLSResult:  # type: ignore[name-defined]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sem_csat.fit("ecsi", "ecsi_mobile", method="pls")


def _check(obj: object, *needles: str) -> None:
    text, rep, page = str(obj), repr(obj), obj._repr_html_()  # type: ignore[attr-defined]
    assert "\n" not in rep
    assert rep.startswith("<")
    assert "\n" in text
    assert "<details" in page
    for needle in needles:
        assert needle in text
        assert needle in page


def test_spec_displays_its_constructs_and_paths() -> None:
    spec = sem_csat.load_spec("ecsi")
    _check(spec, "Satisfaction", "Loyalty", "CUSA1")
    assert "Structural paths" in spec._repr_html_()


def test_spec_labels_are_escaped_in_html() -> None:
    spec = ModelSpec(
        "Evil",
        constructs=[
            reflective("A", ["a1", "a2"], label="<script>alert(1)</script>"),
            reflective("B", ["b1", "b2"]),
        ],
        paths=paths("A", "B"),
    )
    page = spec._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_ipma_and_htmt_bootstrap_display(pls: object) -> None:
    imap = pls.ipma()  # type: ignore[attr-defined]
    _check(imap, "Satisfaction")
    from sem_csat.measurement import htmt_bootstrap

    hb = htmt_bootstrap(pls.spec, pls.data, 50, seed=1)  # type: ignore[attr-defined]
    _check(hb, "Image")


def test_results_quality_and_comparison_display(pls: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cb = sem_csat.fit("ecsi", "ecsi_mobile", method="ml")
        cmp = sem_csat.compare(pls, cb)
    for obj in (pls, cb, pls.quality, cmp):  # type: ignore[attr-defined]
        _check(obj)


def test_random_labels_never_break_the_html() -> None:
    rng = np.random.default_rng(0)
    base = rng.integers(2, 6, size=(60, 1))
    data = pd.DataFrame(
        np.clip(base + rng.integers(-1, 2, size=(60, 4)), 1, 7), columns=["a1", "a2", "b1", "b2"]
    )
    spec = ModelSpec(
        "Amp",
        constructs=[
            reflective("A", ["a1", "a2"], label='Q & "A" <b>', scale=(1, 7)),
            reflective("B", ["b1", "b2"], scale=(1, 7)),
        ],
        paths=paths("A", "B"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sem_csat.fit(spec, data)
    for page in (result.spec._repr_html_(), result._repr_html_()):
        assert "<b>" not in page
