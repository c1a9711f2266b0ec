"""The worked mapping examples through dbt: each export, loaded by its mapping, gives marts whose figures
were computed by hand from the sample files (examples/mappings/*/landing), in the example's own base
currency (USD for the US CRM exports, EUR for the ERP journal, CNY for the Chinese CRM).

Only the marts checked here and everything upstream of them are built (``dbt build --select +mart``), with
every test on those models: an example that loads but breaks a dbt test fails here.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import build_fixture_warehouse
from oracles import BASE_CURRENCY

pytestmark = pytest.mark.slow
# The two USD examples on one worker, one after the other: the second starts from the parse state of the
# first (the same vars) instead of parsing the project in full beside it.
USD_EXAMPLES = pytest.mark.xdist_group("usd_examples")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "mappings"
FUNNEL = ("mart_win_rate", "mart_sales_cycle", "mart_coverage")


def build_example(tmp_path: Path, name: str, base_currency: str, marts: tuple[str, ...]) -> duckdb.DuckDBPyConnection:
    landing = tmp_path / "landing"
    shutil.copytree(EXAMPLES / name / "landing", landing)
    selection = " ".join(f"+{m}" for m in marts)
    dbt_args = ["--select", selection, "--indirect-selection", "cautious"]
    # Any new set of vars costs dbt a full parse of the project (orchestration/dbt_parse_cache.py): the
    # project's own base currency is left to its default, so that build starts from the suite's other ones.
    if base_currency != BASE_CURRENCY:
        dbt_args += ["--vars", json.dumps({"base_currency": base_currency})]
    # The Salesforce sample holds one impossible date (2/30/2024) on purpose.
    warehouse = build_fixture_warehouse(landing, tmp_path / "salesops.duckdb", dbt_args, quarantine_expected=True)
    return duckdb.connect(str(warehouse), read_only=True)


def company_win_rate(con: duckdb.DuckDBPyConnection) -> tuple:
    """(won, lost, won amount, lost amount) summed over every month of the company slice."""
    return con.execute(
        "select sum(won_count), sum(lost_count), sum(won_amount_base), sum(lost_amount_base) "
        "from marts.mart_win_rate where slice_type = 'company'"
    ).fetchall()[0]


def signing_cycles(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(con.execute("select opportunity_id, signing_cycle_days from marts.mart_sales_cycle").fetchall())


def coverage(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
    return dict(con.execute("select mart_name, inputs_have_rows from marts.mart_coverage").fetchall())


@USD_EXAMPLES
def test_salesforce_report_in_usd(tmp_path: Path):
    con = build_example(tmp_path, "salesforce_opportunities", "USD", FUNNEL)
    # Closed Won: $12,500.00 + $1,001.18; Closed Lost: $6,000.00 + $2,750.00.
    assert company_win_rate(con) == (2, 2, Decimal("13501.18"), Decimal("8750.00"))
    # Created 11/14/2023, won 1/31/2024: 16 + 31 + 31 days; created 2/1/2024, won 3/8/2024: 28 + 8 (leap year).
    assert signing_cycles(con) == {"0065g00000P2b01AAA": 78, "0065g00000P2b11AAA": 36}
    assert coverage(con)["mart_win_rate"] is True
    assert coverage(con)["mart_kpi_daily"] is False  # no orders in a CRM export


@USD_EXAMPLES
def test_hubspot_deals_in_usd(tmp_path: Path):
    con = build_example(tmp_path, "hubspot_deals", "USD", FUNNEL)
    won, lost, won_amount, _ = company_win_rate(con)
    # Two closedwon deals (12,000.00 and 1,250.75), two closedlost.
    assert (won, lost, won_amount) == (2, 2, Decimal("13250.75"))
    # Deal 4185520101: created 2017-01-09 10:15, closed 2017-02-28: 22 + 28 days.
    assert signing_cycles(con)["4185520101"] == 50


def test_chinese_crm_in_cny(tmp_path: Path):
    con = build_example(tmp_path, "chinese_crm", "CNY", FUNNEL)
    # 交货使用 (collected) counts as won: ¥1,234.00 + ¥1,234,500.00; 输单 (lost): 376,600.00 in two deals.
    assert company_win_rate(con) == (2, 2, Decimal("1235734.00"), Decimal("376600.00"))


def test_erp_invoices_in_eur(tmp_path: Path):
    con = build_example(tmp_path, "erp_invoices", "EUR", ("mart_kpi_daily", "mart_customer_rfm", "mart_coverage"))
    kpi = con.execute("select sum(revenue_base), sum(returns_base), sum(orders) from marts.mart_kpi_daily").fetchall()
    # Line amounts net of discount: 1,234.56 + 50.00 + 260.91 + 2,160.48 + 59.70 + 550.81 + 37.50 + 9.95 sold,
    # less the credit note C536543 (-1 x 1,234.56): revenue is net of returns, 3,129.35 over 6 invoices.
    assert kpi[0] == (Decimal("3129.35"), Decimal("1234.56"), 6)
    rfm = con.execute(
        "select account_id, frequency, monetary_base, recency_days from marts.mart_customer_rfm order by 1"
    ).fetchall()
    # As of 2024-01-31 (the last invoice). A credit note is no purchase: 0012345 bought once on 01-03
    # (1,234.56 + 50.00) and returned 1,234.56; guests (GUEST) bought on 01-05 and 01-31.
    assert rfm == [
        ("0012345", 1, Decimal("50.00"), 28),
        ("0012346", 1, Decimal("2220.18"), 19),  # 2 x 1,234.56 x 0.875 + 6 x 9.95, on 01-12
        ("0012347", 1, Decimal("588.31"), 6),  # 2 x 289.90 x 0.95 + 3 x 12.50, on 01-25
        ("GUEST", 2, Decimal("270.86"), 0),  # 289.90 x 0.9 + 9.95
    ]
