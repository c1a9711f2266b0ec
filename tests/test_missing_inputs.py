"""Marts on a full landing that lacks one source: "built empty and reported as such, never silently zero".

data-contract.md: a missing file and a header-only file both mean "no data from this source", and the marts
that need it are built empty and reported as such, never silently zero. The landing here is the session's
generated one with ``orders/order_lines.csv`` holding only its header: orders, payments, quotas, channels and
the CRM are all there, so a mart could make a calendar of zero revenue, or an attainment of 0%, out of them.
It is run once through the whole Dagster job. The partial landings of tests/test_partial_landings.py are held
to the same rules (a landing without channel files among them).

The expectations are written by hand from what the landing lacks; only the general rules read which marts
the pipeline's coverage table lists without input.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from landing_variants import subset_landing
from mart_checks import columns_zero_on_every_row, filled_where_known, marts_filled_without_input, null_where_unknown

from ingestion.contract import CONTRACT

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

# Marts that must be empty: each needs the order lines.
EXPECTED_EMPTY = (
    "mart_kpi_daily",
    "mart_customer_value",
    "mart_customer_lifecycle",
    "mart_customer_health_alert",
    "mart_customer_rfm",
    "mart_collections",
    "mart_receivables_aging",
    "mart_channel_performance",
    "mart_partner_rebate",  # its basis is sell-in revenue
)
# Marts that keep their rows: columns null on every row of a filter (unknown, not 0) ...
EXPECTED_UNKNOWN = {
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
    "mart_channel_inventory": {
        "sell_in_qty": "true",
        "book_closing_qty": "true",
        "inventory_variance_qty": "true",
        "sell_through_rate": "true",
    },
    "mart_pipeline_velocity": {"revenue_to_date_base": "true"},
    "mart_sales_cycle": {"linked_order_count": "true"},
}
# ... and columns whose inputs are there.
EXPECTED_KNOWN = {
    "mart_quota_attainment": {"actual_value": "metric in ('new_customers', 'won_deals')"},
    "mart_partner_performance": {"sell_out_units": "true"},
    "mart_rep_scorecard": {"visits_actual": "true", "total_score": "true"},
    # Stock counted on a month's last day is measured without the sell-in flow (the generated counts are).
    "mart_channel_inventory": {
        "sell_out_qty": "true",
        "closing_qty": "snapshot_date = period_end_date",
        "inventory_turnover": "true",
    },
}


@pytest.fixture(scope="module")
def lines_header_only(demo_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    from orchestration.pipeline import run_full_pipeline

    root = tmp_path_factory.mktemp("lines_header_only")
    every_file = [cf.relative_path for cf in CONTRACT]
    landing = subset_landing(demo_landing, root / "landing", every_file, ["orders/order_lines.csv"])
    warehouse = root / "warehouse" / "salesops.duckdb"
    warehouse.parent.mkdir()
    run = run_full_pipeline(landing, warehouse, raise_on_error=False, serving=root / "serving.duckdb")
    con = duckdb.connect(str(warehouse), read_only=True)
    yield run, con
    con.close()


def test_the_run_succeeds(lines_header_only):
    run, _ = lines_header_only
    assert run.success, f"failed checks {run.failed_checks}"


def test_marts_that_need_the_order_lines_are_empty_and_listed_so(lines_header_only):
    _, con = lines_header_only
    coverage = dict(con.execute("select mart_name, inputs_have_rows from marts.mart_coverage").fetchall())
    for mart in EXPECTED_EMPTY:
        assert con.execute(f"select count(*) from marts.{mart}").fetchall()[0][0] == 0, f"{mart} has rows"
        assert coverage[mart] is False, f"{mart} listed as built from its inputs"


def test_figures_from_the_order_lines_are_null_not_zero(lines_header_only):
    _, con = lines_header_only
    assert null_where_unknown(con, EXPECTED_UNKNOWN) == []
    assert filled_where_known(con, EXPECTED_KNOWN) == []


def test_no_mart_is_silently_zero(lines_header_only):
    _, con = lines_header_only
    assert marts_filled_without_input(con) == []
    assert columns_zero_on_every_row(con) == []
