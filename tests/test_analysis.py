"""lib.analysis: hand-computed values on a small toy panel, then real values on the real data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lib.analysis import core as A
from lib.data.datasets.dti_scores import schema as dti_scores_schema

MAIN = ["nhan_thuc_so_digital_awareness", "the_che_so_digital_institutions",
        "ha_tang_so_digital_infrastructure", "nhan_luc_so_digital_human_resources",
        "an_toan_thong_tin_mang_cybersecurity",
        "hoat_dong_chinh_quyen_so_digital_government_activities",
        "hoat_dong_kinh_te_so_digital_economy_activities",
        "hoat_dong_xa_hoi_so_digital_society_activities"]
GROUP = "toy_group"


@pytest.fixture(scope="module")
def real(tables):
    """The real processed tables (the session fixture of tests/conftest.py)."""
    return tables


def _row(year, unit, indicator, score, scale, rank=None, status=None, framework=None):
    score_max = 1000.0 if scale == "points" else 1.0
    status = status or ("reported" if score is not None else "missing")
    return {
        "reference_year": year, "unit_code": unit, "unit_name": f"Unit {unit}",
        "unit_level": "province", "parent_code": "VN", "peer_group": GROUP,
        "indicator": indicator,
        "indicator_level": "total" if indicator == "dti_total" else "main_indicator",
        "score": np.nan if score is None else float(score), "score_low": np.nan,
        "score_high": np.nan, "score_max": score_max, "scale": scale,
        "pct_of_max": np.nan if score is None else 100.0 * score / score_max,
        "value_status": status, "formula": "", "rank": rank, "rank_low": rank,
        "rank_high": rank, "rank_of": 4, "rank_status": "reported" if rank else "missing",
        "rank_text": str(rank or ""), "rank_tied": False, "conflict_ids": "",
        "conflict_status": "",
        "framework_id": framework or {2022: "mic_qd922_2022", 2023: "mic_dti_2023"}[year],
        "source_ids": "", "source_type": "", "preferred_score": True, "preferred_rank": True,
        "note": "", "raw_file": "toy", "raw_row": 0,
    }


# Main indicators on 0–1 of their maximum (QĐ 922 points 100×5, 200, 150, 150).
TOY_MAIN = {
    (2023, "901"): [1.0, 0.9, 0.8, 0.7, 0.6, 0.75, 0.6, 0.4],    # 700 points
    (2023, "902"): [0.8, 0.8, 0.9, 0.5, 0.7, 0.8, None, None],   # two main indicators missing
    (2023, "903"): [0.9, 0.7, 0.6, 0.8, 0.5, 0.75, 0.6, 0.4],    # 650 points
    (2023, "904"): [0.6, 0.5, 0.5, 0.55, 0.45, 0.5, 0.5, 0.4],   # 495 points
    (2022, "901"): [0.9, 0.8, 0.7, 0.6, 0.5, 0.65, 0.5, 0.4],    # 615 points
}
# (year, unit) → (total points, published rank); 904 is scored in 2023 only (one-year-only unit)
TOY_TOTAL = {(2023, "901"): (700, None), (2023, "902"): (650, None),
             (2023, "903"): (650, None), (2023, "904"): (495, None),
             (2022, "901"): (615, 2), (2022, "902"): (680, 1), (2022, "903"): (550, 3),
             (2022, "904"): (None, None)}


@pytest.fixture(scope="module")
def toy():
    rows = [_row(y, u, "dti_total", s, "points", r) for (y, u), (s, r) in TOY_TOTAL.items()]
    for (year, unit), values in TOY_MAIN.items():
        rows += [_row(year, unit, i, v, "0-1") for i, v in zip(MAIN, values)]
    scores = pd.DataFrame(rows).astype({c: "Int64" for c in
                                        ("rank", "rank_low", "rank_high", "rank_of")})
    return dti_scores_schema().validate(scores)


# ----------------------------------------------------------------------------- toy panel


def test_rank_units_ties_and_shift(toy, real):
    result = A.rank_units(toy, GROUP, 2023, frameworks=real["dti_frameworks"])
    table = result.table.set_index("unit_code")
    # 700 > 650 = 650 > 495: ties share the best rank (rankdata method="min")
    assert table["rank"].tolist() == [1, 2, 2, 4]
    assert table.loc[["902", "903"], "rank_tied"].all() and not table.loc["901", "rank_tied"]
    assert set(table["rank_basis"]) == {"computed from scores"}
    # published 2022 ranks 2, 1, 3 → 2023 ranks 1, 2, 2
    assert table.loc["901", "rank_change"] == 1 and table.loc["901", "rank_arrow"] == "▲1"
    assert table.loc["902", "rank_change"] == -1 and table.loc["902", "rank_arrow"] == "▼1"
    assert table.loc["903", "rank_change"] == 1
    assert pd.isna(table.loc["904", "rank_change"]) and table.loc["904", "rank_arrow"] == ""
    assert table.loc["901", "points_change"] == pytest.approx(85.0)
    assert table.loc["902", "pct_of_max_change"] == pytest.approx(-3.0)
    assert result.notes == ()  # QĐ 922 methodology in both years: no break


def test_rank_units_without_complete_scores_keeps_published_ranks_only(toy):
    result = A.rank_units(toy, GROUP, 2022)
    table = result.table.set_index("unit_code")
    assert table["rank"].tolist()[:3] == [1, 2, 3] and pd.isna(table.loc["904", "rank"])
    assert A.why("units_without_value", year=2022, count=1, n_units=4) in result.notes


def test_rank_units_reason_when_no_data(toy):
    result = A.rank_units(toy, GROUP, 2030)
    assert not result.ok and result.table.empty
    assert result.reason == A.why("no_rows", peer_group="toy_group", indicator="dti_total", year=2030)
    assert list(result.table.columns) == list(A.RANK_COLUMNS)


def test_rank_history_long_table(toy):
    result = A.rank_history(toy, GROUP)
    assert result.table.groupby("reference_year").size().to_dict() == {2022: 4, 2023: 4}


def test_decompose_points_hand_computed(toy, real):
    result = A.decompose_points(toy, real["dti_frameworks"], GROUP, 2023)
    table = result.table.set_index(["unit_code", "indicator"])
    gov = "hoat_dong_chinh_quyen_so_digital_government_activities"
    assert table.loc[("901", gov), "points"] == pytest.approx(150.0)   # 0.75 × 200
    assert table.loc[("901", gov), "headroom_points"] == pytest.approx(50.0)
    assert table.loc[("901", MAIN[0]), "sum_points"] == pytest.approx(700.0)
    assert table.loc[("901", MAIN[0]), "residual_points"] == pytest.approx(0.0)
    # the unit with two missing main indicators: listed with NaN, no residual
    assert table.loc[("902", MAIN[6]), "value_status"] == "missing"
    assert not table.loc[("902", MAIN[0]), "complete"]
    assert table.loc[("902", MAIN[0]), "n_main_indicators"] == 6
    assert math.isnan(table.loc[("902", MAIN[0]), "residual_points"])
    assert result.summary["max_abs_residual_points"] == pytest.approx(0.0)


def test_decompose_points_falls_back_to_stated_maxima(real):
    # staff-workbook style: main indicators in points with their own maximum, framework
    # without recorded points (vp_2023_district)
    rows = [_row(2023, "901", "dti_total", 240, "points", framework="vp_2023_district")]
    for indicator, score, maximum in ((MAIN[5], 150, 200.0), (MAIN[6], 90, 150.0)):
        row = _row(2023, "901", indicator, score, "points", framework="vp_2023_district")
        rows.append(row | {"score_max": maximum, "pct_of_max": 100 * score / maximum})
    scores = dti_scores_schema().validate(pd.DataFrame(rows).astype(
        {c: "Int64" for c in ("rank", "rank_low", "rank_high", "rank_of")}))
    table = A.decompose_points(scores, real["dti_frameworks"], GROUP, 2023).table
    assert table["max_points"].tolist() == [200.0, 150.0]
    assert table["points"].tolist() == pytest.approx([150.0, 90.0])
    assert table["residual_points"].tolist() == pytest.approx([0.0, 0.0])


def test_decompose_change_adds_up(toy, real):
    result = A.decompose_change(toy, real["dti_frameworks"], GROUP, 2022, 2023, unit_code="901")
    table = result.table.set_index("indicator")
    assert table.loc["dti_total", "points_change"] == pytest.approx(85.0)
    gov = "hoat_dong_chinh_quyen_so_digital_government_activities"
    assert table.loc[gov, "points_change"] == pytest.approx(20.0)       # +0.10 × 200
    assert table.loc[MAIN[6], "points_change"] == pytest.approx(15.0)   # +0.10 × 150
    mains = table[table["indicator_level"] == "main_indicator"]["points_change"].sum()
    assert mains + table.loc["rounding_residual", "points_change"] == pytest.approx(85.0)
    assert table.index[1:9].tolist() == MAIN  # framework order


def test_decompose_change_reason_for_one_year_only_unit(toy, real):
    result = A.decompose_change(toy, real["dti_frameworks"], GROUP, 2022, 2023, unit_code="904")
    assert not result.ok and result.reason.code == "no_main_both_years"
    assert result.reason.params["unit_code"] == "904"


def test_strengths_weaknesses_hand_computed(toy):
    result = A.find_strengths_weaknesses(toy, GROUP, 2023, "901")
    table = result.table.set_index("indicator")
    strengths = table.index[table["by_pct"] == "strength"].tolist()
    weaknesses = table.index[table["by_pct"] == "weakness"].tolist()
    assert strengths == MAIN[:3]                       # 100, 90, 80 % of max
    assert weaknesses == [MAIN[4], MAIN[6], MAIN[7]]   # 60, 60 (tie), 40
    # ranks among units with a score: government activities ties with 903 at 2nd
    assert table["rank"].tolist() == [1, 1, 2, 2, 2, 2, 1, 1]
    assert table.loc[MAIN[6], "rank_of"] == 3          # 902 has no digital economy score
    assert table.index[table["by_rank"] == "strength"].tolist() == [MAIN[0], MAIN[1], MAIN[6]]
    assert table.index[table["by_rank"] == "weakness"].tolist() == [MAIN[3], MAIN[4], MAIN[5]]
    # cyber-security is among the 3 lowest of all 4 units: a shared weakness
    assert table.loc[MAIN[4], "shared_weakness"]
    assert table.loc[MAIN[4], "n_units_weak"] == 4 and table.loc[MAIN[7], "n_units_weak"] == 3
    assert table["shared_weakness"].sum() == 1
    assert table.loc[MAIN[0], "peer_median_pct"] == pytest.approx(85.0)  # 100, 80, 90, 60


def test_strengths_reason_for_unit_without_main_indicators(toy):
    result = A.find_strengths_weaknesses(toy, GROUP, 2022, "904")
    assert not result.ok and result.reason.code == "too_few_main_indicators"
    assert result.reason.params["needed"] == 2 and result.reason.params["count"] < 2


def test_benchmark_and_band(toy):
    table = A.benchmark_unit(toy, GROUP, 2023, "901").table.set_index("indicator")
    total = table.loc["dti_total"]
    assert total["peer_mean_pct"] == pytest.approx((70 + 65 + 65 + 49.5) / 4)
    assert total["peer_median_pct"] == pytest.approx(65.0)
    assert total["best_unit_code"] == "901" and total["gap_to_best_pct"] == 0
    assert total["band"] == "high"
    assert table.loc[MAIN[5], "best_unit_code"] == "902"
    assert A.assign_level_band(75.0) == "very high" and A.assign_level_band(24.9) == "low"


def test_nearest_peers_cdist(toy):
    table = A.find_nearest_peers(toy, GROUP, 2023, "901").table
    # 902 lacks two main indicators; distances in % of max points
    assert table["peer_unit_code"].tolist() == ["903", "904"]
    assert table["distance"].tolist() == pytest.approx([math.sqrt(1100), math.sqrt(5275)])


def test_dominance_pairs(toy):
    result = A.find_dominance_pairs(toy, GROUP, 2023)
    pairs = list(zip(result.table["unit_code"], result.table["dominated_unit_code"]))
    assert pairs == [("901", "904"), ("903", "904")]
    assert result.summary == {"n_units": 3, "n_pairs": 3, "n_dominance_pairs": 2}
    assert A.why("incomplete_units_left_out", count=1, n_complete=3) in result.notes


def test_monte_carlo_is_seeded_and_respects_dominance(toy, real):
    frameworks = real["dti_frameworks"]
    first = A.simulate_rank_uncertainty(toy, frameworks, GROUP, 2023, n_runs=400, seed=1)
    again = A.simulate_rank_uncertainty(toy, frameworks, GROUP, 2023, n_runs=400, seed=1)
    pd.testing.assert_frame_equal(first.table, again.table)
    table = first.table.set_index("unit_code")
    assert table["official_rank"].to_dict() == {"901": 1, "903": 2, "904": 3}
    # 904 is dominated by both others: last in every run
    assert (table.loc["904", ["median_rank", "rank_low", "rank_high"]] == 3).all()
    assert table.loc["904", ["median_rank", "rank_low", "rank_high"]].tolist() == [3, 3, 3]
    uniform = A.simulate_rank_uncertainty(toy, frameworks, GROUP, 2023, n_runs=200,
                                          weights="uniform", normalisations=("minmax",))
    assert uniform.summary["scenarios"] == ["minmax × arithmetic", "minmax × geometric"]
    with pytest.raises(ValueError, match="weights"):
        A.simulate_rank_uncertainty(toy, frameworks, GROUP, 2023, weights="equal")


def test_rank_stability_ties_fall_back_to_asymptotic(toy):
    result = A.measure_rank_stability(toy, GROUP, 2022, 2023)
    # scores 61.5/68/55 → 70/65/65: one concordant, one discordant, one tied pair: τ_b = 0
    assert result.summary["basis"] == "score" and result.summary["n_units"] == 3
    assert result.summary["kendall_tau"] == pytest.approx(0.0)
    assert result.summary["kendall_method"] == "asymptotic"


def test_summarise_change_hand_computed(toy, real):
    result = A.summarise_change(toy, GROUP, 2022, 2023, frameworks=real["dti_frameworks"],
                                n_resamples=999)
    s = result.summary
    assert result.table["change_pct"].tolist() == pytest.approx([8.5, -3.0, 10.0])
    assert s["mean_change_pct"] == pytest.approx(15.5 / 3)
    assert (s["n_up"], s["n_down"]) == (2, 1)
    # signed ranks 2, −1, 3: W− = 1; exact two-sided p = 2 × P(W ≤ 1) = 2 × 2/8
    assert s["wilcoxon_statistic"] == 1.0 and s["wilcoxon_p"] == pytest.approx(0.5)
    assert s["sign_test_p"] == pytest.approx(1.0)
    assert s["mean_change_points"] == pytest.approx(51.6667, abs=1e-4)
    assert s["ci_low_pct"] <= s["mean_change_pct"] <= s["ci_high_pct"]
    # without the frameworks table a change of framework_id counts as a break (conservative)
    cautious = A.summarise_change(toy, GROUP, 2022, 2023, n_resamples=999).summary
    assert math.isnan(cautious["mean_change_points"]) and cautious["framework_breaks"] == [2023]


def test_change_reason_with_too_few_units(toy):
    result = A.summarise_change(toy, GROUP, 2022, 2023, min_units=4)
    assert not result.ok and result.reason.code == "too_few_units_both_years"
    assert (result.reason.params["count"], result.reason.params["needed"]) == (3, 4)


def test_sigma_convergence_hand_computed(toy):
    table = A.measure_sigma_convergence(toy, GROUP).table.set_index("reference_year")
    assert table.loc[2022, "n_units"] == 3  # balanced: 904 has no 2022 score
    assert table.loc[2022, "sd_pct"] == pytest.approx(6.5)
    assert table.loc[2022, "cv"] == pytest.approx(6.5 / 61.5)
    assert table.loc[2023, "cv"] == pytest.approx(math.sqrt(25 / 3) / (200 / 3))


def test_beta_convergence_hand_computed(toy):
    result = A.measure_beta_convergence(toy, GROUP, 2022, 2023)
    growth = {"901": 100 * math.log(70 / 61.5), "902": 100 * math.log(65 / 68),
              "903": 100 * math.log(65 / 55)}
    table = result.table.set_index("unit_code")
    assert table["growth_pct_per_year"].to_dict() == pytest.approx(growth)
    slopes = [(growth["902"] - growth["901"]) / 6.5, (growth["903"] - growth["901"]) / -6.5,
              (growth["903"] - growth["902"]) / -13]
    assert result.summary["slope"] == pytest.approx(float(np.median(slopes)))


# ----------------------------------------------------------------------------- real data


def test_lap_thach_2023_rank_table(real):
    result = A.rank_units(real["dti_scores"], "districts_of_26", 2023,
                          frameworks=real["dti_frameworks"])
    first = result.table.iloc[0]
    assert first["unit_code"] == "246" and first["unit_name"] == "Lập Thạch"
    assert first["score"] == pytest.approx(744.213) and first["points"] == pytest.approx(744.213)
    assert (first["rank"], first["rank_of"], first["previous_rank"]) == (1, 9, 5)
    assert first["rank_change"] == 4 and first["rank_arrow"] == "▲4"
    # district framework changed 2022 → 2023 (C8): % of max only
    assert first["pct_of_max_change"] == pytest.approx(74.4213 - 58.2413)
    assert math.isnan(first["points_change"])
    assert any(n.code == "framework_break_pct" and n.params["breaks"] == [2023] for n in result.notes)
    assert result.table["rank"].notna().sum() == 1


def test_districts_2024_have_no_data(real):
    result = A.rank_units(real["dti_scores"], "districts_of_26", 2024)
    assert not result.ok and result.reason.code == "no_score_or_rank"
    assert result.reason.params["statuses"] == ["missing"]


def test_da_nang_2022_decomposition(real):
    result = A.decompose_points(real["dti_scores"], real["dti_frameworks"], "province_63", 2022)
    dn = result.table[result.table["unit_code"] == "48"].set_index("indicator")
    assert dn.loc[MAIN[0], "points"] == pytest.approx(100.0)       # 1.0000 × 100
    assert dn.loc[MAIN[1], "points"] == pytest.approx(90.0)        # 0.9000 × 100
    assert dn.loc[MAIN[5], "points"] == pytest.approx(171.5)       # 0.8575 × 200
    assert dn.loc[MAIN[7], "headroom_points"] == pytest.approx(72.045)  # 150 − 0.5197 × 150
    assert dn["total_points"].iloc[0] == pytest.approx(800.2)
    assert dn["sum_points"].iloc[0] == pytest.approx(800.175)
    assert dn["residual_points"].iloc[0] == pytest.approx(0.025)
    assert set(result.table["unit_code"]) == {"22", "46", "48", "79", "92"}
    assert result.summary["max_abs_residual_points"] < 0.1  # rounding of 0–1 values only


def test_da_nang_change_2022_2023_total_only(real):
    # no 2023 main-indicator score is published by a usable source (the 0.7262 and 0.5881 were
    # cited only to a sports-site republication and are dropped), so no split by indicator
    result = A.decompose_change(real["dti_scores"], real["dti_frameworks"], "province_63",
                                2022, 2023, unit_code="48")
    assert not result.ok and result.reason == A.why("no_main_scores", peer_group="province_63",
                                                    year=2023)
    # the total change is still there: 0.8340 (2023, Báo Mới) − 0.8002 (2022, dti.gov.vn)
    ranks = A.rank_units(real["dti_scores"], "province_63", 2023).table
    dn = ranks[ranks["unit_code"] == "48"].iloc[0]
    assert dn["pct_of_max"] == pytest.approx(83.40)
    assert dn["previous_pct_of_max"] == pytest.approx(80.02)
    assert dn["pct_of_max_change"] == pytest.approx(3.38)
    assert (dn["rank"], dn["previous_rank"]) == (1, 1)


def test_da_nang_shared_weaknesses_2022(real):
    table = A.find_strengths_weaknesses(real["dti_scores"], "province_63", 2022, "48").table
    table = table.set_index("indicator")
    assert sorted(table.index[table["shared_weakness"]]) == sorted([MAIN[4], MAIN[7]])
    assert table.loc[MAIN[6], "n_units_weak"] == 3 and table.loc[MAIN[4], "n_units_compared"] == 5
    assert table.loc[MAIN[0], "by_pct"] == "strength"


def test_da_nang_2023_strengths_from_ranks_only(real):
    table = A.find_strengths_weaknesses(real["dti_scores"], "province_63", 2023, "48").table
    table = table.set_index("indicator")
    # five published ranks, all 1st of 63 (Báo Mới): strengths, and no rank-1 "weakness"
    first = [MAIN[0], MAIN[1], MAIN[3], MAIN[4], MAIN[5]]
    assert list(table.index) == first
    assert (table["rank"] == 1).all() and (table["rank_of"] == 63).all()
    assert (table["rank_basis"] == "published").all() and table["pct_of_max"].isna().all()
    assert table.loc[[MAIN[0], MAIN[1]], "by_rank"].tolist() == ["strength", "strength"]
    assert "weakness" not in set(table["by_rank"])
    assert MAIN[6] not in table.index  # 6th in digital economy: only a sports-site source


def test_tied_rank_is_never_a_weakness():
    # four main indicators with published ranks only, all 1st: framework order must not make
    # two of them weaknesses; a rank of 5 among them is one
    rows = [_row(2023, "901", i, None, "0-1", rank=1) for i in MAIN[:4]]
    table = A.find_strengths_weaknesses(pd.DataFrame(rows), GROUP, 2023, "901").table
    assert table["by_rank"].tolist() == ["strength", "strength", "", ""]
    rows[3] = _row(2023, "901", MAIN[3], None, "0-1", rank=5)
    table = A.find_strengths_weaknesses(pd.DataFrame(rows), GROUP, 2023, "901").table
    assert table["by_rank"].tolist() == ["strength", "strength", "", "weakness"]


def test_rank_only_unit_has_no_benchmark(real):
    result = A.benchmark_unit(real["dti_scores"], "province_63", 2022, "26")
    assert not result.ok and result.reason == A.why("unit_has_no_score", unit_code="26",
                                                    peer_group="province_63", year=2022)


def test_real_dominance_and_monte_carlo(real):
    pairs = A.find_dominance_pairs(real["dti_scores"], "province_63", 2022).table
    assert sorted(pairs.loc[pairs["unit_code"] == "48", "dominated_unit_code"]) == \
        ["22", "46", "92"]  # not HCMC: 82.58 > 82.53 on digital infrastructure
    mc = A.simulate_rank_uncertainty(real["dti_scores"], real["dti_frameworks"], "province_63",
                                     2022, n_runs=500).table.set_index("unit_code")
    assert mc.loc["48", ["median_rank", "rank_low", "rank_high"]].tolist() == [1, 1, 1]
    assert mc["official_rank"].to_dict() == {"48": 1, "79": 2, "22": 3, "46": 4, "92": 5}


def test_real_rank_stability_exact_kendall(real):
    result = A.measure_rank_stability(real["dti_scores"], "province_63", 2022, 2023,
                                      frameworks=real["dti_frameworks"])
    a, b = result.table["rank_a"].tolist(), result.table["rank_b"].tolist()
    pairs = [(i, j) for i in range(len(a)) for j in range(i + 1, len(a))]
    concordant = sum((a[i] - a[j]) * (b[i] - b[j]) > 0 for i, j in pairs)
    assert result.summary["basis"] == "rank" and result.summary["n_units"] == 12
    assert result.summary["kendall_tau"] == pytest.approx((2 * concordant - len(pairs))
                                                          / len(pairs))
    assert result.summary["kendall_method"] == "exact"
    assert result.summary["framework_breaks"] == []


def test_real_districts_too_sparse_for_change(real):
    result = A.summarise_change(real["dti_scores"], "districts_of_26", 2022, 2023)
    assert not result.ok and result.reason.code == "too_few_units_both_years"
    assert (result.reason.params["count"], result.reason.params["peer_group"]) == (1, "districts_of_26")


def test_real_sigma_unbalanced(real):
    result = A.measure_sigma_convergence(real["dti_scores"], "province_63", years=[2022],
                                         balanced=False)
    row = result.table.iloc[0]
    values = [80.02, 71.63, 70.24, 69.75, 69.24, 60.77]
    assert row["n_units"] == 6 and row["mean_pct"] == pytest.approx(70.275)
    assert row["cv"] == pytest.approx(np.std(values, ddof=1) / np.mean(values))


def test_framework_breaks(real):
    frameworks = real["dti_frameworks"]
    breaks = A.list_framework_breaks(frameworks, 2019, 2025, "province").table
    assert breaks["break_year"].tolist() == [2020, 2021, 2022, 2025]  # 2021: 9 main indicators, not 3 pillars
    assert breaks["framework_id"].tolist()[1:3] == ["mic_dti_2021", "mic_qd922_2022"]
    assert A.list_framework_breaks(frameworks, 2022, 2023, "province").table.empty
    assert A.list_framework_breaks(frameworks, 2023, 2022, "district").table[
        "break_year"].tolist() == [2023]
    assert not A.list_framework_breaks(frameworks, 2020, 2024, "village").ok


def test_targets_refuse_mixed_definitions(real):
    result = A.measure_target_gaps(real["indicators"], real["indicator_catalogue"], "246")
    table = result.table.set_index(["indicator", "target_indicator"])
    accounts = table.loc[("adults_18plus_with_transaction_account_share",
                          "population_15plus_with_bank_account_target")]
    assert not accounts["comparable"] and pd.isna(accounts["gap"])
    assert accounts["explanation"] == A.why("different_populations", population_a="people aged 18+",
                                            population_b="people aged 15+")
    fibre = table.loc[("communes_with_fibre_transmission_share",
                       "households_with_fibre_share_target")]
    assert fibre["explanation"] == A.why("different_populations", population_a="communes and towns",
                                         population_b="households")
    assert table["comparable"].sum() == 0  # no target of Vĩnh Phúc or Vietnam fits Lập Thạch
    assert any(n.code == "pairs_not_compared" for n in result.notes)


def test_targets_comparable_gap(real):
    table = A.measure_target_gaps(real["indicators"], real["indicator_catalogue"], "26").table
    row = table[(table["indicator"] == "population_15plus_with_transaction_account_share")
                & (table["target_indicator"] == "population_15plus_with_bank_account_target")]
    row = row.iloc[0]
    # 65–70 % (end 2022) against the 2022 target of 65–70 %: the range counts at its lower end
    assert row["comparable"] and row["target_value"] == 65.0
    assert row["gap"] == pytest.approx(65.0 - 67.5) and row["met"]


def test_targets_reason_without_indicators(real):
    result = A.measure_target_gaps(real["indicators"], real["indicator_catalogue"], "248")
    assert not result.ok and result.reason.code == "no_indicator_values"
    assert result.reason.params["unit_code"] == "248"


def test_check_comparable(real):
    catalogue = real["indicator_catalogue"]
    assert A.check_comparable(catalogue, "population_4g_coverage_share",
                              "population_4g_coverage_target") == (True, None)
    verdict = A.check_comparable(catalogue, "mobile_base_stations_3g_4g_share",
                                 "population_4g_coverage_target")
    assert not verdict.comparable and verdict.explanation == A.why(
        "different_populations", population_a="base stations", population_b="population")
    assert not A.check_comparable(catalogue, "shops_using_pos_share", "no_such_indicator")[0]


def test_missing_column_is_a_programming_error(toy):
    with pytest.raises(ValueError, match="lacks column"):
        A.rank_units(toy.drop(columns="pct_of_max"), GROUP, 2023)
