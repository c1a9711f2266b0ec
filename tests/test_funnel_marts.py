"""Funnel and pipeline marts (issue 3): hand-computed scenario, independent polars check, determinism.

Scenario ``tests/fixtures/funnel_scenario`` = ``landing_small`` plus opportunities O4..O16, their stage
histories, leads, activities, three linked orders with payments and June quotas. Every expected number
below was worked out by hand from those files (built with as_of 2024-06-30, funnel_min_team_sample 5,
funnel_min_company_sample 3, funnel_snapshot_daily_days 7):

Stage histories (all entries at 10:00 unless noted; "→lost" = lost entry):
  O1  1 01-03, 2 01-05, 3 01-08, 4 01-11, 5_won 01-15              won  1400  R2/T1
  O2  1 01-05, 2 01-12, lost 01-30                                   lost 3500 (500 USD × 7.0) R3/T2
  O3  1 02-01, 方案报价(=3) 02-10 — skips 2                          open 2000 R3/T2, expected close 03-31
  O4  1 02-01, 2 02-05, 3 02-12, 4 02-20, 5_won 03-01, 6 03-20      won  1000 R2/T1
  O5  1 02-03, 3 02-10 (skips 2), 4 02-25, Lost 03-10                lost 2000 R3/T2 (8C/1F/0W)
  O6  1 03-01, 2 03-05, 3 03-12, 2 03-20 (back), 3 04-01 (re-entry), 4 04-10, 5_won 04-20, 6 05-15
                                                                     won  3000 R2/T1, no linked order
  O7  Prospecting 03-05, Engaging 03-15, 输单 04-02                  lost 1500 R3/T2
  O8  1 04-02, lost 04-15                                            lost  800 R2/T1
  O9  1 04-05, 2 04-20, 3 05-10, 4 06-01                             open 5000 R2/T1, close 07-15
  O10 1 03-10, 2 03-25 (last activity 04-10)                         open 1200 R2/T1, close 05-31
  O11 1 06-10                                                        open  600 R2/T1, close 08-31
  O12 1 04-10, 2 04-18, 4 05-02 (skips 3), 5_won 05-20                won  2500 R3/T2, paid in full 06-25
  O13 1 04-15, 2 04-25, 3 05-05, 4 05-15, lost 06-05                 lost 4000 R3/T2, close 06-20
  O14 1 05-01, 2 05-08, 3 05-15; status won, closed 06-12 14:00 but no won entry (synthetic 5_won)
                                                                     won   700 R2/T1, order unpaid
  O15 需求提出 05-20, 项目立项 06-01, 预选 06-10, 方案比较 06-15 (same stage: merged)
                                                                     open 1800 R3/T2, close 06-25
  O16 created 07-05: after the as-of date, absent everywhere.
Closed by 06-30: won O1 O4 O6 O12 O14, lost O2 O5 O7 O8 O13. Furthest stage of the lost: 2, 4, 2, 1, 4.
So company stage win rates: stage 1 = 5/10, stage 2 = 5/9 (O8 never reached 2), stages 3-4 = 5/7.
Teams form a three-level tree T0 (China Sales) ← T1 (East) ← T2 (South): R2's deals sit directly in T1,
R3's in T2, none directly in T0, so T2's subtree = T2, T1's = T1 + T2 and T0's = everything.
"""

from __future__ import annotations

import calendar
import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import FIXTURES, KEEPING_OTHER_DATES, build_fixture_warehouse
from oracles import dbt_var

from orchestration.dbt_stream import ROW_COUNT_LINE

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "dbt_project" / "seeds"
SCENARIO = FIXTURES / "funnel_scenario"
SCENARIO_VARS = {"funnel_min_team_sample": 5, "funnel_min_company_sample": 3, "funnel_snapshot_daily_days": 7}
PAST = "2024-03-31"
JUNE = "2024-06-30"
FUNNEL_MODELS = [
    "fct_opportunity_stage_history",
    "mart_funnel_stage",
    "mart_stage_win_rate",
    "mart_win_rate",
    "mart_lead_conversion",
    "mart_sales_cycle",
    "mart_pipeline_snapshot",
    "mart_sales_forecast",
    "mart_pipeline_velocity",
    "mart_funnel_anomaly",
]
# Only the as-of date and the funnel models are rebuilt when the as-of date changes.
FUNNEL_SELECT = [
    "--select",
    "int_as_of_date",
    "path:models/intermediate/funnel",
    "path:models/marts/funnel",
    "path:tests/funnel",
    "--indirect-selection",
    "cautious",
    *KEEPING_OTHER_DATES,
]


def _vars(as_of: str) -> list[str]:
    return ["--vars", json.dumps({"as_of_date": as_of, **SCENARIO_VARS})]


