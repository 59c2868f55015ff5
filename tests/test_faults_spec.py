"""Fault battery, specs: model text that is malformed, hostile, or asks what an engine ignores.

Every faulty spec is refused with one sentence (exit 2, no traceback, the spec and data files
unchanged, nothing written), and the features that look like mistakes but are supported
(interaction terms, higher-order constructs written with ``=~`` of constructs) are fitted.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest

import sem_csat
from sem_csat.errors import SemCsatWarning, SpecError
from tests._faults import assert_user_error, ecsi, hashes, run_cli, run_subprocess

M = (
    "Quality =~ PERQ1 + PERQ2 + PERQ3\n"
    "Satisfaction =~ CUSA1 + CUSA2 + CUSA3\n"
    "Loyalty =~ CUSL1 + CUSL2 + CUSL3\n"
)
HOC = (
    "Quality =~ PERQ1 + PERQ2 + PERQ3\nValue =~ PERV1 + PERV2\nOverall =~ Quality + Value\n"
    "Satisfaction =~ CUSA1 + CUSA2 + CUSA3\nSatisfaction ~ Overall\n"
)
SENTINEL = "sem_csat_was_executed"


def _yaml_bomb(width: int = 9, depth: int = 7) -> str:
    lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    for k in range(1, depth):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * width) + "]")
    return "\n".join(lines) + f"\nname: *a{depth - 1}\nconstructs: *a{depth - 1}\n"


# case -> (file name, text or bytes, extra options, words the message must contain)
SPECS: dict[str, tuple[str, str | bytes, tuple[str, ...], tuple[str, ...]]] = {
    # features PLS would ignore
    "pls_fixed_loading": ("m.lav", M.replace("=~ PERQ1", "=~ 1*PERQ1") + "Loyalty ~ Quality\n",
                          (), ("Fixed", "PLS", "1*PERQ1")),
    "pls_fixed_path": ("m.lav", M + "Satisfaction ~ 0.5*Quality\n", (), ("Fixed", "PLS")),
    "pls_equality_labels": ("m.lav", M.replace("PERQ2 + PERQ3", "a*PERQ2 + a*PERQ3")
                            + "Satisfaction ~ Quality\n", (), ("Equality labels", "'a'")),
    "pls_equality_constraint": ("m.lav", M + "Satisfaction ~ a*Quality\nLoyalty ~ b*Satisfaction"
                                "\na == b\n", (), ("'=='", "PLS")),
    "pls_defined_parameter": ("m.lav", M + "Satisfaction ~ a*Quality\nLoyalty ~ b*Satisfaction"
                              "\nab := a*b\n", (), ("':='", "PLS")),
    "pls_intercept": ("m.lav", M + "Satisfaction ~ Quality\nLoyalty ~ 1 + Satisfaction\n", (),
                      ("Intercepts", "PLS")),
    "plsc_fixed_loading": ("m.lav", M.replace("=~ PERQ1", "=~ 1*PERQ1") + "Loyalty ~ Quality\n",
                           ("--method", "plsc"), ("Fixed",)),
    # lavaan syntax sem_csat does not read
    "group_block": ("m.lav", "group: 1\n" + M, (), ("line 1", "not yet supported")),
    "start_modifier": ("m.lav", M + "Satisfaction ~ start(0.5)*Quality\n", (), ("start()",)),
    "na_modifier": ("m.lav", M + "Satisfaction ~ NA*Quality\n", (), ("NA*",)),
    "threshold": ("m.lav", M + "PERQ1 | t1\n", (), ("Thresholds",)),
    "three_way_interaction": ("m.lav", M + "Loyalty ~ Satisfaction + Quality + "
                              "Satisfaction:Quality:Quality\n", (), ("three or more",)),
    "interaction_with_itself": ("m.lav", M + "Loyalty ~ Satisfaction + "
                                "Satisfaction:Satisfaction\n", (), ("itself",)),
    "interaction_undeclared": ("m.lav", M + "Loyalty ~ Satisfaction + Satisfaction:Foo\n", (),
                               ("'Foo'", "line 4")),
    "items_and_constructs_mixed": ("m.lav", M + "Overall =~ Quality + PERQ4\n", (),
                                   ("Overall", "dimensions")),
    "yaml_indicators_are_constructs": (
        "m.yaml",
        "name: H\nscale: [1, 10]\nconstructs:\n  Quality: {indicators: [PERQ1, PERQ2]}\n"
        "  Value: {indicators: [PERV1, PERV2]}\n  Overall: {indicators: [Quality, Value]}\n"
        "  Satisfaction: {indicators: [CUSA1, CUSA2]}\npaths:\n  - Overall -> Satisfaction\n",
        (), ("Overall", "dimensions:"),
    ),
    # hostile or broken files
    "code_in_a_defined_parameter": ("m.lav", M + "Satisfaction ~ a*Quality\nab := __import__("
                                    f"'os').system('touch {SENTINEL}')\n", (), ("line 5",)),
    "python_tag_in_yaml": ("m.yaml", f"name: !!python/object/apply:os.system ['touch {SENTINEL}']"
                           "\nconstructs: {}\n", (), ("m.yaml",)),
    "yaml_alias_bomb": ("m.yaml", _yaml_bomb(), (), ("m.yaml",)),
    "yaml_nested_too_deep": ("m.yaml", "name: " + "[" * 1200 + "]" * 1200 + "\n", (),
                             ("nested too deeply",)),
    "binary_file": ("m.lav", bytes(range(256)) * 4, (), ("UTF-8",)),
    "utf16_file": ("m.lav", M.encode("utf-16"), (), ("UTF-8",)),
    "lavaan_text_in_a_yaml_file": ("m.yaml", M, (), ("mapping",)),
    "yaml_text_in_a_lavaan_file": ("m.lav", "name: S\nconstructs: {}\n", (), ("line 2",)),
    "space_in_a_name": ("m.lav", M.replace("Quality", "Qu ality"), (), ("line 1",)),
    "a_folder_as_spec": ("m.yaml", "", (), ("m.yaml",)),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(SPECS))
def test_faulty_spec_is_one_sentence(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, text, extra, needles = SPECS[case]
    spec = tmp_path / name
    if case == "a_folder_as_spec":
        spec.mkdir()
    elif isinstance(text, bytes):
        spec.write_bytes(text)
    else:
        spec.write_text(text, encoding="utf-8")
    data = tmp_path / "survey.csv"
    ecsi().to_csv(data, index=False)
    before = hashes([spec, data])
    out = tmp_path / "out"
    cwd = Path.cwd()
    os.chdir(tmp_path)  # a command that escaped would leave its file here
    try:
        code, _, err = run_cli(["fit", str(spec), str(data), "--out", str(out), *extra], capsys)
    finally:
        os.chdir(cwd)
    assert_user_error(code, err, *needles)
    assert hashes([spec, data]) == before
    assert not out.exists()
    assert not (tmp_path / SENTINEL).exists()


def test_pls_refusals_hold_in_python_too() -> None:
    spec = sem_csat.ModelSpec.from_lavaan(
        M.replace("=~ PERQ1", "=~ 1*PERQ1") + "Satisfaction ~ Quality\nLoyalty ~ Satisfaction\n"
    )
    with pytest.raises(SpecError, match="Fixed parameter values"):
        sem_csat.fit(spec, ecsi())


def test_an_indicator_list_of_200000_items_is_refused_without_a_hang(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "wide.lav"
    spec.write_text("Quality =~ " + " + ".join(f"X{i}" for i in range(20_000)) + "\n")
    data = tmp_path / "survey.csv"
    ecsi().to_csv(data, index=False)
    code, _, err = run_cli(["fit", str(spec), str(data)], capsys)
    assert_user_error(code, err, "X0")


def test_interaction_terms_are_fitted_not_refused() -> None:
    spec = sem_csat.ModelSpec.from_lavaan(
        M + "Image =~ IMAG1 + IMAG2 + IMAG3\nSatisfaction ~ Quality\n"
        "Loyalty ~ Satisfaction + Image + Satisfaction:Image\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemCsatWarning)
        result = sem_csat.fit(spec, ecsi())
    paths = result.paths.set_index(["from", "to"])["estimate"]
    assert ("Satisfaction_x_Image", "Loyalty") in paths.index
    assert np.isfinite(paths).all()
    assert len(paths) == 4


@pytest.mark.parametrize("method", ["pls", "ml"])
def test_constructs_of_constructs_are_a_higher_order_construct(method: str) -> None:
    spec = sem_csat.ModelSpec.from_lavaan(HOC)
    overall = next(c for c in spec.constructs if c.name == "Overall")
    assert [d.name for d in overall.dimensions] == ["Quality", "Value"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SemCsatWarning)
        result = sem_csat.fit(spec, ecsi(), method=method)
    paths = result.paths.set_index(["from", "to"])["estimate"]
    assert list(paths.index) == [("Overall", "Satisfaction")]
    assert 0.5 < paths.iloc[0] < 1.0


def test_spec_faults_through_a_separate_process(tmp_path: Path) -> None:
    data = tmp_path / "survey.csv"
    ecsi().to_csv(data, index=False)
    for case in ("pls_fixed_loading", "yaml_alias_bomb"):
        name, text, extra, needles = SPECS[case]
        spec = tmp_path / name
        spec.write_text(str(text), encoding="utf-8")
        done = run_subprocess(["fit", str(spec), str(data), "--quiet", *extra], tmp_path)
        assert_user_error(done.returncode, done.stderr, *needles)
