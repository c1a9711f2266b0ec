"""Marts on a full landing that lacks one source: "built empty and reported as such, never silently zero".

data-contract.md: a missing file and a header-only file both mean "no data from this source", and the marts
that need it are built empty and reported as such, never silently zero. Two landings are derived from the
session's generated one and each is run once through the whole Dagster job:

* ``lines_header_only``: every contract file, but ``orders/order_lines.csv`` holds only its header. Orders,
  payments, quotas and the CRM are all there, so a mart could make a calendar of zero revenue, or an
  attainment of 0%, out of them.
* ``no_channel_files``: every contract file except the four of ``channels/``. Partners still appear on orders
  (sell-in), so the partner marts have rows, but nothing is known of sell-out, stock or the partner roster.

The expectations are written by hand from what each landing lacks; they do not read the pipeline's own
coverage rules, except for the general rule at the end, which holds every mart to what ``mart_coverage``
says of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from landing_variants import subset_landing

from ingestion.contract import CONTRACT

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

ALL_FILES = tuple(cf.relative_path for cf in CONTRACT)

# Marts that must be empty: each needs what the landing lacks.
EXPECTED_EMPTY = {
    "lines_header_only": (
        "mart_kpi_daily",
        "mart_customer_value",
        "mart_customer_lifecycle",
        "mart_customer_health_alert",
        "mart_customer_rfm",
        "mart_collections",
        "mart_receivables_aging",
        "mart_channel_performance",
        "mart_partner_rebate",  # its basis is sell-in revenue
    ),
    "no_channel_files": ("mart_price_compliance", "mart_price_compliance_monthly"),
}

# Marts that keep their rows, and the columns that must then be null on every row (unknown, not 0) and
# those that must still hold values. Column name -> SQL filter of the rows it applies to ("true": all).
EXPECTED_UNKNOWN = {
    "lines_header_only": {
        "mart_quota_attainment": {
            "actual_value": "metric in ('revenue', 'collections')",
            "attainment_pct": "metric in ('revenue', 'collections')",
            "is_met": "metric in ('revenue', 'collections')",
            "ytd_actual_value": "metric in ('revenue', 'collections')",
        },
        "mart_partner_performance": {
            "sell_in_revenue_base": "true",
            "sell_in_units": "true",
            "due_base": "true",
            "gross_margin_base": "true",
            "revenue_attainment": "true",
            "avg_inventory_qty": "true",
        },
        "mart_rep_scorecard": {
            "revenue_actual": "true",
            "collections_actual": "true",
            "product_line_breadth_actual": "true",
        },
        "mart_channel_inventory": {"sell_in_qty": "true", "closing_qty": "true", "inventory_turnover": "true"},
        "mart_pipeline_velocity": {"revenue_to_date_base": "true"},
        "mart_sales_cycle": {"linked_order_count": "true"},
    },
    "no_channel_files": {
        "mart_partner_performance": {
            "sell_out_units": "true",
            "sell_out_amount_base": "true",
            "products_sold_out": "true",
            "avg_inventory_qty": "true",
            "inventory_turnover": "true",
        },
        "mart_partner_rebate": {"sell_out_window_units": "true", "sell_out_pre_window_units": "true"},
        "mart_channel_inventory": {"sell_out_qty": "true", "closing_qty": "true"},
        "mart_channel_performance": {"authorized_partners": "true", "active_partners": "true"},
    },
}
EXPECTED_KNOWN = {
    "lines_header_only": {
        "mart_quota_attainment": {"actual_value": "metric in ('new_customers', 'won_deals')"},
        "mart_partner_performance": {"sell_out_units": "true"},
        "mart_rep_scorecard": {"visits_actual": "true", "total_score": "true"},
        "mart_channel_inventory": {"sell_out_qty": "true"},
    },
    "no_channel_files": {
        "mart_partner_performance": {"sell_in_revenue_base": "true", "collected_in_period_base": "true"},
        "mart_partner_rebate": {"rebate_basis_base": "true"},
        "mart_channel_inventory": {"sell_in_qty": "true"},
        "mart_channel_performance": {"revenue_base": "true"},
        "mart_quota_attainment": {"actual_value": "true"},
    },
}
# Counts that are rightly 0 on every row of these landings (and of the demo): anomalies that did not occur.
ZERO_IS_A_FINDING = {
    ("mart_price_compliance_monthly", "region_unknown_lines"),
    ("mart_price_compliance_monthly", "duplicate_serial_lines"),
    ("mart_rep_activity", "days_met_contact_target"),
}


@dataclass
class Built:
    name: str
    success: bool
    failed_checks: list[str]
    db: duckdb.DuckDBPyConnection


def _build(name: str, source: Path, tmp: pytest.TempPathFactory, keep, header_only=()) -> Built:
    from orchestration.pipeline import run_full_pipeline

    root = tmp.mktemp(name)
    landing = subset_landing(source, root / "landing", keep, header_only)
    warehouse = root / "warehouse" / "salesops.duckdb"
    warehouse.parent.mkdir()
    run = run_full_pipeline(landing, warehouse, raise_on_error=False, serving=root / "serving.duckdb")
    return Built(name, run.success, run.failed_checks, duckdb.connect(str(warehouse), read_only=True))


@pytest.fixture(scope="module")
def lines_header_only(demo_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    built = _build("lines_header_only", demo_landing, tmp_path_factory, ALL_FILES, ["orders/order_lines.csv"])
    yield built
    built.db.close()


@pytest.fixture(scope="module")
def no_channel_files(demo_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    keep = [path for path in ALL_FILES if not path.startswith("channels/")]
    built = _build("no_channel_files", demo_landing, tmp_path_factory, keep)
    yield built
    built.db.close()


@pytest.fixture(params=["lines_header_only", "no_channel_files"])
def built(request: pytest.FixtureRequest) -> Built:
    return request.getfixturevalue(request.param)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(sql).fetchall()[0][0]


def test_the_run_succeeds(built: Built):
    assert built.success, f"{built.name}: failed checks {built.failed_checks}"


def test_marts_that_need_the_missing_source_are_empty_and_listed_so(built: Built):
    coverage = dict(built.db.execute("select mart_name, inputs_have_rows from marts.mart_coverage").fetchall())
    for mart in EXPECTED_EMPTY[built.name]:
        assert _count(built.db, f"select count(*) from marts.{mart}") == 0, f"{built.name}: {mart} has rows"
        assert coverage[mart] is False, f"{built.name}: {mart} listed as built from its inputs"


def test_figures_from_the_missing_source_are_null_not_zero(built: Built):
    for mart, columns in EXPECTED_UNKNOWN[built.name].items():
        rows = _count(built.db, f"select count(*) from marts.{mart}")
        assert rows > 0, f"{built.name}: {mart} should keep its rows"
        for column, where in columns.items():
            filled = _count(built.db, f"select count({column}) from marts.{mart} where {where}")
            applicable = _count(built.db, f"select count(*) from marts.{mart} where {where}")
            assert applicable > 0, f"{built.name}: no row of {mart} where {where}"
            assert filled == 0, f"{built.name}: {mart}.{column} holds {filled} values where {where}; expected null"
    for mart, columns in EXPECTED_KNOWN[built.name].items():
        for column, where in columns.items():
            filled = _count(built.db, f"select count({column}) from marts.{mart} where {where}")
            assert filled > 0, f"{built.name}: {mart}.{column} is null everywhere where {where}; its inputs are there"


def test_no_mart_is_silently_zero(built: Built):
    """Every mart listed without input is empty, and no numeric column of a mart that has rows is 0 on
    every row (a figure the landing could not give is null), but for counts of anomalies that did not occur."""
    coverage = dict(built.db.execute("select mart_name, inputs_have_rows from marts.mart_coverage").fetchall())
    filled_without_input = [
        mart for mart, fed in coverage.items() if not fed and _count(built.db, f"select count(*) from marts.{mart}")
    ]
    assert filled_without_input == [], f"{built.name}: rows in marts listed without input: {filled_without_input}"
    numeric = built.db.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'marts' "
        "and (data_type in ('DOUBLE', 'BIGINT', 'INTEGER', 'HUGEINT') or data_type like 'DECIMAL%') "
        "and table_name like 'mart%' order by 1, 2"
    ).fetchall()
    all_zero = []
    for mart, column in numeric:
        if (mart, column) in ZERO_IS_A_FINDING or not coverage.get(mart, True):
            continue
        values, non_zero = built.db.execute(
            f'select count("{column}"), count(*) filter (where "{column}" <> 0) from marts.{mart}'
        ).fetchall()[0]
        if values and not non_zero:
            all_zero.append(f"{mart}.{column}")
    assert all_zero == [], f"{built.name}: columns that are 0 on every row: {all_zero}"
