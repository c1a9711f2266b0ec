"""mart_kpi_daily and the core facts on the hand-made scenario tests/fixtures/landing_small.

Expected numbers are worked out by hand from the fixture files:
- SO1 (CNY, direct C1, 2024-01-15): 10 × 100 × (1 − 0.1) + 2 × 250 = 1,400
- SO2 (USD, distribution C2, 2024-01-15): 5 × 20 USD = 100 USD × 7.0 (rate of 2024-01-01) = 700
- SO3 (direct, 2024-02-03) is cancelled: no revenue, not an order
- SO4 (ecommerce C3, 2024-02-03, returned): 3 × 100 − 1 × 100 = 200
- SO5 (USD, C2, 2024-02-05): 2 × 30 × 0.5 = 30 USD × 7.2 (rate of 2024-02-01) = 216
- payments: PM1 1,400 on 2024-02-10 (C1); PM2 100 USD × 7.2 = 720 on 2024-04-05 (C2, 21 days after the
  2024-03-15 due date); PM3 200 on 2024-02-03 (C3); PM4 15 USD × 7.2 = 108 on 2024-02-05 (C2)
- 回款额 counts the settlement value applied to the order: PM2's 100 USD settles SO2 at its booking
  rate 7.0 = 700 (the 720 cash value would collect 20 more than the order's receivable)
- as-of date = latest business date = 2024-04-05; spine 2024-01-15 .. 2024-04-05 = 82 days × 3 channels
"""

from __future__ import annotations

from datetime import date

import pytest


def test_kpi_daily_rows_with_activity(fixture_db):
    rows = fixture_db.execute(
        """
        select date_day, channel_id, cast(revenue_base as double), orders, buying_customers,
               cast(revenue_per_customer_base as double), cast(collections_base as double)
        from marts.mart_kpi_daily
        where orders > 0 or collections_base <> 0
        order by date_day, channel_id
        """
    ).fetchall()
    assert rows == [
        (date(2024, 1, 15), "C1", 1400.0, 1, 1, 1400.0, 0.0),
        (date(2024, 1, 15), "C2", 700.0, 1, 1, 700.0, 0.0),
        (date(2024, 2, 3), "C3", 200.0, 1, 1, 200.0, 200.0),
        (date(2024, 2, 5), "C2", pytest.approx(216.0), 1, 1, pytest.approx(216.0), pytest.approx(108.0)),
        (date(2024, 2, 10), "C1", 0.0, 0, 0, None, 1400.0),
        (date(2024, 4, 5), "C2", 0.0, 0, 0, None, pytest.approx(700.0)),
    ]


def test_kpi_daily_spine_has_every_day_and_channel(fixture_db):
    assert fixture_db.execute("select count(*) from marts.mart_kpi_daily").fetchall()[0][0] == 82 * 3
    assert fixture_db.execute("select as_of_date from intermediate.int_as_of_date").fetchall() == [(date(2024, 4, 5),)]


def test_orders_fact_revenue_returns_and_collection_state(fixture_db):
    rows = fixture_db.execute(
        """
        select order_id, cast(revenue_base as double), cast(return_amount_base as double),
               cast(paid_amount_base as double), cast(settled_amount_base as double),
               cast(open_amount_base as double), fully_paid_at is not null,
               account_order_sequence
        from core.fct_orders order by order_id
        """
    ).fetchall()
    assert rows == [
        ("SO1", 1400.0, 0.0, 1400.0, 1400.0, 0.0, True, 1),
        # 100 USD paid when USD was 7.2 is 720 of cash but settles the 700 booked at 7.0 in full.
        ("SO2", 700.0, 0.0, pytest.approx(720.0), pytest.approx(700.0), 0.0, True, 1),
        ("SO3", 0.0, 0.0, 0.0, 0.0, 0.0, False, None),
        ("SO4", 200.0, 100.0, 200.0, 200.0, 0.0, True, 1),
        ("SO5", pytest.approx(216.0), 0.0, pytest.approx(108.0), pytest.approx(108.0), pytest.approx(108.0), False, 2),
    ]


def test_payment_lateness(fixture_db):
    rows = fixture_db.execute(
        "select payment_id, due_date, days_late, is_late_over_alert_days from core.fct_payments order by payment_id"
    ).fetchall()
    assert rows == [
        ("PM1", date(2024, 2, 14), -4, False),
        ("PM2", date(2024, 3, 15), 21, True),
        ("PM3", date(2024, 2, 3), 0, False),
        ("PM4", date(2024, 4, 5), -60, False),
    ]


def test_opportunities_canonical_stage_and_weighting(fixture_db):
    rows = fixture_db.execute(
        """
        select opportunity_id, stage_code, cast(amount_base as double), cast(weighted_amount_base as double),
               is_8c1f0w, days_to_close
        from core.fct_opportunities order by opportunity_id
        """
    ).fetchall()
    # O2: 500 USD closed 2024-01-30 at 7.0; O3: 方案报价 maps to 3_proposal, default probability 0.45.
    assert rows == [
        ("O1", "5_won", 1400.0, 0.0, True, 12),
        ("O2", "lost", 3500.0, 0.0, False, 25),
        ("O3", "3_proposal", 2000.0, 900.0, False, None),
    ]


def test_dim_date_weekdays_and_month_ends(fixture_db):
    rows = fixture_db.execute(
        "select date_day, day_of_week, is_workday, week_start, month_end, year_quarter from core.dim_date "
        "where date_day in (date '2024-01-31', date '2024-02-29', date '2024-03-03')"
        " order by date_day"
    ).fetchall()
    assert rows == [
        (date(2024, 1, 31), 3, True, date(2024, 1, 29), date(2024, 1, 31), "2024-Q1"),
        (date(2024, 2, 29), 4, True, date(2024, 2, 26), date(2024, 2, 29), "2024-Q1"),
        (date(2024, 3, 3), 7, False, date(2024, 2, 26), date(2024, 3, 31), "2024-Q1"),
    ]
