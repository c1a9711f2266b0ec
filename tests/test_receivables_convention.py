"""The receivables money convention, 回款率 and the returned-order rule on a hand-made landing.

The landing is ``tests/fixtures/landing_small`` plus a few rows written here (so the shared fixture is
left as it is). All expected numbers are worked out by hand:

- USD falls to 6.9 on 2024-03-01. SO2 (100 USD booked at 7.0 = 700, due 2024-03-15) is paid 100 USD on
  2024-04-05: cash value 690, settlement value 700, so the order is settled (0 open) in fct_orders and in
  the aging mart alike.
- SO5 (30 USD at 7.2 = 216, due 2024-04-05) is paid 15 USD = 108 on 2024-02-05: 108 open.
- SO3 is cancelled; PM6 pays 500 on it on 2024-02-04: not 回款 (unapplied, cancelled_order).
- SO6 (A3, 2024-02-01, due 2024-03-02) has status ``returned`` and one line 2 × 100, no return line: the
  whole order came back, revenue 0, return 200; PM5 paid 200 on 2024-02-02 is a refund due, not 回款.
- SO4 is ``returned`` with a return line (3 × 100 − 1 × 100): revenue stays 200, return 100 (not twice).
- SO7 (A1, 1,000, due 2024-02-20) is paid 400 on 2024-02-15 and 600 on 2024-03-10.
- As-of date 2024-04-05. Collected (applied) by month: Feb = PM1 1,400 + PM3 200 + PM4 108 + PM7 400
  = 2,108 (unapplied 200 + 500 = 700); Mar = PM8 600; Apr = PM2 700. Due by month: Feb = SO1 1,400 +
  SO4 200 + SO7 1,000 = 2,600; Mar = SO2 700 (+ SO6 0); Apr = SO5 216.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import KEEPING_OTHER_DATES, SMALL_LANDING, build_fixture_warehouse

EXTRA_ROWS = {
    "orders/fx_rates.csv": ["USD,2024-03-01,6.9"],
    "orders/orders.csv": [
        "SO6,A3,R2,C1,,,2024-02-01,returned,CNY,30,2024-03-02,2024-02-01 18:00:00,2024-02-02 12:00:00,",
        "SO7,A1,R2,C1,,,2024-02-01,delivered,CNY,19,2024-02-20,2024-02-02 10:00:00,2024-02-03 10:00:00,",
    ],
    "orders/order_lines.csv": ["SO6,1,X1,2,100,0", "SO7,1,X3,1,1000,0"],
    "orders/payments.csv": [
        "PM5,SO6,2024-02-02 10:00:00,200,CNY,card",
        "PM6,SO3,2024-02-04 10:00:00,500,CNY,bank_transfer",
        "PM7,SO7,2024-02-15 10:00:00,400,CNY,bank_transfer",
        "PM8,SO7,2024-03-10 10:00:00,600,CNY,bank_transfer",
    ],
}

# The models that depend on the as-of date, rebuilt for the closed-month check.
AS_OF_MODELS = [
    "int_as_of_date",
    "fct_orders",
    "int_collections__payment_applications",
    "int_collections__order_balances",
    "mart_receivables_aging",
    "mart_collections",
]


def make_landing(target: Path) -> Path:
    shutil.copytree(SMALL_LANDING, target)
    for name, lines in EXTRA_ROWS.items():
        path = target / name
        text = path.read_text()
        path.write_text(text + ("" if text.endswith("\n") else "\n") + "\n".join(lines) + "\n")
    return target


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("receivables")
    # dbt build runs every blocking test too, the open-receivable reconciliation included.
    return build_fixture_warehouse(make_landing(folder / "landing"), folder / "salesops.duckdb")


@pytest.fixture(scope="module")
def con(warehouse: Path):
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def query(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_fx_paid_order_is_settled_in_fct_orders_and_aging(con):
    assert query(
        con,
        "select cast(paid_amount_base as double), cast(settled_amount_base as double), "
        "cast(open_amount_base as double) from core.fct_orders where order_id = 'SO2'",
    ) == [(pytest.approx(690.0), pytest.approx(700.0), 0.0)]
    # A2 owes only SO5's 108; the cash value would leave SO2 10 open and A2 118.
    assert query(
        con,
        "select aging_level, entity_id, cast(open_receivable_base as double), open_orders "
        "from marts.mart_receivables_aging order by aging_level, entity_id",
    ) == [("account", "A2", pytest.approx(108.0), 1), ("partner", "P1", pytest.approx(108.0), 1)]
    assert query(
        con,
        "select cast(sum(open_amount_base) as double) from core.fct_orders",
    ) == [(pytest.approx(108.0),)]


def test_returned_order_revenue(con):
    rows = query(
        con,
        "select order_id, cast(revenue_base as double), cast(return_amount_base as double), "
        "cast(cost_base as double), units_returned, cast(open_amount_base as double) "
        "from core.fct_orders where order_id in ('SO4', 'SO6') order by order_id",
    )
    # SO4: 300 sold − 100 returned (return line), cost 3 × 60 − 1 × 60. SO6: returned whole.
    assert rows == [("SO4", 200.0, 100.0, 120.0, 1, 0.0), ("SO6", 0.0, 200.0, 0.0, 2, 0.0)]
    # The line fact follows the same rule, so line-based revenue agrees with the order fact.
    assert query(con, "select cast(sum(revenue_base) as double) from core.fct_order_lines where order_id = 'SO6'") == [
        (0.0,)
    ]


def test_payments_on_cancelled_and_returned_orders_are_not_collections(con):
    applications = query(
        con,
        "select payment_id, cast(applied_base as double), cast(unapplied_base as double), unapplied_reason "
        "from intermediate.int_collections__payment_applications where payment_id in ('PM5', 'PM6') "
        "order by payment_id",
    )
    assert applications == [("PM5", 0.0, 200.0, "returned_order"), ("PM6", 0.0, 500.0, "cancelled_order")]
    # 回款额 on the KPI board: nothing on the days only those two payments arrived.
    assert query(
        con,
        "select date_day, cast(collections_base as double), payments from marts.mart_kpi_daily "
        "where channel_id = 'C1' and date_day in ('2024-02-02', '2024-02-04') order by date_day",
    ) == [(date(2024, 2, 2), 0.0, 1), (date(2024, 2, 4), 0.0, 1)]


def test_collection_rate_is_collected_in_period_over_due_in_period(con):
    got = {
        r[0]: r[1:]
        for r in query(
            con,
            "select month_start, cast(collected_base as double), cast(unapplied_base as double), "
            "cast(due_base as double), cast(collection_rate as double), "
            "cast(due_cohort_collection_rate as double), cast(closing_receivable_base as double) "
            "from marts.mart_collections where group_level = 'company'",
        )
    }
    # Closing Feb: SO2 700 + SO5 108 + SO7 600 still open; Mar: SO2 700 + SO5 108.
    assert got[date(2024, 2, 1)] == pytest.approx((2108, 700, 2600, 2108 / 2600, 1.0, 1408))
    assert got[date(2024, 3, 1)] == pytest.approx((600, 0, 700, 600 / 700, 1.0, 808))
    # April: SO2's 700 arrives for a March due; SO5 is half paid. Closing = SO5 108.
    assert got[date(2024, 4, 1)] == pytest.approx((700, 0, 216, 700 / 216, 0.5, 108))


def test_closed_month_does_not_change_when_later_payments_arrive(warehouse: Path, tmp_path: Path):
    from orchestration.dbt_project import WITHOUT_UNIT_TESTS
    from orchestration.pipeline import run_dbt

    def february(path: Path) -> tuple:
        with duckdb.connect(str(path), read_only=True) as c:
            return c.execute(
                "select cast(collected_base as double), cast(due_base as double), "
                "cast(collection_rate as double) from marts.mart_collections "
                "where group_level = 'company' and month_start = '2024-02-01'"
            ).fetchone()

    early = tmp_path / "salesops.duckdb"
    shutil.copy(warehouse, early)
    # The same data reported as of the end of February, before PM8 (March) and PM2 (April) arrived;
    # dbt build also runs the open-receivable reconciliation on that date.
    run_dbt(
        ["build", *WITHOUT_UNIT_TESTS, "--select", *AS_OF_MODELS, "--indirect-selection", "buildable"]
        + [*KEEPING_OTHER_DATES, "--vars", "{as_of_date: '2024-02-29'}"],
        early,
        target_path=tmp_path / "dbt_target",
    )
    assert february(early) == pytest.approx((2108, 2600, 2108 / 2600))
    assert february(warehouse) == february(early)
