"""Customer value marts (issue 4): RFM, segment migration, tiers, 80/20, lifecycle, retention, alerts, value.

Two independent checks:

1. A hand-made landing folder, ``tests/fixtures/customer_scenario`` (landing_small plus customers C01-C13),
   built by dbt with ``as_of_date = 2025-06-15``. Every expected number below was worked out by hand from
   the fixture files; none is read back from a model.
2. The generated demo data (``demo_landing``), re-implemented here in plain polars from the landing CSVs
   (bad rows removed with the generator's ``_bad_rows.csv`` answer key) and compared customer by customer
   with the marts of the full Dagster run (``demo_db``).

Scenario, as of 2025-06-15 (look-back window (2024-06-15, 2025-06-15], the window before it
(2023-06-15, 2024-06-15]; products X1 Hardware 100 (cost 60), X2 Hardware 250 (cost 150), X3 Software
1000 (cost 200); EUR 7.8 from 2024-01-01 and 8.0 from 2025-01-01):

Per customer: purchases (date: net CNY) → last purchase, R = days to 2025-06-15, F, M (window only).
- A1: SO1 2024-01-15 1400 (SO3 2024-02-03 cancelled) → 2024-01-15, R 517, F 0, M 0
- A2: SO2 2024-01-15 100 USD × 7.0 = 700; SO5 2024-02-05 30 USD × 7.2 = 216 → 2024-02-05, R 496, F 0, M 0
- A3: SO4 2024-02-03 300 − 100 returned = 200 → R 498, F 0, M 0
- C01: K0101 2024-05-10 1000 (prior window); K0102-K0105 1000 each; K0106 2025-06-10 2000 → R 5, F 5, M 6000
- C02: K0201 2024-08-20 90 EUR × 7.8 = 702; K0202 2025-02-14 100 EUR × 8.0 = 800; K0203 2025-05-20 300
  → R 26, F 3, M 1802
- C03: K0301 2024-09-10 1000 − 400 returned = 600; K0302 2025-04-25 500 → R 51, F 2, M 1100
- C04: K0401 2025-02-01 500 (K0402 2025-06-12 is cancelled: not a purchase) → R 134, F 1, M 500
- C05: K0501 2024-03-15 200 (prior window); K0502 2024-10-01 300 → R 257, F 1, M 300
- C06: K0601 2024-09-01 250 → R 287, F 1, M 250
- C07: K0701 2024-12-20 2000 (paid 27 days late on 2025-02-15, settled); K0702 2025-04-01 10 × 100 × 0.8 = 800,
  unpaid, due 2025-05-01 → R 75, F 2, M 2800
- C08: K0801 2024-07-01 500; K0802 2025-03-10 500 → R 97, F 2, M 1000
- C09: K0901 2024-03-01 1000 (prior); K0902 2024-12-01 1000; K0903 2025-05-15 2000 (K0904 2025-06-20 is after
  the as-of date) → R 31, F 2, M 3000
- C10: K1001 2025-01-20 10 × 1000 × 0.9 = 9000 → R 146, F 1, M 9000
- C11: K1101 2025-06-01 200 → R 14, F 1, M 200
- C12: K1201 2023-01-10 500; K1202 2024-04-20 500 (prior); K1203 2024-07-10 500 → R 340, F 1, M 500
- C13: prospect, no order (not scored)

Tie-safe quintiles over the n = 15 buyers: score = 1 + floor(5 × w / 15), w = customers strictly worse
(equal measures, equal score; a tie shares the lower score):
R (all distinct, 3 per score): C01 C11 C02 | C09 C03 C07 | C08 C04 C10 | C05 C06 C12 | A2 A3 A1 → 5 | 4 | 3 | 2 | 1
F: 0 (A1 A2 A3, w 0) → 1; 1 (C04 C05 C06 C10 C11 C12, w 3) → 2; 2 (C03 C07 C08 C09, w 9) → 4;
   3 (C02, w 13) and 5 (C01, w 14) → 5
M: 0 (A1 A2 A3) → 1; 200, 250, 300 (w 3-5) → 2; 500 ×2 (C04 C12, w 6), 1000 (w 8) → 3; 1100, 1802, 2800
   (w 9-11) → 4; 3000, 6000, 9000 → 5
Segments by (R, F) from the seed grid.
"""

from __future__ import annotations

import calendar
import csv
import json
import math
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from conftest import FIXTURES, build_fixture_warehouse
from oracles import SETTLED_TOLERANCE, dbt_var

SCENARIO = FIXTURES / "customer_scenario"
AS_OF = "2025-06-15"
SEGMENTS_SEED = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "customer" / "rfm_segments.csv"
SELECT = ["--select", "+path:models/marts/customer", "path:tests/customer", "--indirect-selection", "cautious"]
CUSTOMER_MARTS = [
    "mart_customer_rfm",
    "mart_customer_segment_migration",
    "mart_customer_tier",
    "mart_customer_pareto",
    "mart_customer_lifecycle",
    "mart_customer_retention",
    "mart_customer_health_alert",
    "mart_customer_value",
]


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def scenario_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse = tmp_path_factory.mktemp("customer_wh") / "salesops.duckdb"
    # dbt build runs every customer test too: a failing dbt test fails this fixture.
    build_fixture_warehouse(SCENARIO, warehouse, [*SELECT, "--vars", json.dumps({"as_of_date": AS_OF})])
    return warehouse


