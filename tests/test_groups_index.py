"""Index comparison across groups and survey waves, and compare_groups() as a whole.

The index of each group is checked against :func:`sem_csat.pls.index.index_table` of that
group's own fit (the ACSI formula, itself checked against other programs in test_index.py);
intervals and p-values against the formulas applied to the stored replicates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sem_csat
from sem_csat.errors import SpecError, UsageError
from sem_csat.groups import (
    GroupFits,
    IndexComparison,
    compare_groups,
    compare_index,
    fit_groups,
    mga,
    micom,
)
from sem_csat.pls.index import index_table
from sem_csat.spec import ModelSpec
from sem_csat.spec.builders import paths, reflective


@pytest.fixture(scope="module")
def bank_fits() -> GroupFits:
    return fit_groups(
        sem_csat.load_spec("ecsi_bank"), sem_csat.datasets.load("bank_satisfaction"), "gender"
    )


@pytest.fixture(scope="module")
def waves() -> pd.DataFrame:
    """The ECSI mobile survey as two waves; in 2024 every satisfaction answer is one point up."""
    data = sem_csat.datasets.load("ecsi_mobile").copy()
    data["wave"] = np.where(np.arange(len(data)) % 2 == 0, 2023, 2024)
    later = data["wave"] == 2024
    for item in ("CUSA1", "CUSA2", "CUSA3"):
        data.loc[later, item] = np.minimum(data.loc[later, item] + 1, 10)
    return data


@pytest.fixture(scope="module")
def change(waves: pd.DataFrame) -> IndexComparison:
    fits = fit_groups(sem_csat.load_spec("ecsi"), waves, "wave")
    return compare_index(fits, 500, 500, seed=3, progress=False)


def test_each_groups_index_is_its_own_acsi_index(bank_fits: GroupFits) -> None:
    result = compare_index(bank_fits, 100, 100, seed=1, progress=False)
    table = result.table.set_index("construct")
    for column, g in (("index_a", "female"), ("index_b", "male")):
        own = index_table(bank_fits.results[g]).set_index("construct")["index"]
        np.testing.assert_allclose(table[column], own.loc[table.index], atol=1e-9)
    np.testing.assert_allclose(table["difference"], table["index_a"] - table["index_b"])
    assert list(result.table.columns) == [
        "construct", "group_a", "group_b", "index_a", "index_b", "difference",
        "ci_lower", "ci_upper", "p_value",
    ]  # fmt: skip


def test_the_bootstrap_interval_is_the_percentile_interval_of_paired_differences(
    bank_fits: GroupFits,
) -> None:
    result = compare_index(bank_fits, 100, 400, seed=2, progress=False)
    boots = result.bootstraps
    assert boots is not None
    d = boots.replicates("female", "index") - boots.replicates("male", "index")
    for k, row in enumerate(result.table.itertuples()):
        col = d[np.isfinite(d[:, k]), k]
        lo, hi = np.quantile(col, [0.025, 0.975])
        assert row.ci_lower == pytest.approx(lo)
        assert row.ci_upper == pytest.approx(hi)
        p = min(1.0, 2 * min(np.mean(col <= 0), np.mean(col >= 0)))
        assert row.p_value == pytest.approx(p)
        assert (row.p_value < 0.05) == (not lo <= 0 <= hi)


def test_the_permutation_interval_inverts_the_test(bank_fits: GroupFits) -> None:
    result = compare_index(bank_fits, 400, interval="permutation", seed=2, progress=False)
    assert result.bootstraps is None
    pair = result.micom.permutations.pairs[0]
    perm = pair.samples("index")
    for k, row in enumerate(result.table.itertuples()):
        q_lo, q_hi = np.quantile(perm[:, k], [0.025, 0.975])
        assert row.ci_lower == pytest.approx(row.difference - q_hi)
        assert row.ci_upper == pytest.approx(row.difference - q_lo)
        u = perm[:, k]
        assert row.p_value == pytest.approx(
            (1 + np.sum(np.abs(u) >= abs(row.difference))) / (1 + u.size)
        )


def test_micom_step2_stands_beside_every_difference(bank_fits: GroupFits) -> None:
    result = compare_index(bank_fits, 200, 100, seed=4, progress=False)
    step2 = result.micom.compositional("female", "male").set_index("construct")
    details = result.details.set_index("construct")
    np.testing.assert_allclose(details["compositional_c"], step2["statistic"])
    assert (details["compositional_invariant"] == step2["invariant"]).all()
    text = str(result)
    for name in step2.index:
        assert f"{name}: " in text
    assert "MICOM c = " in text or "NOT compositionally invariant" in text


def test_a_raised_satisfaction_is_detected_as_a_change_across_waves(
    change: IndexComparison,
) -> None:
    table = change.table.set_index("construct")
    sat = table.loc["Satisfaction"]
    assert (sat["group_a"], sat["group_b"]) == ("2024", "2023")  # later minus earlier
    assert 5 < sat["difference"] < 12  # about one point on a 1-10 scale, 11 index points
    assert sat["p_value"] < 0.01
    assert sat["ci_lower"] > 0
    text = str(change)
    assert "change across waves" in text
    assert "index of the later wave minus the earlier" in text
    assert "(wave 2024)" in text


def test_a_spec_without_scale_has_no_index(bank_fits: GroupFits) -> None:
    spec = ModelSpec(
        "NoScale",
        constructs=[reflective("IMAG", ["imag1", "imag2"]), reflective("SAT", ["sat1", "sat2"])],
        paths=paths("IMAG", "SAT"),
    )
    fits = fit_groups(spec, sem_csat.datasets.load("bank_satisfaction"), "gender")
    with pytest.raises(SpecError, match="needs the answer scale"):
        compare_index(fits, 10, 10, seed=1, progress=False)
    assert compare_groups(spec, fits, n_perm=20, n_boot=20, seed=1, progress=False).index is None
    with pytest.raises(UsageError, match="interval must be"):
        compare_index(bank_fits, 10, 10, interval="jackknife")  # type: ignore[arg-type]


def test_compare_groups_is_the_separate_analyses_in_one_call(bank_fits: GroupFits) -> None:
    both = compare_groups(bank_fits.spec, bank_fits, n_perm=200, n_boot=200, seed=9, progress=False)
    assert set(both.tables()) == {"group_paths", "micom", "mga", "mga_effects", "index_groups"}
    pd.testing.assert_frame_equal(
        both.micom.table, micom(bank_fits, 200, seed=9, progress=False).table
    )
    pd.testing.assert_frame_equal(
        both.mga.table, mga(bank_fits, 200, 200, seed=9, progress=False).table
    )
    assert both.index is not None
    pd.testing.assert_frame_equal(
        both.index.table, compare_index(bank_fits, 200, 200, seed=9, progress=False).table
    )
    assert both.seed == 9
    text = str(both)
    for title in ("Path coefficients by group", "Measurement invariance (MICOM)",
                  "Path differences", "Index by group"):  # fmt: skip
        assert title in text
    assert "\n" not in repr(both)
    html = both._repr_html_()
    assert html.count("<details") >= 5


def test_compare_groups_from_data_and_bad_calls() -> None:
    spec = sem_csat.load_spec("ecsi_bank")
    bank = sem_csat.datasets.load("bank_satisfaction")
    with pytest.raises(UsageError, match="Name the group column"):
        compare_groups(spec, bank)
    with pytest.raises(UsageError, match="alpha must be"):
        compare_groups(spec, bank, "gender", alpha=0.7)
    small = compare_groups(spec, bank, "gender", n_perm=20, n_boot=20, seed=1, progress=False)
    assert small.fits.data.sizes == {"female": 148, "male": 102}


def test_progress_bar_only_when_asked_or_on_a_terminal(
    bank_fits: GroupFits, capsys: pytest.CaptureFixture[str]
) -> None:
    from sem_csat.groups import permute_groups

    permute_groups(bank_fits, 20, seed=1, progress=True)
    assert "permutations" in capsys.readouterr().err
    permute_groups(bank_fits, 20, seed=1)  # captured stderr is not a terminal
    permute_groups(bank_fits, 20, seed=1, progress=False)
    assert capsys.readouterr().err == ""


def test_group_fits_display_side_by_side(bank_fits: GroupFits, waves: pd.DataFrame) -> None:
    text = str(bank_fits)
    assert "Path coefficients" in text
    assert "female (N=148), male (N=102)" in text
    assert "Configural invariance (MICOM step 1)" in text
    assert "\n" not in repr(bank_fits)
    assert list(bank_fits.r2.columns) == ["construct", "female", "male"]
    wave_fits = fit_groups(sem_csat.load_spec("ecsi"), waves, "wave")
    result = micom(wave_fits, 50, seed=1, progress=False)
    assert "Waves" in result.summary().as_text()
    assert "wave a minus wave b" in result.summary().as_text()
    assert "every wave's estimation converged" in result.summary().as_text()
    assert result.table.columns.tolist()[:2] == ["construct", "step"]