def _dump(warehouse: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {m: con.execute(f"select * from marts.{m} order by all").fetchall() for m in FUNNEL_MODELS}
    finally:
        con.close()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Four builds of the scenario: past date twice, June incrementally on top, June from scratch."""
    from orchestration.dbt_project import WITHOUT_UNIT_TESTS
    from orchestration.pipeline import run_dbt

    root = tmp_path_factory.mktemp("funnel_scenario")
    warehouse = root / "salesops.duckdb"
    target = root / "dbt_target"
    build_fixture_warehouse(
        SCENARIO,
        warehouse,
        [
            "--select",
            "+path:models/marts/funnel",
            "path:tests/funnel",
            # Upstream (staging/core) tests belong to other suites; the funnel's run in the last build.
            "--indirect-selection",
            "empty",
            *_vars(PAST),
        ],
    )
    past_first = _dump(warehouse)
    past_copy = root / "past.duckdb"
    shutil.copy(warehouse, past_copy)
    # Generic dbt tests of the funnel models run in the last build (the state the June tests read).
    run_dbt(["run", *FUNNEL_SELECT, *_vars(PAST)], warehouse, target_path=target)
    past_again = _dump(warehouse)
    # With the row counts the Dagster asset shows (dagster-dbt sets DAGSTER_DBT_CLI; macros/report_row_count.sql).
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DAGSTER_DBT_CLI", "true")
        june_run = run_dbt(["run", *FUNNEL_SELECT, *_vars(JUNE)], warehouse, target_path=target)
    june_incremental = _dump(warehouse)
    run_dbt(
        ["build", *WITHOUT_UNIT_TESTS, *FUNNEL_SELECT, *_vars(JUNE), "--full-refresh"], warehouse, target_path=target
    )
    june_full = _dump(warehouse)
    return {
        "warehouse": warehouse,
        "past_warehouse": past_copy,
        "manifest": target / "manifest.json",
        "past_first": past_first,
        "past_again": past_again,
        "june_incremental": june_incremental,
        "june_reported_rows": re.findall(rf"{ROW_COUNT_LINE}marts\.mart_pipeline_snapshot (\d+)", june_run.stdout),
        "june_full": june_full,
    }


@pytest.fixture(scope="module")
def june(scenario) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(scenario["warehouse"]), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def past(scenario) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(scenario["past_warehouse"]), read_only=True)
    yield con
    con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return [
        tuple(pytest.approx(v, abs=1e-5) if isinstance(v, float) else v for v in r) for r in con.sql(sql).fetchall()
    ]


# ------------------------------------------------------------------ determinism and history


def test_same_as_of_date_gives_identical_rows(scenario):
    for model in FUNNEL_MODELS:
        assert scenario["past_first"][model], f"{model} is empty"
        assert scenario["past_first"][model] == scenario["past_again"][model], model


def test_incremental_history_equals_full_rebuild(scenario):
    # June built incrementally on top of the March snapshot history == June built from scratch.
    for model in FUNNEL_MODELS:
        assert scenario["june_incremental"][model] == scenario["june_full"][model], model


def test_past_as_of_date_gives_a_different_snapshot(scenario):
    for model in ["mart_pipeline_snapshot", "mart_funnel_anomaly", "mart_sales_cycle", "mart_stage_win_rate"]:
        assert scenario["past_first"][model] != scenario["june_full"][model], model


def test_snapshot_keeps_month_ends_and_last_days(june, past):
    # March build: month-ends Jan (no open deal), Feb (3 deals), Mar + 7 days 03-25..03-31 × 4 deals.
    assert past.sql("select count(*), count(distinct snapshot_date) from marts.mart_pipeline_snapshot").fetchall() == [
        (3 + 7 * 4, 8)
    ]
    # June: Feb 3, Mar 4, Apr 5, May 6, then 06-24..06-30 × 5; March's daily rows were pruned.
    counts = june.sql(
        "select snapshot_date, count(*) from marts.mart_pipeline_snapshot group by 1 order by 1"
    ).fetchall()
    expected = [(date(2024, 2, 29), 3), (date(2024, 3, 31), 4), (date(2024, 4, 30), 5), (date(2024, 5, 31), 6)]
    expected += [(date(2024, 6, d), 5) for d in range(24, 31)]
    assert counts == expected


def test_the_row_count_for_dagster_is_taken_after_the_daily_rows_are_pruned(scenario):
    # The June rows above (3 + 4 + 5 + 6 + 7 × 5): the post-hook that prunes March's daily rows ran first.
    assert scenario["june_reported_rows"] == ["53"]
    assert len(scenario["june_incremental"]["mart_pipeline_snapshot"]) == 53


# ------------------------------------------------------------------ hand-computed values


def test_stage_history_handles_skips_reentries_merges_and_missing_won_entry(june, past):
    o6 = _rows(
        june,
        """select entry_number, stage_code, entered_date, exit_type, days_in_stage, is_reentry
           from marts.fct_opportunity_stage_history where opportunity_id = 'O6' order by entry_number""",
    )
    assert o6 == [
        (1, "1_qualified", date(2024, 3, 1), "advanced", 4, False),
        (2, "2_discovery", date(2024, 3, 5), "advanced", 7, False),
        (3, "3_proposal", date(2024, 3, 12), "regressed", 8, False),
        (4, "2_discovery", date(2024, 3, 20), "advanced", 12, True),
        (5, "3_proposal", date(2024, 4, 1), "advanced", 9, True),
        (6, "4_negotiation", date(2024, 4, 10), "won", 10, False),
        (7, "5_won", date(2024, 4, 20), "advanced", 25, False),
        (8, "6_collected", date(2024, 5, 15), "won", None, False),
    ]
    # On 2024-03-31 the history ended at the slip back to discovery: still open there, 11 days.
    assert _rows(
        past,
        """select entry_number, stage_code, exit_type, days_in_stage from marts.fct_opportunity_stage_history
           where opportunity_id = 'O6' order by entry_number desc limit 1""",
    ) == [(4, "2_discovery", "open", 11)]
    assert _rows(
        june,
        """select opportunity_id, entry_number, stage_code, exit_type, stages_skipped, is_synthetic
           from marts.fct_opportunity_stage_history
           where opportunity_id in ('O3', 'O14', 'O15') order by opportunity_id, entry_number""",
    ) == [
        ("O14", 1, "1_qualified", "advanced", 0, False),
        ("O14", 2, "2_discovery", "advanced", 0, False),
        ("O14", 3, "3_proposal", "won", 1, False),
        ("O14", 4, "5_won", "won", 0, True),
        ("O15", 1, "1_qualified", "advanced", 0, False),
        ("O15", 2, "2_discovery", "advanced", 0, False),
        ("O15", 3, "3_proposal", "open", 0, False),
        ("O3", 1, "1_qualified", "advanced", 1, False),
        ("O3", 2, "3_proposal", "open", 0, False),
    ]
    # 5+3+2+6+4+8+3+2+4+2+1+4+5+4+3 entries (O16 is after the as-of date).
    assert june.sql("select count(*) from marts.fct_opportunity_stage_history").fetchall() == [(56,)]


def test_stage_conversion_company_funnel(june):
    rows = _rows(
        june,
        """select stage_code, cohort_month, entered_count, skipped_count, advanced_count, won_count, lost_count,
                  open_count, cast(conversion_rate as double), cast(leakage_rate as double)
           from marts.mart_funnel_stage
           where slice_type = 'company' and stage_code in ('1_qualified', '2_discovery', '4_negotiation')
           order by stage_code, cohort_month""",
    )
    m = {k: date(2024, k, 1) for k in range(1, 7)}
    assert rows == [
        # Stage 1: every deal, cohort = month of its first entry. April: O8 leaks, O9 O12 O13 advance.
        ("1_qualified", m[1], 2, 0, 2, 1, 0, 0, 1.0, 0.0),
        ("1_qualified", m[2], 3, 0, 3, 1, 0, 0, 1.0, 0.0),
        ("1_qualified", m[3], 3, 0, 3, 1, 0, 0, 1.0, 0.0),
        ("1_qualified", m[4], 4, 0, 3, 1, 1, 0, 0.75, 0.25),
        ("1_qualified", m[5], 2, 0, 2, 1, 0, 0, 1.0, 0.0),
        ("1_qualified", m[6], 1, 0, 0, 0, 0, 1, 0.0, 0.0),
        # Stage 2: O3 and O5 skipped it in February (passed through); O2 and O7 leaked; O10 still open.
        ("2_discovery", m[1], 2, 0, 1, 1, 1, 0, 0.5, 0.5),
        ("2_discovery", m[2], 3, 2, 3, 1, 0, 0, 1.0, 0.0),
        ("2_discovery", m[3], 3, 0, 1, 1, 1, 1, 1 / 3, 1 / 3),
        ("2_discovery", m[4], 3, 0, 3, 1, 0, 0, 1.0, 0.0),
        ("2_discovery", m[5], 1, 0, 1, 1, 0, 0, 1.0, 0.0),
        ("2_discovery", m[6], 1, 0, 1, 0, 0, 0, 1.0, 0.0),
        # Stage 4: O5 and O13 leaked; O14 skipped it into its won entry in June; O9 still negotiating.
        ("4_negotiation", m[1], 1, 0, 1, 1, 0, 0, 1.0, 0.0),
        ("4_negotiation", m[2], 2, 0, 1, 1, 1, 0, 0.5, 0.5),
        ("4_negotiation", m[4], 1, 0, 1, 1, 0, 0, 1.0, 0.0),
        ("4_negotiation", m[5], 2, 0, 1, 1, 1, 0, 0.5, 0.5),
        ("4_negotiation", m[6], 2, 1, 1, 1, 0, 1, 0.5, 0.0),
    ]
    # Closed cohorts (domain.md §2.4): only deals of the cohort closed won/lost by 06-30 are in the
    # denominator. Stage 2, March: O6 won, O7 lost at 2, O10 still open → 1 of 2 closed advanced (the
    # open-denominator rate above is 1/3). Stage 1, April: O8 lost at 1, O12 won, O13 lost at 4 (O9 open).
    assert _rows(
        june,
        """select stage_code, cohort_month, closed_count, closed_advanced_count,
                  cast(closed_conversion_rate as double), cast(closed_win_rate as double)
           from marts.mart_funnel_stage
           where slice_type = 'company' and stage_code in ('1_qualified', '2_discovery', '4_negotiation')
           order by stage_code, cohort_month""",
    ) == [
        ("1_qualified", m[1], 2, 2, 1.0, 0.5),  # O1 won, O2 lost at 2
        ("1_qualified", m[2], 2, 2, 1.0, 0.5),  # O4 won, O5 lost at 4 (O3 open)
        ("1_qualified", m[3], 2, 2, 1.0, 0.5),  # O6 won, O7 lost at 2 (O10 open)
        ("1_qualified", m[4], 3, 2, 2 / 3, 1 / 3),
        ("1_qualified", m[5], 1, 1, 1.0, 1.0),  # O14 won (O15 open)
        ("1_qualified", m[6], 0, 0, None, None),  # only O11, still open
        ("2_discovery", m[1], 2, 1, 0.5, 0.5),  # O2 lost at 2
        ("2_discovery", m[2], 2, 2, 1.0, 0.5),  # O4, O5 (O3 open)
        ("2_discovery", m[3], 2, 1, 0.5, 0.5),
        ("2_discovery", m[4], 2, 2, 1.0, 0.5),  # O12 won, O13 lost at 4 (O9 open)
        ("2_discovery", m[5], 1, 1, 1.0, 1.0),
        ("2_discovery", m[6], 0, 0, None, None),  # O15 open
        ("4_negotiation", m[1], 1, 1, 1.0, 1.0),
        ("4_negotiation", m[2], 2, 1, 0.5, 0.5),  # O4 won, O5 lost at 4
        ("4_negotiation", m[4], 1, 1, 1.0, 1.0),
        ("4_negotiation", m[5], 2, 1, 0.5, 0.5),  # O12 won, O13 lost at 4
        ("4_negotiation", m[6], 1, 1, 1.0, 1.0),  # O14 won (O9 open)
    ]
    # Amount funnel, stage 1, April: O8 800 + O9 5000 + O12 2500 + O13 4000; O8's 800 leaked.
    assert _rows(
        june,
        """select cast(entered_amount_base as double), cast(advanced_amount_base as double),
                  cast(lost_amount_base as double), cast(won_amount_base as double)
           from marts.mart_funnel_stage
           where slice_type = 'company' and stage_code = '1_qualified' and cohort_month = '2024-04-01'""",
    ) == [(12300.0, 11500.0, 800.0, 2500.0)]
    # Lead-source slice: February stage-1 cohort = O3 (no lead), O4 (event), O5 (search).
    assert _rows(
        june,
        """select slice_value, entered_count from marts.mart_funnel_stage
           where slice_type = 'lead_source' and stage_code = '1_qualified' and cohort_month = '2024-02-01'
           order by 1""",
    ) == [("(none)", 1), ("event", 1), ("search", 1)]


def test_stage_win_rate_company_and_team_minimum_sample(june, past):
    rows = _rows(
        june,
        """select level, team_id, stage_code, reached_count, won_count, cast(win_rate as double)
           from marts.mart_stage_win_rate where window_name = 'trailing_12m' order by level, team_id, stage_order""",
    )
    assert rows[:7] == [
        ("company", "all", "1_qualified", 10, 5, 0.5),
        ("company", "all", "2_discovery", 9, 5, 5 / 9),
        ("company", "all", "3_proposal", 7, 5, 5 / 7),
        ("company", "all", "4_negotiation", 7, 5, 5 / 7),
        ("company", "all", "5_won", 5, 5, 1.0),
        ("company", "all", "6_collected", 2, 2, 1.0),
        ("company", "all", "lost", 5, 0, 0.0),
    ]
    team = {(r[0], r[1], r[2]): (r[3], r[5]) for r in rows[7:]}
    # team_direct = the team's own deals. T1 closed O1 O4 O6 O14 (won) and O8 (lost at stage 1): 5 deals
    # reached stage 1 → shown (min 5); only 4 reached stage 2 → hidden. T2: O12 won, O2 O5 O7 O13 lost,
    # all five reached stage 2. No deal sits directly in T0, so T0 has no team_direct rows.
    assert team[("team_direct", "T1", "1_qualified")] == (5, 0.8)
    assert team[("team_direct", "T1", "2_discovery")] == (4, None)
    assert team[("team_direct", "T2", "2_discovery")] == (5, 0.2)
    assert team[("team_direct", "T2", "3_proposal")] == (3, None)
    assert {r[1] for r in rows[7:] if r[0] == "team_direct"} == {"T1", "T2"}
    # team = the subtree (T0 ← T1 ← T2), the minimum sample applied to the subtree count: T1 = its 4 stage-2
    # deals + T2's 5 = 9 ≥ 5, so T1's stage-2 rate is shown as 5/9 (won ÷ reached over the subtree, not the
    # mean of T1's 4/4 and T2's 1/5). T0 = T1's subtree = the company; T2 is a leaf (= its own deals).
    for level_team in ("T0", "T1"):
        assert team[("team", level_team, "1_qualified")] == (10, 0.5)
        assert team[("team", level_team, "2_discovery")] == (9, 5 / 9)
        assert team[("team", level_team, "3_proposal")] == (7, 5 / 7)
        assert team[("team", level_team, "6_collected")] == (2, None)  # O4, O6 collected: below 5
    assert team[("team", "T2", "2_discovery")] == (5, 0.2)
    assert team[("team", "T2", "3_proposal")] == (3, None)
    assert _rows(
        june,
        """select level, team_id, team_hierarchy_level, is_leaf_team, min_sample, is_sample_sufficient
           from marts.mart_stage_win_rate where window_name = 'trailing_12m' and stage_code = '2_discovery'
           order by 1, 2""",
    ) == [
        ("company", "all", None, None, 1, True),
        ("team", "T0", 1, False, 5, True),
        ("team", "T1", 2, False, 5, True),
        ("team", "T2", 3, True, 5, True),
        ("team_direct", "T1", 2, False, 5, False),
        ("team_direct", "T2", 3, True, 5, True),
    ]
    # On 2024-03-31 only O1 O4 (won) and O2 O5 (lost) had closed.
    assert _rows(
        past,
        """select stage_code, reached_count, cast(win_rate as double) from marts.mart_stage_win_rate
           where level = 'company' and window_name = 'all_time' and stage_order <= 3 order by stage_order""",
    ) == [("1_qualified", 4, 0.5), ("2_discovery", 4, 0.5), ("3_proposal", 3, 2 / 3)]


def test_win_rate_by_month_and_checklist(june):
    rows = _rows(
        june,
        """select period_month, won_count, lost_count, cast(win_rate as double), created_count, created_won_count,
                  checklist_won_count, checklist_lost_count, checklist_meets_benchmark
           from marts.mart_win_rate where slice_type = 'company' order by period_month""",
    )
    assert rows == [
        (date(2024, 1, 1), 1, 1, 0.5, 2, 1, 1, 0, True),  # O1 won (8C/1F/0W), O2 lost
        (date(2024, 2, 1), 0, 0, None, 3, 1, 0, 0, None),  # created O3 O4 O5, O4 won later
        (date(2024, 3, 1), 1, 1, 0.5, 3, 1, 1, 1, False),  # O4 won, O5 (8C/1F/0W) lost: 50% < 60%
        (date(2024, 4, 1), 1, 2, 1 / 3, 4, 1, 0, 0, None),  # O6 won, O7 O8 lost
        (date(2024, 5, 1), 1, 0, 1.0, 2, 1, 0, 0, None),  # O12 won
        (date(2024, 6, 1), 1, 1, 0.5, 1, 0, 0, 0, None),  # O14 won, O13 lost; O11 created
    ]
    # April closes: O6 won (T1), O8 lost (T1), O7 lost (T2). A team row is the team's subtree
    # (T0 ← T1 ← T2): T1 = 1 won of 3 closed = 1/3 from the subtree counts (the mean of T1's own 1/2 and
    # T2's 0/1 would be 1/4); team_direct rows hold the team's own deals only (none directly in T0).
    assert _rows(
        june,
        """select slice_type, slice_value, team_hierarchy_level, is_leaf_team, won_count, lost_count,
                  cast(win_rate as double)
           from marts.mart_win_rate where slice_type like 'team%' and period_month = '2024-04-01' order by 1, 2""",
    ) == [
        ("team", "T0", 1, False, 1, 2, 1 / 3),
        ("team", "T1", 2, False, 1, 2, 1 / 3),
        ("team", "T2", 3, True, 0, 1, 0.0),
        ("team_direct", "T1", 2, False, 1, 1, 0.5),
        ("team_direct", "T2", 3, True, 0, 1, 0.0),
    ]
    # Company totals: Σ team_direct rows = Σ top-level team rows = the company; Σ all team rows is not.
    assert _rows(
        june,
        """select slice_type, sum(won_count), sum(lost_count), sum(created_count) from marts.mart_win_rate
           where slice_type in ('company', 'team_direct') or (slice_type = 'team' and team_hierarchy_level = 1)
           group by 1 order by 1""",
    ) == [("company", 5, 5, 15), ("team", 5, 5, 15), ("team_direct", 5, 5, 15)]


def test_funnel_stage_team_subtrees(june):
    # Stage 2, March cohort: O6 (T1, later won), O10 (T1, still open at stage 2), O7 (T2, lost at stage 2).
    # team = subtree (T0 ← T1 ← T2), rates from the subtree counts: T1 converts 1 of 3 (not the mean of its
    # own 1/2 and T2's 0/1); closed cohort O6 won + O7 lost → 1/2. team_direct = the team's own deals.
    assert _rows(
        june,
        """select slice_type, slice_value, team_hierarchy_level, is_leaf_team, entered_count, advanced_count,
                  won_count, lost_count, open_count, closed_count, cast(conversion_rate as double),
                  cast(leakage_rate as double), cast(closed_conversion_rate as double),
                  cast(closed_win_rate as double), cast(entered_amount_base as double)
           from marts.mart_funnel_stage
           where slice_type like 'team%' and stage_code = '2_discovery' and cohort_month = '2024-03-01'
           order by 1, 2""",
    ) == [
        ("team", "T0", 1, False, 3, 1, 1, 1, 1, 2, 1 / 3, 1 / 3, 0.5, 0.5, 5700.0),
        ("team", "T1", 2, False, 3, 1, 1, 1, 1, 2, 1 / 3, 1 / 3, 0.5, 0.5, 5700.0),
        ("team", "T2", 3, True, 1, 0, 0, 1, 0, 1, 0.0, 1.0, 0.0, 0.0, 1500.0),
        ("team_direct", "T1", 2, False, 2, 1, 1, 0, 1, 1, 0.5, 0.0, 1.0, 1.0, 4200.0),
        ("team_direct", "T2", 3, True, 1, 0, 0, 1, 0, 1, 0.0, 1.0, 0.0, 0.0, 1500.0),
    ]
    # The top-level team rows and the Σ of team_direct rows both equal the company funnel, stage by stage;
    # each of the 5 lost deals leaks once and each of the 5 open deals is open once.
    totals = june.sql(
        """select slice_type, stage_code, sum(entered_count), sum(advanced_count), sum(lost_count), sum(open_count)
           from marts.mart_funnel_stage
           where slice_type in ('company', 'team_direct') or (slice_type = 'team' and team_hierarchy_level = 1)
           group by 1, 2 order by 2, 1"""
    ).fetchall()
    by_slice = {kind: [r[1:] for r in totals if r[0] == kind] for kind in ("company", "team", "team_direct")}
    assert by_slice["company"] == by_slice["team"] == by_slice["team_direct"]
    assert (sum(r[3] for r in by_slice["company"]), sum(r[4] for r in by_slice["company"])) == (5, 5)


def test_lead_conversion(june):
    rows = _rows(
        june,
        """select cohort_month, lead_source, rep_id, leads_count, man_qualified_count, bant_qualified_count,
                  converted_count, cast(conversion_rate as double), cast(median_days_to_convert as double)
           from marts.mart_lead_conversion order by 1, 2, 3""",
    )
    assert rows == [
        (date(2024, 1, 1), "event", "R2", 2, 2, 2, 2, 1.0, 6.5),  # L1 1 day, L4 12 days
        (date(2024, 1, 1), "search", "R3", 2, 1, 0, 2, 1.0, 5.0),  # L2 1 day (no authority), L5 9 days
        (date(2024, 2, 1), "event", "R2", 2, 1, 1, 1, 0.5, 10.0),  # L6 10 days (leap Feb), L7 disqualified
        (date(2024, 2, 1), "referral", "R3", 1, 0, 0, 0, 0.0, None),
        (date(2024, 3, 1), "referral", "R3", 1, 1, 1, 1, 1.0, 13.0),
        (date(2024, 6, 1), "event", "R2", 1, 1, 1, 0, 0.0, None),  # L10 converts 07-05, after the as-of date
        (date(2024, 6, 1), "search", "(unassigned)", 1, 0, 0, 0, 0.0, None),
    ]


def test_sales_cycle_days_and_touches(june, past):
    rows = _rows(
        june,
        """select opportunity_id, won_date, collected_date, collected_source, signing_cycle_days, collection_days,
                  sales_cycle_days, touches_before_close, touches_band
           from marts.mart_sales_cycle order by won_date""",
    )
    assert rows == [
        ("O1", date(2024, 1, 15), date(2024, 2, 10), "payments", 12, 26, 38, 3, "within"),
        ("O4", date(2024, 3, 1), date(2024, 3, 20), "payments", 29, 19, 48, 2, "below"),
        ("O6", date(2024, 4, 20), date(2024, 5, 15), "stage_history", 50, 25, 75, 6, "above"),
        ("O12", date(2024, 5, 20), date(2024, 6, 25), "payments", 40, 36, 76, 4, "within"),
        # O14: its won entry is synthetic (closed_at 14:00); the 15:00 e-mail is after the close.
        ("O14", date(2024, 6, 12), None, "payments", 42, None, None, 3, "within"),
    ]
    assert [r[0] for r in past.sql("select opportunity_id from marts.mart_sales_cycle order by 1").fetchall()] == [
        "O1",
        "O4",
    ]


def test_pipeline_snapshot_probabilities_and_weighted_amounts(june):
    rows = _rows(
        june,
        """select snapshot_date, opportunity_id, stage_code, days_in_stage, cast(stage_win_probability as double),
                  probability_source, cast(weighted_amount_base as double)
           from marts.mart_pipeline_snapshot
           where snapshot_date in ('2024-02-29', '2024-03-31', '2024-06-30') order by 1, 2""",
    )
    assert rows == [
        # 02-29: only O1 (won) and O2 (lost) had closed: 1 closed deal < 3 → stage defaults 0.45 / 0.70.
        (date(2024, 2, 29), "O3", "3_proposal", 19, 0.45, "stage_default", 900.0),
        (date(2024, 2, 29), "O4", "4_negotiation", 9, 0.7, "stage_default", 700.0),
        (date(2024, 2, 29), "O5", "4_negotiation", 4, 0.7, "stage_default", 1400.0),
        # 03-31: closed O1 O4 (won) O2 O5 (lost): stage 2 = 2/4, stage 3 = 2/3 (O2 stopped at 2).
        (date(2024, 3, 31), "O10", "2_discovery", 6, 0.5, "historical", 600.0),
        (date(2024, 3, 31), "O3", "3_proposal", 50, 2 / 3, "historical", 1333.333333),
        (date(2024, 3, 31), "O6", "2_discovery", 11, 0.5, "historical", 1500.0),
        (date(2024, 3, 31), "O7", "2_discovery", 16, 0.5, "historical", 750.0),
        # 06-30: 5 won / 10 closed: stage 1 = 5/10, 2 = 5/9, 3 and 4 = 5/7. O15 in proposal since 06-10.
        (date(2024, 6, 30), "O10", "2_discovery", 97, 5 / 9, "historical", 666.666667),
        (date(2024, 6, 30), "O11", "1_qualified", 20, 0.5, "historical", 300.0),
        (date(2024, 6, 30), "O15", "3_proposal", 20, 5 / 7, "historical", 1285.714286),
        (date(2024, 6, 30), "O3", "3_proposal", 141, 5 / 7, "historical", 1428.571429),
        (date(2024, 6, 30), "O9", "4_negotiation", 29, 5 / 7, "historical", 3571.428571),
    ]
    # Each deal carries its team's place in the tree T0 ← T1 ← T2 (O3 is R3's, team T2; O9 is R2's, T1).
    assert _rows(
        june,
        """select opportunity_id, team_id, top_team_id, team_path from marts.mart_pipeline_snapshot
           where snapshot_date = '2024-06-30' and opportunity_id in ('O3', 'O9') order by 1""",
    ) == [("O3", "T2", "T0", "/T0/T1/T2/"), ("O9", "T1", "T0", "/T0/T1/")]


def test_weighted_forecast_and_accuracy(june):
    rows = _rows(
        june,
        """select forecast_date, period_month, open_deal_count, cast(unweighted_pipeline_base as double),
                  cast(weighted_forecast_base as double), cast(actual_won_base as double),
                  cast(forecast_accuracy as double), cast(forecast_bias_base as double),
                  overdue_deal_count, cast(overdue_pipeline_base as double)
           from marts.mart_sales_forecast
           where slice_type = 'company' and is_start_of_period_forecast and forecast_date >= '2024-02-29'
           order by forecast_date""",
    )
    # A deal still open after its expected close month is forecast in the first period (O3 due 03-31,
    # O10 due 05-31, O15 due 06-25), so each forecast holds every deal open on its date.
    assert rows == [
        # 02-29 for March: O3 900 + O4 700 + O5 1400; only O4 (1000) won in March.
        (date(2024, 2, 29), date(2024, 3, 1), 3, 5000.0, 3000.0, 1000.0, -1.0, 2000.0, 0, 0.0),
        # 03-31 for April: O6 1500 + O7 750 + overdue O3 2000 × 2/3; O6 won 3000 → 1 − 583.33/3000.
        (date(2024, 3, 31), date(2024, 4, 1), 3, 6500.0, 2250 + 4000 / 3, 3000.0, 1 - (4000 / 3 - 750) / 3000)
        + (4000 / 3 - 750, 1, 2000.0),
        # 04-30 for May: O10 600 + O12 1250 + overdue O3 2000 × 3/4 (stage 3 on 04-30: O1 O4 O6 won, O5
        # lost); O12 won 2500 → 1 − 850/2500.
        (date(2024, 4, 30), date(2024, 5, 1), 3, 5700.0, 3350.0, 2500.0, 0.66, 850.0, 1, 2000.0),
        # 05-31 for June: O13 3200 + O14 560 + O15 900 + overdue O3 2000 × 4/5 (O12 passed stage 3) and
        # O10 1200 × 4/7 (stage 2: O1 O4 O6 O12 won; O2 O5 O7 lost) = 6945.71; only O14 (700) won. The
        # unweighted 9700 is the period-start pipeline of June in mart_pipeline_velocity.
        (date(2024, 5, 31), date(2024, 6, 1), 5, 9700.0, 6260 + 4800 / 7, 700.0, 1 - (5560 + 4800 / 7) / 700)
        + (5560 + 4800 / 7, 2, 3200.0),
        # 06-30 for July: O9 5000 × 5/7 + overdue O3 2000 × 5/7, O10 1200 × 5/9, O15 1800 × 5/7.
        (date(2024, 6, 30), date(2024, 7, 1), 4, 10000.0, 8800 * 5 / 7 + 6000 / 9, None, None, None, 3, 5000.0),
    ]
    # Team rows are subtree totals of T0 ← T1 ← T2; team_direct rows only the team's own deals. May from
    # 04-30: T1's own O10 600; T2's own O12 1250 + O3 1500, O12 won 2500 → 1 − 250/2500.
    assert _rows(
        june,
        """select slice_type, slice_value, team_hierarchy_level, is_leaf_team,
                  cast(weighted_forecast_base as double), cast(forecast_accuracy as double)
           from marts.mart_sales_forecast
           where forecast_date = '2024-04-30' and period_month = '2024-05-01' and slice_type like 'team%'
           order by 1, 2""",
    ) == [
        ("team", "T0", 1, False, 3350.0, 0.66),
        ("team", "T1", 2, False, 3350.0, 0.66),
        ("team", "T2", 3, True, 2750.0, 0.9),
        ("team_direct", "T1", 2, False, 600.0, None),
        ("team_direct", "T2", 3, True, 2750.0, 0.9),
    ]


def test_pipeline_velocity_and_coverage(june):
    rows = _rows(
        june,
        """select slice_value, open_deal_count, cast(win_rate as double), cast(avg_won_deal_size_base as double),
                  cast(avg_cycle_days as double), cast(velocity_per_day_base as double),
                  cast(quota_revenue_base as double), quota_source_grain, cast(remaining_quota_base as double),
                  cast(period_pipeline_base as double), cast(pipeline_coverage as double),
                  cast(period_start_coverage as double)
           from marts.mart_pipeline_velocity where period_month = '2024-06-01' order by slice_type, slice_value""",
    )
    assert rows == [
        # Company: 5 open deals; June closed O14 (won, 700, 42 days) and O13 (lost) → 5 × 0.5 × 700 / 42.
        # Quota 10000 − June revenue 700 (SO8) = 9300; pipeline due by 06-30: O3 2000 + O10 1200 + O15 1800.
        # At 05-31: O3 O10 O13 4000 O14 700 O15 due in June = 9700 of 10000.
        ("all", 5, 0.5, 700.0, 42.0, 1750 / 42, 10000.0, "month", 9300.0, 5000.0, 5000 / 9300, 0.97),
        ("R2", 3, 1.0, 700.0, 42.0, 50.0, 6000.0, "month", 5300.0, 1200.0, 1200 / 5300, 1900 / 6000),
        ("R3", 2, 0.0, None, None, None, 4000.0, "month", 4000.0, 3800.0, 0.95, 1.95),
        ("R4", 0, None, None, None, None, 1000.0, "year", 1000.0, 0.0, 0.0, 0.0),  # year quota ÷ 12
        # Team subtrees (T0 ← T1 ← T2). T0 = everything, no T0 quota. T1 = its own R2 deals + T2's R3
        # deals against T1's quota 6000: 5 open, O14 won + O13 lost, remaining 6000 − 700 = 5300,
        # pipeline 1200 + 3800, period start 1900 + 7800. T2 = its own deals.
        ("T0", 5, 0.5, 700.0, 42.0, 1750 / 42, None, None, None, 5000.0, None, None),
        ("T1", 5, 0.5, 700.0, 42.0, 1750 / 42, 6000.0, "month", 5300.0, 5000.0, 5000 / 5300, 9700 / 6000),
        ("T2", 2, 0.0, None, None, None, 4000.0, "month", 4000.0, 3800.0, 0.95, 1.95),
        # team_direct: the team's own deals only (no quota); T0 has none, so no row. These add up to the company.
        ("T1", 3, 1.0, 700.0, 42.0, 50.0, None, None, None, 1200.0, None, None),
        ("T2", 2, 0.0, None, None, None, None, None, None, 3800.0, None, None),
    ]
    # April falls back to the company's Q2 quota ÷ 3.
    assert _rows(
        june,
        """select cast(quota_revenue_base as double), quota_source_grain from marts.mart_pipeline_velocity
           where period_month = '2024-04-01' and slice_type = 'company'""",
    ) == [(10000.0, "quarter")]


def test_funnel_anomalies(june, past):
    assert _rows(
        june,
        """select opportunity_id, anomaly_type, cast(measured_value as double)
           from marts.mart_funnel_anomaly order by 1, 2""",
    ) == [
        ("O10", "past_expected_close", 30.0),  # due 05-31
        # R2 (team T1) holds 3 open deals; the load is compared over T1's subtree (T1 ← T2): R2 3, R4 0
        # and T2's R3 2 → average 5/3, ratio 1.8 > 1.5.
        ("O10", "rep_overloaded", 1.8),
        ("O10", "stagnant", 81.0),  # last touch: activity 04-10
        ("O11", "rep_overloaded", 1.8),
        ("O15", "past_expected_close", 5.0),
        ("O3", "past_expected_close", 91.0),
        ("O3", "stagnant", 141.0),  # in proposal since 02-10, last activity 02-02
        ("O9", "rep_overloaded", 1.8),
    ]
    # R3 sits in the leaf team T2 and is compared with T2 alone (its own 2 deals → ratio 1).
    assert _rows(
        june,
        """select distinct rep_id, team_id, rep_open_deals, cast(team_avg_open_deals as double)
           from marts.mart_funnel_anomaly order by 1""",
    ) == [("R2", "T1", 3, 5 / 3), ("R3", "T2", 2, 2.0)]
    # On 03-31 R2 holds O6 O10, R3 O3 O7, R4 none: T1's subtree average is 4/3, so R2's ratio is exactly
    # 1.5, not above the threshold (against T1's own reps alone, 2 ÷ 1 = 2 would have flagged O6 and O10).
    assert _rows(past, "select opportunity_id, anomaly_type from marts.mart_funnel_anomaly order by 1, 2") == [
        ("O3", "stagnant"),
    ]


def test_funnel_models_form_the_funnel_group_with_checks(scenario):
    from dagster_dbt import dbt_assets

    from orchestration.translator import SalesOpsDbtTranslator

    @dbt_assets(manifest=scenario["manifest"], dagster_dbt_translator=SalesOpsDbtTranslator())
    def _funnel_assets(context): ...

    groups = {spec.key.to_user_string(): spec.group_name for spec in _funnel_assets.specs}
    checked = {spec.asset_key.to_user_string() for spec in _funnel_assets.check_specs}
    for model in FUNNEL_MODELS:
        assert groups[f"marts/{model}"] == "funnel", model
        assert f"marts/{model}" in checked, model
    check_names = {spec.name for spec in _funnel_assets.check_specs}
    assert "assert_company_stage_win_rate_monotone" in check_names


# ------------------------------------------------------------------ independent polars check on demo data


def _landing_frame(landing: Path, rel: str) -> pl.DataFrame:
    """A landing CSV without the rows the generator's answer key lists as deliberately broken."""
    frame = pl.read_csv(landing / rel, infer_schema=False).with_row_index("_row", offset=1)
    bad = pl.read_csv(landing / "_bad_rows.csv", infer_schema=False).filter(pl.col("file") == rel)
    return frame.filter(~pl.col("_row").is_in(bad["row_number"].cast(pl.UInt32).to_list())).drop("_row")


def _months_back(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


class DemoFunnel:
    """Stage history, status, stage win rates and forecasts recomputed in plain polars from the CSVs."""

    def __init__(self, landing: Path) -> None:
        stages = pl.read_csv(SEEDS / "stages.csv")
        stage_map = pl.read_csv(SEEDS / "stage_map.csv").select("source_stage", "stage_code")
        self.stages = stages
        ts = "%Y-%m-%d %H:%M:%S"
        self.history = (
            _landing_frame(landing, "crm/opportunity_stage_history.csv")
            .join(stage_map, left_on="stage", right_on="source_stage")
            .join(stages.select("stage_code", "stage_order", "is_won_stage", "is_lost_stage"), on="stage_code")
            .with_columns(pl.col("entered_at").str.strptime(pl.Datetime, ts))
            .with_columns(pl.col("entered_at").dt.date().alias("entered_date"))
        )
        fx = (
            _landing_frame(landing, "orders/fx_rates.csv")
            .with_columns(pl.col("rate_date").str.to_date(), pl.col("rate_to_base").cast(pl.Float64))
            .sort("rate_date")
        )
        opps = (
            _landing_frame(landing, "crm/opportunities.csv")
            .unique("opportunity_id", keep="first")
            .with_columns(
                pl.col("created_at").str.strptime(pl.Datetime, ts),
                pl.col("closed_at").str.strptime(pl.Datetime, ts),
                pl.col("expected_close_date").str.to_date(),
                pl.col("amount").cast(pl.Float64),
            )
            .with_columns(pl.coalesce("closed_at", "created_at").dt.date().alias("fx_date"))
            .sort("fx_date")
        )
        self.opps = opps.join_asof(
            fx, left_on="fx_date", right_on="rate_date", by="currency", strategy="backward", check_sortedness=False
        ).with_columns(
            pl.when(pl.col("currency") == "CNY")
            .then(pl.col("amount"))
            .otherwise(pl.col("amount") * pl.col("rate_to_base"))
            .alias("amount_base")
        )

    def state_at(self, d: date) -> pl.DataFrame:
        h = self.history.filter(pl.col("entered_date") <= d).sort("entered_at")
        last = h.group_by("opportunity_id").agg(
            pl.col("stage_code").last(), pl.col("is_won_stage").last(), pl.col("is_lost_stage").last()
        )
        furthest = (
            h.filter(~pl.col("is_lost_stage"))
            .group_by("opportunity_id")
            .agg(pl.col("stage_order").max().alias("furthest"))
        )
        won = h.filter(pl.col("is_won_stage")).group_by("opportunity_id").agg(pl.col("entered_date").min().alias("won"))
        lost = (
            h.filter(pl.col("is_lost_stage")).group_by("opportunity_id").agg(pl.col("entered_date").max().alias("lost"))
        )
        return (
            last.join(furthest, on="opportunity_id", how="left")
            .join(won, on="opportunity_id", how="left")
            .join(lost, on="opportunity_id", how="left")
            .with_columns(
                pl.when(pl.col("is_won_stage"))
                .then(pl.lit("won"))
                .when(pl.col("is_lost_stage"))
                .then(pl.lit("lost"))
                .otherwise(pl.lit("open"))
                .alias("status")
            )
            .with_columns(
                pl.when(pl.col("status") == "won")
                .then(pl.col("won"))
                .when(pl.col("status") == "lost")
                .then(pl.col("lost"))
                .alias("closed_date")
            )
            .join(
                self.opps.select("opportunity_id", "amount_base", "expected_close_date", "created_at"),
                on="opportunity_id",
            )
        )

    def company_rates_at(self, d: date) -> dict[str, float]:
        window_months, min_sample = dbt_var("funnel_win_rate_window_months"), dbt_var("funnel_min_company_sample")
        state = self.state_at(d)
        closed = state.filter(
            pl.col("status").is_in(["won", "lost"]) & (pl.col("closed_date") > _months_back(d, window_months))
        )
        rates = {}
        for stage in self.stages.filter(~pl.col("is_lost_stage")).iter_rows(named=True):
            reached = closed.filter(pl.col("furthest") >= stage["stage_order"])
            if reached.height >= min_sample:
                rates[stage["stage_code"]] = reached.filter(pl.col("status") == "won").height / reached.height
            else:
                rates[stage["stage_code"]] = stage["default_win_probability"]
        return rates

    def weighted_forecast(self, forecast_date: date) -> dict[date, tuple[int, float, float]]:
        rates = self.company_rates_at(forecast_date)
        open_deals = self.state_at(forecast_date).filter(pl.col("status") == "open")
        # An overdue open deal (expected close month before the first period) is forecast in the first period.
        first_month = (forecast_date + timedelta(days=1)).replace(day=1)
        out: dict[date, tuple[int, float, float]] = {}
        for row in open_deals.iter_rows(named=True):
            if row["expected_close_date"] is None:
                continue
            month = max(row["expected_close_date"].replace(day=1), first_month)
            n, unweighted, weighted = out.get(month, (0, 0.0, 0.0))
            out[month] = (
                n + 1,
                unweighted + row["amount_base"],
                weighted + row["amount_base"] * rates[row["stage_code"]],
            )
        return out


@pytest.fixture(scope="module")
def demo(demo_landing: Path) -> DemoFunnel:
    return DemoFunnel(demo_landing)


@pytest.fixture(scope="module")
def demo_as_of(demo_db) -> date:
    return demo_db.sql("select as_of_date from intermediate.int_as_of_date").fetchall()[0][0]


@pytest.mark.slow
def test_demo_funnel_marts_are_built_and_non_empty(demo_db):
    for model in FUNNEL_MODELS:
        assert demo_db.sql(f"select count(*) from marts.{model}").fetchall()[0][0] > 0, model


@pytest.mark.slow
def test_demo_win_rate_matches_polars(demo_db, demo, demo_as_of):
    closed = demo.state_at(demo_as_of).filter(pl.col("status").is_in(["won", "lost"]))
    expected = (
        closed.group_by(pl.col("closed_date").dt.truncate("1mo").alias("month"))
        .agg((pl.col("status") == "won").sum().alias("won"), (pl.col("status") == "lost").sum().alias("lost"))
        .sort("month")
    )
    actual = demo_db.sql(
        """select period_month, won_count, lost_count, cast(win_rate as double) from marts.mart_win_rate
           where slice_type = 'company' and closed_count > 0 order by 1"""
    ).fetchall()
    assert len(actual) == expected.height > 12
    for (month, won, lost, rate), exp in zip(actual, expected.iter_rows(named=True), strict=True):
        assert (month, won, lost) == (exp["month"], exp["won"], exp["lost"])
        assert rate == pytest.approx(exp["won"] / (exp["won"] + exp["lost"]), abs=1e-6)
    # Stage win rates at company level, trailing funnel_win_rate_window_months (monotone by construction,
    # checked by dbt).
    rates = demo.company_rates_at(demo_as_of)
    actual_rates = dict(
        demo_db.execute(
            """select stage_code, cast(win_rate as double) from marts.mart_stage_win_rate
               where level = 'company' and window_name = ? and stage_code <> 'lost'""",
            [f"trailing_{dbt_var('funnel_win_rate_window_months')}m"],
        ).fetchall()
    )
    assert actual_rates == {k: pytest.approx(v, abs=1e-6) for k, v in rates.items()}


@pytest.mark.slow
def test_demo_team_subtree_win_rate_matches_polars(demo_db, demo, demo_landing, demo_as_of):
    # The parent links are walked here in Python (not through dim_team_hierarchy): a closed deal counts
    # toward its owner's team and every team above it; rates come from those subtree counts.
    teams = _landing_frame(demo_landing, "crm/teams.csv")
    rep_teams = _landing_frame(demo_landing, "crm/sales_reps.csv").select("rep_id", "team_id").unique("rep_id")
    parent = dict(zip(teams["team_id"], teams["parent_team_id"], strict=True))
    assert all(p is None or p in parent for p in parent.values()), "the demo tree has no dangling parent"

    def up_the_tree(team: str | None) -> list[str]:
        chain = [team or "(none)"]
        while parent.get(chain[-1]) is not None:
            chain.append(parent[chain[-1]])
            assert len(chain) <= len(parent), "the demo tree has no cycle"
        return chain

    closed = (
        demo.state_at(demo_as_of)
        .filter(pl.col("status").is_in(["won", "lost"]))
        .join(demo.opps.select("opportunity_id", "rep_id"), on="opportunity_id")
        .join(rep_teams, on="rep_id", how="left")
        .with_columns(
            pl.col("closed_date").dt.truncate("1mo").alias("month"),
            pl.col("team_id").map_elements(up_the_tree, return_dtype=pl.List(pl.String)).alias("subtree_of"),
        )
        .explode("subtree_of")
    )
    expected = {
        (r["month"], r["subtree_of"]): (r["won"], r["lost"])
        for r in closed.group_by("month", "subtree_of")
        .agg((pl.col("status") == "won").sum().alias("won"), (pl.col("status") == "lost").sum().alias("lost"))
        .iter_rows(named=True)
    }
    actual = demo_db.sql(
        """select period_month, slice_value, won_count, lost_count, cast(win_rate as double), is_leaf_team
           from marts.mart_win_rate where slice_type = 'team' and closed_count > 0"""
    ).fetchall()
    assert {(m, t): (w, lo) for m, t, w, lo, _, _ in actual} == expected
    for month, team, won, lost, rate, _ in actual:
        assert rate == pytest.approx(won / (won + lost), abs=1e-6), (month, team)
    assert any(not leaf for *_, leaf in actual), "some parent team has closed deals in its subtree"


@pytest.mark.slow
def test_demo_stage_conversion_matches_polars(demo_db, demo, demo_as_of):
    state = demo.state_at(demo_as_of).select("opportunity_id", "status", "furthest")
    entries = demo.history.filter((pl.col("entered_date") <= demo_as_of) & ~pl.col("is_lost_stage"))
    checked = 0
    for stage in demo.stages.filter(pl.col("is_open_stage")).iter_rows(named=True):
        order = stage["stage_order"]
        expected = (
            entries.filter(pl.col("stage_order") >= order)
            .group_by("opportunity_id")
            .agg(pl.col("entered_at").min().dt.date().dt.truncate("1mo").alias("month"))
            .join(state, on="opportunity_id")
            .group_by("month")
            .agg(
                pl.len().alias("entered"),
                (pl.col("furthest") > order).sum().alias("advanced"),
                ((pl.col("status") == "lost") & (pl.col("furthest") == order)).sum().alias("lost"),
                ((pl.col("status") == "open") & (pl.col("furthest") == order)).sum().alias("open"),
            )
            .sort("month")
        )
        actual = demo_db.execute(
            """select cohort_month, entered_count, advanced_count, lost_count, open_count,
                      cast(conversion_rate as double)
               from marts.mart_funnel_stage where slice_type = 'company' and stage_code = ? order by 1""",
            [stage["stage_code"]],
        ).fetchall()
        assert len(actual) == expected.height
        for got, exp in zip(actual, expected.iter_rows(named=True), strict=True):
            assert got[:5] == (exp["month"], exp["entered"], exp["advanced"], exp["lost"], exp["open"])
            assert got[5] == pytest.approx(exp["advanced"] / exp["entered"], abs=1e-6)
            checked += 1
    assert checked > 40


@pytest.mark.slow
def test_demo_cycle_days_match_polars(demo_db, demo, demo_as_of):
    won = demo.opps.filter((pl.col("status") == "won") & (pl.col("closed_at").dt.date() <= demo_as_of))
    collected = (
        demo.history.filter((pl.col("stage_code") == "6_collected") & (pl.col("entered_date") <= demo_as_of))
        .group_by("opportunity_id")
        .agg(pl.col("entered_date").min().alias("collected"))
    )
    expected = {
        r["opportunity_id"]: (
            (r["closed_at"].date() - r["created_at"].date()).days,
            None if r["collected"] is None else (r["collected"] - r["closed_at"].date()).days,
        )
        for r in won.join(collected, on="opportunity_id", how="left").iter_rows(named=True)
    }
    actual = {
        r[0]: (r[1], r[2])
        for r in demo_db.sql(
            "select opportunity_id, signing_cycle_days, collection_days from marts.mart_sales_cycle"
        ).fetchall()
    }
    assert len(actual) > 50
    assert actual == expected
    mean_signing = sum(v[0] for v in expected.values()) / len(expected)
    assert demo_db.sql("select avg(signing_cycle_days) from marts.mart_sales_cycle").fetchall()[0][0] == pytest.approx(
        mean_signing
    )


@pytest.mark.slow
def test_demo_weighted_forecast_matches_polars(demo_db, demo, demo_as_of):
    month_end = demo_as_of.replace(day=1) - timedelta(days=1)
    older_month_end = _months_back(demo_as_of.replace(day=1), 6) - timedelta(days=1)
    for forecast_date in (demo_as_of, month_end, older_month_end):
        expected = demo.weighted_forecast(forecast_date)
        rows = demo_db.execute(
            """select period_month, open_deal_count, cast(unweighted_pipeline_base as double),
                      cast(weighted_forecast_base as double)
               from marts.mart_sales_forecast where slice_type = 'company' and forecast_date = ? order by 1""",
            [forecast_date],
        ).fetchall()
        assert len(rows) == dbt_var("funnel_forecast_horizon_months")
        for period, n, unweighted, weighted in rows:
            exp = expected.get(period, (0, 0.0, 0.0))
            assert (n, unweighted, weighted) == (
                exp[0],
                pytest.approx(exp[1], abs=0.01),
                pytest.approx(exp[2], abs=0.01),
            )
        assert sum(r[1] for r in rows) > 0
    # Start-of-period forecasts against the deals actually won in the period: the month before the as-of
    # month (always over by the as-of date, so its accuracy is always checked) and the as-of month (over
    # only when the as-of date is its last day). Closedness is worked out here from the dates, not read
    # from the mart, so a period the mart wrongly keeps open fails instead of skipping the accuracy check.
    previous_period = _months_back(demo_as_of.replace(day=1), 1)
    checked_closed = 0
    for period in (previous_period, demo_as_of.replace(day=1)):
        forecast_date = period - timedelta(days=1)
        period_end = _months_back(period, -1) - timedelta(days=1)
        forecast = demo.weighted_forecast(forecast_date).get(period, (0, 0.0, 0.0))[2]
        won = demo.opps.filter(
            (pl.col("status") == "won")
            & (pl.col("closed_at").dt.date() >= period)
            & (pl.col("closed_at").dt.date() <= min(period_end, demo_as_of))
        )
        actual = won["amount_base"].sum()
        row = demo_db.execute(
            """select cast(weighted_forecast_base as double), cast(won_to_date_base as double),
                      cast(forecast_accuracy as double), is_period_closed
               from marts.mart_sales_forecast
               where slice_type = 'company' and forecast_date = ? and period_month = ?""",
            [forecast_date, period],
        ).fetchall()
        assert len(row) == 1, (forecast_date, period)
        weighted, won_to_date, accuracy, is_closed = row[0]
        assert weighted == pytest.approx(forecast, abs=0.01), period
        assert won_to_date == pytest.approx(actual, abs=0.01), period
        closed = period_end <= demo_as_of
        assert is_closed is closed, period
        if closed and actual > 0:
            assert accuracy == pytest.approx(1 - abs(actual - forecast) / actual, abs=1e-6), period
            checked_closed += 1
        else:
            assert accuracy is None, period
    assert checked_closed >= 1, "the month before the as-of month is closed and had won deals"