@pytest.fixture(scope="module")
def scenario_db(scenario_warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(scenario_warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def fixed_bins_db(scenario_warehouse: Path, tmp_path_factory: pytest.TempPathFactory):
    """The same scenario re-scored with fixed bins (the rfm_*_edges vars) in a copy of the warehouse."""
    from orchestration.pipeline import run_dbt

    copy = tmp_path_factory.mktemp("customer_bins_wh") / "salesops.duckdb"
    shutil.copy(scenario_warehouse, copy)
    wal = scenario_warehouse.with_name(scenario_warehouse.name + ".wal")
    if wal.exists():
        shutil.copy(wal, copy.with_name(copy.name + ".wal"))
    dbt_vars = {
        "as_of_date": AS_OF,
        "rfm_recency_edges_days": [30, 90, 180, 365],
        "rfm_frequency_edges": [1, 2, 3, 4],
        "rfm_monetary_edges": [500, 1000, 2000, 5000],
    }
    run_dbt(
        ["run", "--select", "int_customer__rfm_scores", "mart_customer_rfm", "--vars", json.dumps(dbt_vars)],
        copy,
        target_path=copy.parent / "dbt_target",
    )
    con = duckdb.connect(str(copy), read_only=True)
    yield con
    con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


# ------------------------------------------------------------------------------------------ scenario: RFM

RFM_EXPECTED = {
    # account: (recency_days, frequency, monetary, r, f, m, segment)
    "A1": (517, 0, 0.0, 1, 1, 1, "lost"),
    "A2": (496, 0, 0.0, 1, 1, 1, "lost"),
    "A3": (498, 0, 0.0, 1, 1, 1, "lost"),
    "C01": (5, 5, 6000.0, 5, 5, 5, "champions"),
    "C02": (26, 3, 1802.0, 5, 5, 4, "champions"),
    "C03": (51, 2, 1100.0, 4, 4, 4, "loyal"),  # F ties with C07 C08 C09 (ntile gave C03 a 5)
    "C04": (134, 1, 500.0, 3, 2, 3, "about_to_sleep"),  # the six one-order customers all score F 2
    "C05": (257, 1, 300.0, 2, 2, 2, "hibernating"),
    "C06": (287, 1, 250.0, 2, 2, 2, "hibernating"),
    "C07": (75, 2, 2800.0, 4, 4, 4, "loyal"),
    "C08": (97, 2, 1000.0, 3, 4, 3, "loyal"),
    "C09": (31, 2, 3000.0, 4, 4, 5, "loyal"),
    "C10": (146, 1, 9000.0, 3, 2, 5, "about_to_sleep"),
    "C11": (14, 1, 200.0, 5, 2, 2, "potential_loyalist"),
    "C12": (340, 1, 500.0, 2, 2, 3, "hibernating"),
}


def test_rfm_quintiles_match_the_hand_computed_scenario(scenario_db):
    rows = _rows(
        scenario_db,
        """
        select account_id, recency_days, frequency, cast(monetary_base as double), r_score, f_score, m_score,
               segment_code, rfm_code, recency_method, as_of_date
        from marts.mart_customer_rfm order by account_id
        """,
    )
    got = {r[0]: r[1:8] for r in rows}
    assert got == RFM_EXPECTED  # C13 (no order) is not scored
    for r in rows:
        assert r[8] == f"{r[4]}{r[5]}{r[6]}"
        assert r[9] == "quintile"
        assert r[10] == date(2025, 6, 15)


def test_rfm_extension_scores_come_from_the_account(scenario_db):
    rows = _rows(
        scenario_db,
        """
        select account_id, demand_intensity, cooperation_potential, strategic_fit, is_strategic
        from marts.mart_customer_rfm where account_id in ('A1', 'C01', 'C10') order by account_id
        """,
    )
    assert rows == [("A1", 5, 4, 5, True), ("C01", 5, 5, 4, False), ("C10", 5, 5, 5, False)]


FIXED_BINS_EXPECTED = {
    # recency edges [30, 90, 180, 365] (≤30 → 5), frequency [1, 2, 3, 4] and monetary
    # [500, 1000, 2000, 5000] (≤ first edge → 1): account: (r, f, m, segment)
    "A1": (1, 1, 1, "lost"),
    "A2": (1, 1, 1, "lost"),
    "A3": (1, 1, 1, "lost"),
    "C01": (5, 5, 5, "champions"),
    "C02": (5, 3, 3, "potential_loyalist"),
    "C03": (4, 2, 3, "potential_loyalist"),
    "C04": (3, 1, 1, "about_to_sleep"),
    "C05": (2, 1, 1, "hibernating"),
    "C06": (2, 1, 1, "hibernating"),
    "C07": (4, 2, 4, "potential_loyalist"),
    "C08": (3, 2, 2, "about_to_sleep"),
    "C09": (4, 2, 4, "potential_loyalist"),
    "C10": (3, 1, 5, "about_to_sleep"),
    "C11": (5, 1, 1, "new"),
    "C12": (2, 1, 1, "hibernating"),
}


def test_rfm_fixed_bins_from_vars(fixed_bins_db):
    rows = _rows(
        fixed_bins_db,
        """
        select account_id, r_score, f_score, m_score, segment_code,
               recency_method, frequency_method, monetary_method
        from marts.mart_customer_rfm order by account_id
        """,
    )
    assert {r[0]: r[1:5] for r in rows} == FIXED_BINS_EXPECTED
    assert {r[5:] for r in rows} == {("fixed_bins", "fixed_bins", "fixed_bins")}


# ------------------------------------------------------------------------------------------ scenario: migration


def test_segment_migration_from_may_to_june(scenario_db):
    # As of 2025-05-31 (window (2024-05-31, 2025-05-31], n = 14 buyers: C11 has not bought yet), score =
    # 1 + floor(5 × w / 14), w = customers strictly worse:
    # R worst first: A1 502, A3 483, A2 481 (w 0-2) → 1 | C12 325, C06 272, C05 242 (w 3-5) → 2 | C10 131,
    #   C04 119, C08 82 (w 6-8) → 3 | C07 60, C03 36, C01 29 (w 9-11) → 4 | C09 16, C02 11 (w 12-13) → 5
    # F: 0 (A1 A2 A3) → 1; 1 (C04 C05 C06 C10 C12, w 3) → 2; 2 (C03 C07 C08 C09, w 8) → 3; 3 (C02, w 12)
    #   and 4 (C01, w 13) → 5
    rows = _rows(
        scenario_db,
        """
        select account_id, previous_segment_code, segment_code, movement
        from marts.mart_customer_segment_migration where snapshot_month = date '2025-06-01' order by account_id
        """,
    )
    assert rows == [
        ("A1", "lost", "lost", "same"),
        ("A2", "lost", "lost", "same"),  # R1 F1 → R1 F1
        ("A3", "lost", "lost", "same"),
        ("C01", "loyal", "champions", "up"),  # R4 F5 → R5 F5
        ("C02", "champions", "champions", "same"),
        ("C03", "potential_loyalist", "loyal", "up"),  # R4 F3 → R4 F4
        ("C04", "about_to_sleep", "about_to_sleep", "same"),  # R3 F2 → R3 F2
        ("C05", "hibernating", "hibernating", "same"),  # R2 F2 → R2 F2
        ("C06", "hibernating", "hibernating", "same"),
        ("C07", "potential_loyalist", "loyal", "up"),  # R4 F3 → R4 F4
        ("C08", "need_attention", "loyal", "up"),  # R3 F3 → R3 F4
        ("C09", "potential_loyalist", "loyal", "up"),  # R5 F3 → R4 F4
        ("C10", "about_to_sleep", "about_to_sleep", "same"),
        ("C11", None, "potential_loyalist", "entered"),  # first purchase 2025-06-01
        ("C12", "hibernating", "hibernating", "same"),
    ]
    matrix = _rows(
        scenario_db,
        """
        select from_segment_code, to_segment_code, customers, cast(share_of_from_segment as double)
        from marts.mart_customer_segment_transition
        where snapshot_month = date '2025-06-01' and from_segment_code in ('loyal', 'potential_loyalist', 'none')
        order by 1, 2
        """,
    )
    assert matrix == [
        ("loyal", "champions", 1, 1.0),
        ("none", "potential_loyalist", 1, 1.0),
        ("potential_loyalist", "loyal", 3, 1.0),
    ]


# ------------------------------------------------------------------------------------------ scenario: tier


def test_tiers_and_pyramid_as_of(scenario_db):
    # Top 5% of the 12 customers with look-back revenue = ceil(0.6) = 1 customer: C10 (9000).
    # Dormant = recency > 180 days. Growth = window ≥ 1.2 × prior window (> 0): C01 6000 vs 1000,
    # C09 3000 vs 1000. Pyramid: 1 purchase = first; 2+ = repeat; 2+ over Hardware and Software = loyal.
    rows = _rows(
        scenario_db,
        """
        select account_id, tier_code, tier_reason, pyramid_level
        from marts.mart_customer_tier where snapshot_date = date '2025-06-15' order by account_id
        """,
    )
    assert rows == [
        ("A1", "strategic", "strategic_flag", "first"),  # flagged, even though it stopped buying
        ("A2", "dormant", "dormant", "repeat"),
        ("A3", "dormant", "dormant", "first"),
        ("C01", "growth", "growth", "loyal"),
        ("C02", "potential", "potential", "loyal"),
        ("C03", "potential", "potential", "repeat"),
        ("C04", "potential", "potential", "first"),
        ("C05", "dormant", "dormant", "repeat"),
        ("C06", "dormant", "dormant", "first"),
        ("C07", "potential", "potential", "loyal"),
        ("C08", "potential", "potential", "repeat"),
        ("C09", "growth", "growth", "repeat"),  # K0904 (after the as-of date) is not seen
        ("C10", "strategic", "top_value", "first"),
        ("C11", "potential", "potential", "first"),
        ("C12", "dormant", "dormant", "repeat"),
    ]


def test_tier_months_see_no_later_orders(scenario_db):
    # 2024-12-31: C01 window = K0101 + K0102 = 2000 (K0103.. are later), C07 bought 2024-12-20 (2000),
    # C09 = K0901 + K0902 = 2000 vs prior 0 → not growth. 12 customers with revenue → top 5% =
    # ceil(0.6) = 1 place, but C01, C07 and C09 tie at 2000 for rank 1 (A1's 1400 is next, rank 4): the
    # tie starts inside the cut and is taken whole (tie_safe_top_share), so all three are strategic by top
    # value. (The old row_number gave the place to the smallest account_id, C01.)
    rows = _rows(
        scenario_db,
        """
        select account_id, tier_code, tier_reason, revenue_rank, cast(window_revenue_base as double),
               lifetime_purchases
        from marts.mart_customer_tier
        where snapshot_month = date '2024-12-01' and account_id in ('A1', 'C01', 'C07', 'C09') order by 1
        """,
    )
    assert rows == [
        ("A1", "strategic", "strategic_flag", 4, 1400.0, 1),
        ("C01", "strategic", "top_value", 1, 2000.0, 2),
        ("C07", "strategic", "top_value", 1, 2000.0, 1),
        ("C09", "strategic", "top_value", 1, 2000.0, 2),
    ]


# ------------------------------------------------------------------------------------------ scenario: lifecycle


def test_lifecycle_stages_as_of(scenario_db):
    # churned: last purchase > 365 days ago; growth: first purchase after 2024-12-15; decline: no
    # purchase within 180 days; mature: the rest (C01/C09 growing, C02/C03/C08 no prior window).
    rows = _rows(
        scenario_db,
        """
        select account_id, stage_code from marts.mart_customer_lifecycle
        where snapshot_date = date '2025-06-15' order by account_id
        """,
    )
    assert dict(rows) == {
        "A1": "churned",
        "A2": "churned",
        "A3": "churned",
        "C01": "mature",
        "C02": "mature",
        "C03": "mature",
        "C04": "growth",
        "C05": "decline",
        "C06": "decline",
        "C07": "growth",
        "C08": "mature",
        "C09": "mature",
        "C10": "growth",
        "C11": "growth",
        "C12": "decline",
        "C13": "potential",
    }


def test_lifecycle_churn_and_winback_of_c12(scenario_db):
    # C12 bought 2023-01-10: 成长期 to June 2023 (first purchase within 6 months), 衰退期 from July (202
    # days without a purchase), 流失期 in January 2024 (386 days on 2024-01-31), won back in April 2024
    # (K1202 2024-04-20; windows 500 vs 500 → 成熟期), 衰退期 again from January 2025 (205 days).
    rows = _rows(
        scenario_db,
        """
        select snapshot_month, stage_code, is_churn_event, is_winback_event
        from marts.mart_customer_lifecycle where account_id = 'C12' order by snapshot_month
        """,
    )
    stages = [(r[0], r[1]) for r in rows]
    expected = (
        [(date(2023, m, 1), "growth") for m in range(1, 7)]
        + [(date(2023, m, 1), "decline") for m in range(7, 13)]
        + [(date(2024, m, 1), "churned") for m in range(1, 4)]
        + [(date(2024, m, 1), "mature") for m in range(4, 13)]
        + [(date(2025, m, 1), "decline") for m in range(1, 7)]
    )
    assert stages == expected
    assert [r[0] for r in rows if r[2]] == [date(2024, 1, 1)]
    assert [r[0] for r in rows if r[3]] == [date(2024, 4, 1)]
    last = _rows(
        scenario_db,
        """
        select stage_entered_month, months_in_stage, last_churn_month, last_winback_month, months_as_customer
        from marts.mart_customer_lifecycle where account_id = 'C12' and snapshot_date = date '2025-06-15'
        """,
    )
    assert last == [(date(2025, 1, 1), 6, date(2024, 1, 1), date(2024, 4, 1), 30)]


# ------------------------------------------------------------------------------------------ scenario: retention


def test_retention_cohorts(scenario_db):
    # Cohort 2024-01 = A1, A2 (both first bought 2024-01-15). Cohort 2024-03 = C05 (03-15), C09 (03-01).
    # Cohort 2024-05 = C01 (05-10; then 11-05, 01-15, 03-20, 05-02, 06-10).
    # retention (domain.md §3.6) = bought in the month before and in this month ÷ bought in the month
    # before (null when nobody did); lapsed = bought in the month before but not in this month; churn
    # rate (§3.6 "1 − retention, or churned-in-period ÷ active at start") = lapsed ÷ bought in the month
    # before = 1 − retention, null with it; buying = last purchase ≤ 180 days before the month's
    # snapshot, churned > 365 (a count, not the churn rate), repeat = 2+ purchases.
    rows = _rows(
        scenario_db,
        """
        select cohort_month, months_since_acquisition, cohort_customers, active_customers,
               previous_active_customers, retained_customers, lapsed_customers, buying_customers, dormant_customers,
               churned_customers, repeat_customers, cast(retention_rate as double), cast(churn_rate as double),
               cast(repeat_purchase_rate as double)
        from marts.mart_customer_retention
        where (cohort_month = date '2024-01-01' and months_since_acquisition in (0, 1, 2, 7, 12, 13))
           or (cohort_month = date '2024-03-01' and months_since_acquisition in (0, 7, 8, 9, 14, 15))
           or (cohort_month = date '2024-05-01' and months_since_acquisition in (12, 13))
        order by 1, 2
        """,
    )
    jan, mar, may = date(2024, 1, 1), date(2024, 3, 1), date(2024, 5, 1)
    assert rows == [
        (jan, 0, 2, 2, 0, 0, 0, 2, 0, 0, 0, None, None, 0.0),  # no month before the acquisition month
        (jan, 1, 2, 1, 2, 1, 1, 2, 0, 0, 1, 0.5, 0.5, 0.5),  # both bought in Jan, only A2 (SO5 02-05) in Feb
        (jan, 2, 2, 0, 1, 0, 1, 2, 0, 0, 1, 0.0, 1.0, 0.5),  # A2 bought in Feb, nobody in Mar: A2 lapsed
        (jan, 7, 2, 0, 0, 0, 0, 0, 2, 0, 1, None, None, 0.5),  # 2024-08-31: A1 229 days, A2 208 days
        (jan, 12, 2, 0, 0, 0, 0, 0, 1, 1, 1, None, None, 0.5),  # 2025-01-31: A1 382 days (churned), A2 361
        (jan, 13, 2, 0, 0, 0, 0, 0, 0, 2, 1, None, None, 0.5),  # 2025-02-28: A2 389 days; nobody active in Jan
        (mar, 0, 2, 2, 0, 0, 0, 2, 0, 0, 0, None, None, 0.0),
        (mar, 7, 2, 1, 0, 0, 0, 1, 1, 0, 1, None, None, 0.5),  # Oct: C05 bought 10-01, nobody in Sep; C09 244 days
        (mar, 8, 2, 0, 1, 0, 1, 1, 1, 0, 1, 0.0, 1.0, 0.5),  # C05 bought in Oct, not in Nov: lapsed
        (mar, 9, 2, 1, 0, 0, 0, 2, 0, 0, 2, None, None, 1.0),  # Dec: C09 bought 12-01, nobody in Nov
        (mar, 14, 2, 1, 0, 0, 0, 1, 1, 0, 2, None, None, 1.0),  # May 2025: C09 05-15; C05 242 days
        (mar, 15, 2, 0, 1, 0, 1, 1, 1, 0, 2, 0.0, 1.0, 1.0),  # as of 06-15: C09's 06-20 order not yet seen
        (may, 12, 1, 1, 0, 0, 0, 1, 0, 0, 1, None, None, 1.0),  # May 2025: C01 05-02, nothing in Apr
        (may, 13, 1, 1, 1, 1, 0, 1, 0, 0, 1, 1.0, 0.0, 1.0),  # C01 bought 05-02 and 06-10: retained
    ]


# ------------------------------------------------------------------------------------------ scenario: pareto


def test_pareto_trailing_ranks_and_shares(scenario_db):
    # Trailing window = (2024-06-15, 2025-06-15]: 12 buyers, total 26,452; top ceil(0.2 × 12) = 3.
    # C04 and C12 tie at 500 (tie_safe_top_share): both rank 8 (the next is 10), and both carry the running
    # figures of the whole tie: 9 customers (9 / 12) and 9000 + ... + 500 + 500 = 25,702 of 26,452.
    rows = _rows(
        scenario_db,
        """
        select account_id, revenue_rank, cast(revenue_base as double), cumulative_customers,
               cast(customer_share_cumulative as double), cast(cumulative_revenue_share as double), is_top_share
        from marts.mart_customer_pareto where period_type = 'trailing' order by revenue_rank, account_id
        """,
    )
    order = ["C10", "C01", "C09", "C07", "C02", "C03", "C08", "C04", "C12", "C05", "C06", "C11"]
    revenue = [9000, 6000, 3000, 2800, 1802, 1100, 1000, 500, 500, 300, 250, 200]
    running = [9000, 15000, 18000, 20800, 22602, 23702, 24702, 25702, 25702, 26002, 26252, 26452]
    assert [r[0] for r in rows] == order
    assert [r[1] for r in rows] == [1, 2, 3, 4, 5, 6, 7, 8, 8, 10, 11, 12]
    assert [r[2] for r in rows] == revenue
    assert [r[3] for r in rows] == [1, 2, 3, 4, 5, 6, 7, 9, 9, 10, 11, 12]
    for r, total in zip(rows, running, strict=True):
        assert r[4] == pytest.approx(r[3] / 12, abs=1e-6)
        assert r[5] == pytest.approx(total / 26452, abs=1e-6)
    assert [r[6] for r in rows] == [True] * 3 + [False] * 9


def test_pareto_summary_against_the_80_percent_reference(scenario_db):
    rows = _rows(
        scenario_db,
        """
        select period_type, period_start, period_end, customers, cast(revenue_base as double), top_customers,
               cast(top_revenue_share as double), meets_reference, customers_to_reference_share
        from marts.mart_customer_pareto_summary order by period_type, period_start
        """,
    )
    assert rows == [
        # Trailing: C10 + C01 + C09 = 18,000 of 26,452; 80% (21,161.6) is reached at C02, the 5th.
        (
            "trailing",
            date(2024, 6, 16),
            date(2025, 6, 15),
            12,
            26452.0,
            3,
            pytest.approx(18000 / 26452, abs=1e-6),
            False,
            5,
        ),
        ("year", date(2023, 1, 1), date(2023, 12, 31), 1, 500.0, 1, 1.0, True, 1),
        # 2024: C01, C07, C09 2000 each of 12,068 (tied at rank 1, all inside the 3 places); 80% (9,654.4)
        # needs 7 customers.
        ("year", date(2024, 1, 1), date(2024, 12, 31), 12, 12068.0, 3, pytest.approx(6000 / 12068, abs=1e-6), False, 7),
        # 2025 to date: C10 9000 + C01 5000 of 19,600.
        ("year", date(2025, 1, 1), date(2025, 6, 15), 9, 19600.0, 2, pytest.approx(14000 / 19600, abs=1e-6), False, 3),
    ]


# ------------------------------------------------------------------------------------------ scenario: alerts


def test_health_alerts_as_of(scenario_db):
    # no_new_inquiry_2m (domain.md §3.8 H1): customers who bought within 180 days and first bought by
    # 2025-04-15, with no new lead (source not outbound) or opportunity in (2025-04-15, 2025-06-15].
    # Purchases and rep activities do not silence it. C01 (opportunity O4 05-20) and C02 (search lead L4
    # 06-01) raised a need; C03 (only an outbound lead, L5), C04, C07 (a rep call on 05-20), C08 (O6 is
    # dated after the as-of date), C09 (O5 on 04-15 exactly, not after it) and C10 (a meeting on 06-05)
    # fire. C11 first bought on 06-01: not two months a customer yet.
    # payment_late_15d (H2, days late > 15): KP0202 100 EUR paid 2025-06-01 for K0202 due 03-16 (77 days,
    # 800 CNY at 8.0) and KP0401 500 paid 05-20 for K0401 due 03-03 (78 days), both within the 30-day
    # look-back and settled; open balances A2 SO5 (216 − 108 paid at the order rate 7.2, due 2024-04-05,
    # 436 days) and C07 K0702 (800, due 2025-05-01, 45 days). C09 K0903 is open exactly 15 days (no alert);
    # C07 K0701 (27 days late, 2025-02-15) and A2 SO2 (21 days late, 2024-04-05) were paid before the
    # look-back. renewal_due_3m: first-purchase anniversaries in (06-15, 09-15]: C02 08-20, C03 09-10,
    # C06 09-01, C08 07-01. dormant_untouched_q (no purchase for 180+ days, no touch since 2025-04-01):
    # A1, A2, A3, C05 (call in Q1), C12; C06 had a care event on 05-05.
    rows = _rows(
        scenario_db,
        """
        select alert_type, account_id, owner_rep_id, severity, last_inquiry_date, late_payments,
               cast(late_paid_amount_base as double), overdue_orders, cast(overdue_amount_base as double),
               max_days_overdue, max_days_late, renewal_date
        from marts.mart_customer_health_alert order by alert_type, account_id
        """,
    )
    n = None
    a1_need, a2_need, a3_need = date(2024, 1, 3), date(2024, 1, 5), date(2024, 2, 1)
    assert rows == [
        ("dormant_untouched_q", "A1", "R2", "low", a1_need, n, n, n, n, n, n, n),
        ("dormant_untouched_q", "A2", "R3", "low", a2_need, n, n, n, n, n, n, n),
        ("dormant_untouched_q", "A3", "R3", "low", a3_need, n, n, n, n, n, n, n),
        ("dormant_untouched_q", "C05", "R2", "low", n, n, n, n, n, n, n, n),
        ("dormant_untouched_q", "C12", "R3", "low", n, n, n, n, n, n, n, n),
        ("no_new_inquiry_2m", "C03", "R2", "medium", n, n, n, n, n, n, n, n),
        ("no_new_inquiry_2m", "C04", "R3", "medium", n, n, n, n, n, n, n, n),
        ("no_new_inquiry_2m", "C07", "R2", "medium", n, n, n, n, n, n, n, n),
        ("no_new_inquiry_2m", "C08", "R3", "medium", n, n, n, n, n, n, n, n),
        ("no_new_inquiry_2m", "C09", "R2", "medium", date(2025, 4, 15), n, n, n, n, n, n, n),
        ("no_new_inquiry_2m", "C10", "R3", "medium", n, n, n, n, n, n, n, n),
        ("payment_late_15d", "A2", "R3", "high", a2_need, 0, 0.0, 1, pytest.approx(108.0), 436, 436, n),
        ("payment_late_15d", "C02", "R3", "high", date(2025, 6, 1), 1, 800.0, 0, 0.0, n, 77, n),
        ("payment_late_15d", "C04", "R3", "high", n, 1, 500.0, 0, 0.0, n, 78, n),
        ("payment_late_15d", "C07", "R2", "high", n, 0, 0.0, 1, 800.0, 45, 45, n),
        ("renewal_due_3m", "C02", "R3", "high", date(2025, 6, 1), n, n, n, n, n, n, date(2025, 8, 20)),
        ("renewal_due_3m", "C03", "R2", "high", n, n, n, n, n, n, n, date(2025, 9, 10)),
        ("renewal_due_3m", "C06", "R3", "high", n, n, n, n, n, n, n, date(2025, 9, 1)),
        ("renewal_due_3m", "C08", "R3", "high", n, n, n, n, n, n, n, date(2025, 7, 1)),
    ]
    assert {r[0] for r in _rows(scenario_db, "select distinct as_of_date from marts.mart_customer_health_alert")} == {
        date(2025, 6, 15)
    }


# ------------------------------------------------------------------------------------------ scenario: value


def test_customer_value(scenario_db):
    # margin = revenue − quantity × unit cost (X1 60, X2 150, X3 200); returned units take their cost back.
    rows = _rows(
        scenario_db,
        """
        select account_id, lifetime_purchases, cancelled_orders, cast(lifetime_revenue_base as double),
               cast(lifetime_returns_base as double), cast(lifetime_margin_base as double),
               cast(clv_historical_base as double), product_lines_bought, product_lines_list, lifecycle_stage_code
        from marts.mart_customer_value where account_id in ('A1', 'C01', 'C03', 'C04', 'C09', 'C13')
        order by account_id
        """,
    )
    assert rows == [
        ("A1", 1, 1, 1400.0, 0.0, 500.0, 500.0, 1, "Hardware", "churned"),  # 1400 − (600 + 300)
        ("C01", 6, 0, 7000.0, 0.0, 3200.0, 3200.0, 2, "Hardware, Software", "mature"),  # 7000 − 3800
        ("C03", 2, 0, 1100.0, 400.0, 440.0, 440.0, 1, "Hardware", "mature"),  # 1100 − (360 + 300)
        ("C04", 1, 1, 500.0, 0.0, 200.0, 200.0, 1, "Hardware", "growth"),
        ("C09", 3, 0, 4000.0, 0.0, 1600.0, 1600.0, 1, "Hardware", "mature"),  # K0904 is after the as-of date
        ("C13", 0, 0, 0.0, 0.0, 0.0, 0.0, 0, None, "potential"),
    ]
    assert _rows(scenario_db, "select count(*) from marts.mart_customer_value") == [(16,)]


# ------------------------------------------------------------------------------------------ demo: independent polars


def _good_rows(landing: Path, relative: str) -> pl.DataFrame:
    """A landing CSV as text, without the rows the generator's answer key marks as deliberately bad."""
    df = pl.read_csv(landing / relative, infer_schema=False).with_row_index("_row", offset=1)
    bad = (
        pl.read_csv(landing / "_bad_rows.csv", infer_schema=False)
        .filter(pl.col("file") == relative)
        .select(pl.col("row_number").cast(pl.UInt32).alias("_row"))
        .unique()
    )
    return df.join(bad, on="_row", how="anti").drop("_row")


def _day(col: str) -> pl.Expr:
    return pl.col(col).str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d")


def _months_back(d: date, months: int) -> date:
    month_index = d.year * 12 + d.month - 1 - months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def _ntile_score(df: pl.DataFrame, column: str, best_is_largest: bool, name: str) -> pl.DataFrame:
    """Tie-safe quintile: 1 + floor(5 × (customers strictly worse) / n), NULLs worst."""
    values = df[column].to_list()
    n = len(values)

    def worse(v: float | None) -> int:
        if v is None:
            return 0
        return sum(1 for o in values if o is None or (o < v if best_is_largest else o > v))

    return df.with_columns(pl.Series(name, [1 + (5 * worse(v)) // n for v in values], dtype=pl.Int64))


def _segment(r: int, f: int, segments: list[dict[str, str]]) -> str:
    found = [
        s["segment_code"]
        for s in segments
        if int(s["r_min"]) <= r <= int(s["r_max"]) and int(s["f_min"]) <= f <= int(s["f_max"])
    ]
    assert len(found) == 1, (r, f, found)
    return found[0]


@pytest.fixture(scope="module")
def demo_expected(demo_landing: Path) -> dict:
    """Per-order and per-customer facts recomputed from the demo CSVs with polars only."""
    orders = _good_rows(demo_landing, "orders/orders.csv").select(
        "order_id",
        "account_id",
        _day("order_date").alias("order_date"),
        pl.col("status").str.strip_chars(),
        pl.col("currency").str.strip_chars().str.to_uppercase(),
        _day("due_date").alias("due_date"),
        pl.col("payment_terms_days").cast(pl.Int64).fill_null(0).alias("terms"),
    )
    assert orders["order_id"].is_unique().all()
    lines = _good_rows(demo_landing, "orders/order_lines.csv").select(
        "order_id",
        pl.col("quantity").cast(pl.Int64),
        pl.col("unit_price").cast(pl.Float64),
        pl.col("discount_pct").cast(pl.Float64).fill_null(0.0).alias("discount"),
    )
    fx = (
        _good_rows(demo_landing, "orders/fx_rates.csv")
        .select(
            pl.col("currency").str.to_uppercase(),
            _day("rate_date").alias("rate_date"),
            pl.col("rate_to_base").cast(pl.Float64).alias("rate"),
        )
        .sort("currency", "rate_date")
    )
    with_rate = orders.sort("order_date").join_asof(
        fx, left_on="order_date", right_on="rate_date", by="currency", strategy="backward", check_sortedness=False
    )
    with_rate = with_rate.with_columns(
        pl.when(pl.col("currency") == "CNY").then(1.0).otherwise(pl.col("rate")).alias("rate")
    )
    per_order = (
        lines.join(with_rate, on="order_id", how="inner")
        .group_by("order_id")
        .agg(
            (pl.col("quantity") * pl.col("unit_price") * (1 - pl.col("discount"))).sum().alias("net"),
            (pl.col("quantity") * pl.col("unit_price") * (1 - pl.col("discount")) * pl.col("rate"))
            .sum()
            .alias("net_base"),
            (pl.col("quantity") > 0).any().alias("is_purchase"),
            (pl.col("quantity") < 0).any().alias("has_return_line"),
        )
    )
    orders = orders.join(with_rate.select("order_id", "rate"), on="order_id").join(per_order, on="order_id", how="left")
    orders = orders.with_columns(
        pl.col("net").fill_null(0.0),
        pl.col("net_base").fill_null(0.0),
        pl.col("is_purchase").fill_null(False),
        pl.col("has_return_line").fill_null(False),
    )
    valid = orders.filter(pl.col("status") != "cancelled")

    payments = _good_rows(demo_landing, "orders/payments.csv").select(
        "order_id",
        _day("paid_at").alias("paid_date"),
        pl.col("amount").cast(pl.Float64),
        pl.col("currency").str.to_uppercase().alias("pay_currency"),
    )
    activities = _good_rows(demo_landing, "crm/activities.csv").select(_day("occurred_at").alias("d"))
    opportunities = _good_rows(demo_landing, "crm/opportunities.csv").select(_day("created_at").alias("d"))
    # The reporting date: the latest business date in the data (orders, payments, activities, deals).
    as_of = max(
        orders["order_date"].max(), payments["paid_date"].max(), activities["d"].max(), opportunities["d"].max()
    )
    window_start = _months_back(as_of, dbt_var("rfm_lookback_months"))
    previous_month = _months_back(date(as_of.year, as_of.month, 1), 1)
    valid = valid.filter(pl.col("order_date") <= as_of)

    purchases = valid.filter(pl.col("is_purchase"))
    per_customer = (
        purchases.group_by("account_id")
        .agg(
            pl.col("order_date").max().alias("last_purchase"),
            pl.col("order_date").min().alias("first_purchase"),
            pl.len().alias("lifetime_purchases"),
            (pl.col("order_date") > window_start).sum().alias("frequency"),
            ((pl.col("order_date").dt.year() == as_of.year) & (pl.col("order_date").dt.month() == as_of.month))
            .any()
            .alias("active_in_as_of_month"),
            (
                (pl.col("order_date").dt.year() == previous_month.year)
                & (pl.col("order_date").dt.month() == previous_month.month)
            )
            .any()
            .alias("active_in_previous_month"),
        )
        .join(
            valid.filter(pl.col("order_date") > window_start)
            .group_by("account_id")
            .agg(pl.col("net_base").sum().alias("monetary")),
            on="account_id",
            how="left",
        )
        .with_columns(
            pl.col("monetary").fill_null(0.0).round(6),
            (pl.lit(as_of) - pl.col("last_purchase")).dt.total_days().alias("recency_days"),
        )
    )
    scored = _ntile_score(per_customer, "recency_days", best_is_largest=False, name="r_score")
    scored = _ntile_score(scored, "frequency", best_is_largest=True, name="f_score")
    scored = _ntile_score(scored, "monetary", best_is_largest=True, name="m_score")
    segments = list(csv.DictReader(SEGMENTS_SEED.open(encoding="utf-8")))
    scored = scored.with_columns(
        pl.struct("r_score", "f_score")
        .map_elements(lambda s: _segment(s["r_score"], s["f_score"], segments), return_dtype=pl.String)
        .alias("segment_code")
    )
    return {
        "as_of": as_of,
        "window_start": window_start,
        "orders": valid,
        "payments": payments,
        "fx": fx,
        "rfm": scored,
    }


@pytest.mark.slow
def test_demo_rfm_matches_independent_polars(demo_db, demo_expected):
    as_of = demo_db.execute("select as_of_date from intermediate.int_as_of_date").fetchall()[0][0]
    assert as_of == demo_expected["as_of"]
    mart = {
        r[0]: r[1:]
        for r in demo_db.execute(
            """
            select account_id, recency_days, frequency, cast(monetary_base as double), r_score, f_score, m_score,
                   segment_code
            from marts.mart_customer_rfm
            """
        ).fetchall()
    }
    expected = {
        r["account_id"]: (
            r["recency_days"],
            r["frequency"],
            r["monetary"],
            r["r_score"],
            r["f_score"],
            r["m_score"],
            r["segment_code"],
        )
        for r in demo_expected["rfm"].iter_rows(named=True)
    }
    assert len(expected) > 100
    assert set(mart) == set(expected)
    mismatches = []
    for account, exp in expected.items():
        got = mart[account]
        if got[:2] != exp[:2] or abs(got[2] - exp[2]) > 0.01 or got[3:] != exp[3:]:
            mismatches.append((account, got, exp))
    assert not mismatches, mismatches[:10]
    # Every score is used and every customer has a segment: the data is not degenerate.
    assert {v[3] for v in expected.values()} == {1, 2, 3, 4, 5}


@pytest.mark.slow
def test_demo_pareto_share_matches_independent_polars(demo_db, demo_expected):
    # Tie-safe top share: every buyer whose rank (1 + buyers with more revenue) is within
    # ceil(pareto_top_customer_share × n).
    buyers = demo_expected["rfm"].filter(pl.col("frequency") > 0)
    cut = math.ceil(dbt_var("pareto_top_customer_share") * buyers.height)
    in_top = buyers.filter(pl.col("monetary").rank("min", descending=True) <= cut)
    top = in_top.height
    share = in_top["monetary"].sum() / buyers["monetary"].sum()
    row = demo_db.execute(
        """
        select customers, top_customers, cast(top_revenue_share as double)
        from marts.mart_customer_pareto_summary where period_type = 'trailing'
        """
    ).fetchall()
    assert row == [(buyers.height, top, pytest.approx(share, abs=1e-5))]


@pytest.mark.slow
def test_demo_retention_as_of_month_matches_independent_polars(demo_db, demo_expected):
    as_of = demo_expected["as_of"]
    cohorts = (
        demo_expected["rfm"]
        .with_columns(pl.col("first_purchase").dt.truncate("1mo").alias("cohort_month"))
        .group_by("cohort_month")
        .agg(
            pl.len().alias("cohort"),
            pl.col("active_in_as_of_month").sum().alias("active"),
            pl.col("active_in_previous_month").sum().alias("previous_active"),
            (pl.col("active_in_previous_month") & pl.col("active_in_as_of_month")).sum().alias("retained"),
            (pl.col("recency_days") <= dbt_var("tier_dormancy_days")).sum().alias("buying"),
            (pl.col("recency_days") > dbt_var("lifecycle_churn_days")).sum().alias("churned"),
            (pl.col("lifetime_purchases") >= 2).sum().alias("repeat"),
        )
    )
    expected = {
        r["cohort_month"]: (
            r["cohort"],
            r["active"],
            r["previous_active"],
            r["retained"],
            r["buying"],
            r["churned"],
            r["repeat"],
        )
        for r in cohorts.iter_rows(named=True)
    }
    got = {
        r[0]: r[1:]
        for r in demo_db.execute(
            """
            select cohort_month, cohort_customers, active_customers, previous_active_customers, retained_customers,
                   buying_customers, churned_customers, repeat_customers
            from marts.mart_customer_retention where activity_month = ?
            """,
            [date(as_of.year, as_of.month, 1)],
        ).fetchall()
    }
    assert got == expected


@pytest.mark.slow
def test_demo_late_payment_alert_matches_independent_polars(demo_db, demo_expected):
    # H2 (domain.md §3.8): a payment received in the last alert_late_payment_lookback_days (30) up to the
    # as-of date more than alert_late_payment_days (15, [003] 付款延迟超15天) after its due date, or a
    # balance still open more than that many days after its due date.
    late_days, lookback_days = dbt_var("alert_late_payment_days"), dbt_var("alert_late_payment_lookback_days")
    as_of = demo_expected["as_of"]
    orders = demo_expected["orders"].with_columns(
        pl.coalesce(pl.col("due_date"), pl.col("order_date") + pl.duration(days=pl.col("terms"))).alias("due")
    )
    payments = demo_expected["payments"].filter(pl.col("paid_date") <= as_of)
    joined = payments.join(orders.select("order_id", "account_id", "currency", "due"), on="order_id")
    assert (joined["pay_currency"] == joined["currency"]).all()
    paid = joined.group_by("order_id").agg(pl.col("amount").sum().alias("paid"))
    # Receivables money convention: the receivable is the revenue (0 for a net credit or an order that came
    # back whole), payments in the order's currency settle it at the order's rate, and less than var
    # receivable_settled_tolerance left in the base currency is settled.
    returned_whole = (pl.col("status") == "returned") & ~pl.col("has_return_line")
    overdue = (
        orders.join(paid, on="order_id", how="left")
        .with_columns(
            pl.when(returned_whole).then(0.0).otherwise(pl.col("net_base").clip(lower_bound=0)).alias("receivable")
        )
        .with_columns((pl.col("receivable") - pl.col("paid").fill_null(0.0) * pl.col("rate")).alias("open"))
        .with_columns((pl.lit(as_of) - pl.col("due")).dt.total_days().alias("days_late"))
        .filter((pl.col("open") >= SETTLED_TOLERANCE) & (pl.col("days_late") > late_days))
        .select("account_id", pl.lit("open").alias("kind"), pl.col("open").alias("amount"), "days_late")
    )
    late_paid = (
        joined.filter(pl.col("paid_date") > as_of - timedelta(days=lookback_days))
        .with_columns((pl.col("paid_date") - pl.col("due")).dt.total_days().alias("days_late"))
        .filter(pl.col("days_late") > late_days)
        .sort("paid_date")
        .join_asof(
            demo_expected["fx"],
            left_on="paid_date",
            right_on="rate_date",
            by="currency",
            strategy="backward",
            check_sortedness=False,
        )
        .with_columns(pl.when(pl.col("currency") == "CNY").then(1.0).otherwise(pl.col("rate")).alias("rate"))
        .select(
            "account_id", pl.lit("paid").alias("kind"), (pl.col("amount") * pl.col("rate")).alias("amount"), "days_late"
        )
    )
    events = pl.concat([overdue, late_paid])
    grouped = events.group_by("account_id").agg(
        (pl.col("kind") == "paid").sum().alias("late_payments"),
        pl.col("amount").filter(pl.col("kind") == "paid").sum().alias("late_paid"),
        (pl.col("kind") == "open").sum().alias("overdue_orders"),
        pl.col("amount").filter(pl.col("kind") == "open").sum().alias("overdue_amount"),
        pl.col("days_late").filter(pl.col("kind") == "open").max().alias("max_days_overdue"),
        pl.col("days_late").max().alias("max_days_late"),
    )
    expected = {r["account_id"]: r for r in grouped.iter_rows(named=True)}
    got = {
        r[0]: r[1:]
        for r in demo_db.execute(
            """
            select account_id, late_payments, cast(late_paid_amount_base as double), overdue_orders,
                   cast(overdue_amount_base as double), max_days_overdue, max_days_late
            from marts.mart_customer_health_alert where alert_type = 'payment_late_15d'
            """
        ).fetchall()
    }
    assert expected, "the demo data should contain late payments"
    assert set(got) == set(expected)
    for account, e in expected.items():
        g = got[account]
        assert (g[0], g[2], g[4], g[5]) == (
            e["late_payments"],
            e["overdue_orders"],
            e["max_days_overdue"],
            e["max_days_late"],
        ), account
        assert g[1] == pytest.approx(e["late_paid"], abs=0.05), account
        assert g[3] == pytest.approx(e["overdue_amount"], abs=0.05), account


@pytest.mark.slow
def test_demo_builds_all_customer_marts(demo_db):
    for mart in CUSTOMER_MARTS:
        assert demo_db.execute(f"select count(*) from marts.{mart}").fetchall()[0][0] > 0, mart


def test_customer_seed_switches_are_all_read_by_a_model():
    # No dead configuration: a true/false column of a customer seed is a switch, and a switch that no
    # model reads changes nothing. customer_activity_types keeps counts_as_touch (read by the
    # dormant_untouched_q alert); its old counts_as_inquiry flag is gone, because the no-inquiry alert
    # counts new leads and opportunities, never activities (domain.md §3.8 H1).
    dbt_project = SEGMENTS_SEED.parents[2]
    model_sql = "\n".join(p.read_text(encoding="utf-8") for p in (dbt_project / "models").rglob("*.sql"))
    switches = {}
    for seed in sorted((dbt_project / "seeds" / "customer").glob("*.csv")):
        with seed.open(encoding="utf-8", newline="") as handle:
            records = list(csv.DictReader(handle))
        for column in records[0]:
            if {r[column].strip().lower() for r in records} <= {"true", "false"}:
                switches[(seed.stem, column)] = column in model_sql
    assert switches == {("customer_activity_types", "counts_as_touch"): True}


def test_customer_marts_are_a_dagster_group_with_checks():
    from orchestration.code_location import build_definitions
    from orchestration.settings import load_settings

    graph = build_definitions(load_settings()).resolve_asset_graph()
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    for mart in CUSTOMER_MARTS:
        assert graph.get(dg.AssetKey(["marts", mart])).group_name == "customer", mart
        assert any(asset == f"marts/{mart}" for asset, _ in checks), mart
    assert ("marts/mart_customer_retention", "assert_customer_retention_churn_matches_lifecycle") in checks
    assert ("marts/mart_customer_pareto", "assert_customer_pareto_trailing_matches_rfm_monetary") in checks
