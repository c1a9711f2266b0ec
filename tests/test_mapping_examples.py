"""The worked examples in examples/mappings load as documented.

Each example folder holds a complete landing (a CRM/ERP export, its mapping in ``_mappings`` and the
companion contract files its foreign keys need). Every expected figure below was computed by hand
from the sample export files.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingestion.loader import load_landing
from ingestion.warehouse import connect

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "mappings"


@pytest.fixture
def load_example(tmp_path: Path):
    connections: list[duckdb.DuckDBPyConnection] = []

    def _load(name: str) -> duckdb.DuckDBPyConnection:
        landing = tmp_path / name
        shutil.copytree(EXAMPLES / name / "landing", landing)
        con = connect(tmp_path / f"{name}.duckdb")
        connections.append(con)
        load_landing(con, landing)
        return con

    yield _load
    for con in connections:
        con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def _one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchall()[0][0]


ACCEPTED = "not _is_quarantined"


def test_salesforce_opportunity_report(load_example):
    con = load_example("salesforce_opportunities")
    assert _one(con, "select count(*) from raw.opportunities") == 13
    # Row 13 has Created Date 2/30/2024, which is no date: quarantined, naming the source column.
    quarantined = _rows(
        con,
        "select row_number, column_name, reason, detail, bad_value from audit.quarantined_rows "
        "where table_name = 'opportunities' and reason = 'date_format_mismatch'",
    )
    assert quarantined == [
        (
            13,
            "created_at",
            "date_format_mismatch",
            'source column "Created Date": "2/30/2024" matches none of the date formats %m/%d/%Y',
            "2/30/2024",
        )
    ]
    assert _one(con, "select count(*) from raw.opportunities where _is_quarantined") == 1
    assert _one(con, f"select sum(amount::decimal(18, 2)) from raw.opportunities where {ACCEPTED}") == Decimal(
        "166901.67"
    )
    won = f"select sum(amount::decimal(18, 2)) from raw.opportunities where {ACCEPTED} and status = 'won'"
    assert _one(con, won) == Decimal("13501.18")
    assert _rows(con, f"select status, count(*) from raw.opportunities where {ACCEPTED} group by 1 order by 1") == [
        ("lost", 2),
        ("open", 8),
        ("won", 2),
    ]
    assert _rows(
        con,
        "select opportunity_id, rep_id, stage, status, amount, created_at, expected_close_date, closed_at, currency "
        "from raw.opportunities where _row_number in (1, 7, 11) order by _row_number",
    ) == [
        (
            "0065g00000P2b01AAA",
            "R-ANN",
            "5_won",
            "won",
            "12500",
            "2023-11-14 00:00:00",
            "2024-01-31",
            "2024-01-31 00:00:00",
            "USD",
        ),
        (
            "0065g00000P2b07AAA",
            "R-ANN",
            "2_discovery",
            "open",
            "9999.99",
            "2024-01-30 00:00:00",
            "2024-04-15",
            None,
            "USD",
        ),
        (
            "0065g00000P2b11AAA",
            "R-CHL",
            "5_won",
            "won",
            "1001.18",
            "2024-02-01 00:00:00",
            "2024-03-08",
            "2024-03-08 00:00:00",
            "USD",
        ),
    ]
    # Unmapped export columns stay in raw, and every source row is kept verbatim.
    assert _one(con, 'select "Account Name" from raw.opportunities where _row_number = 1') == "Acme Corp"
    source = json.loads(_one(con, "select _source_row from raw.opportunities where _row_number = 1"))
    assert source["Amount"] == "$12,500.00" and source["Close Date"] == "1/31/2024"
    assert source["Stage"] == "Closed Won"


def test_hubspot_deals_export_in_a_dated_drop(load_example):
    con = load_example("hubspot_deals")
    assert _rows(
        con,
        "select source_file, drop_date, rows_received, rows_quarantined from audit.load_ledger "
        "where table_name = 'opportunities'",
    ) == [("crm/hubspot/2017-03-31/all-deals.csv", _one(con, "select date '2017-03-31'"), 10, 0)]
    assert _one(con, "select sum(amount::decimal(18, 2)) from raw.opportunities") == Decimal("93701.25")
    won = "select sum(amount::decimal(18, 2)) from raw.opportunities where status = 'won'"
    assert _one(con, won) == Decimal("13250.75")
    assert _rows(con, "select stage, count(*) from raw.opportunities group by 1 order by 1") == [
        ("1_qualified", 2),
        ("2_discovery", 1),
        ("3_proposal", 2),
        ("4_negotiation", 1),
        ("5_won", 2),
        ("lost", 2),
    ]
    assert _rows(
        con,
        "select opportunity_id, created_at, expected_close_date, closed_at, amount, rep_id from raw.opportunities "
        "where _row_number in (1, 2, 9) order by _row_number",
    ) == [
        ("4185520101", "2017-01-09 10:15:00", "2017-02-28", "2017-02-28 00:00:00", "12000", "R-DW"),
        ("4185520102", "2017-03-01 00:00:00", "2017-04-30", None, "2500", "R-DW"),
        ("4185520109", "2017-03-20 15:40:00", "2017-06-30", None, None, "R-FN"),
    ]


def test_chinese_crm_gb18030_export(load_example):
    con = load_example("chinese_crm")
    assert _one(con, "select count(*) from raw.opportunities") == 12
    assert _one(con, "select count(*) from audit.quarantined_rows where table_name = 'opportunities'") == 0
    assert _one(con, "select sum(amount::decimal(18, 2)) from raw.opportunities") == Decimal("3127884.50")
    won = "select sum(amount::decimal(18, 2)) from raw.opportunities where status = 'won'"
    assert _one(con, won) == Decimal("1235734.00")
    lost = "select sum(amount::decimal(18, 2)) from raw.opportunities where status = 'lost'"
    assert _one(con, lost) == Decimal("376600.00")
    assert _rows(con, "select stage, count(*) from raw.opportunities group by 1 order by 1") == [
        ("1_qualified", 2),
        ("2_discovery", 1),
        ("3_proposal", 3),
        ("4_negotiation", 2),
        ("6_collected", 2),
        ("lost", 2),
    ]
    assert _rows(
        con,
        "select opportunity_id, account_id, rep_id, created_at, expected_close_date, lost_reason, currency, "
        "客户名称 from raw.opportunities where _row_number in (1, 7) order by _row_number",
    ) == [
        ("SJ2024-001", "000101", "R01", "2024-01-08 00:00:00", "2024-02-29", None, "CNY", "上海恒信机械有限公司"),
        ("SJ2024-007", "000106", "R03", "2023-11-20 00:00:00", "2024-01-31", "价格过高", "CNY", "无锡华光电力设备厂"),
    ]
    source = json.loads(_one(con, "select _source_row from raw.opportunities where _row_number = 8"))
    assert source["成交金额"] == "¥1,234.00" and source["销售阶段"] == "交货使用"


def test_erp_invoice_headers_and_lines(load_example):
    con = load_example("erp_invoices")
    assert _one(con, "select count(*) from audit.quarantined_rows") == 0
    assert _rows(con, "select table_name, rows_received from audit.load_ledger order by 1") == [
        ("accounts", 4),
        ("channels", 2),
        ("order_lines", 9),
        ("orders", 6),
        ("products", 4),
    ]
    assert _rows(
        con,
        "select order_id, order_date, account_id, channel_id, status, due_date from raw.orders "
        "where order_id in ('536541', 'C536543') order by 1",
    ) == [
        ("536541", "2024-01-05", "GUEST", "CH-STORE", "delivered", "2024-01-05"),
        ("C536543", "2024-01-19", "0012345", "CH-WEB", "returned", "2024-02-18"),
    ]
    assert _one(con, "select count(*) from raw.orders where account_id = 'GUEST'") == 2
    assert _one(con, "select sum(quantity::int) from raw.order_lines") == 19
    net = "select round(sum(quantity::int * unit_price::decimal(18, 2) * (1 - discount_pct::decimal(9, 4))), 2)"
    assert _one(con, f"{net} from raw.order_lines") == Decimal("3129.35")
    assert _rows(
        con,
        "select order_id, line_number, product_id, quantity, unit_price, discount_pct from raw.order_lines "
        "where _row_number in (2, 4, 6) order by _row_number",
    ) == [
        ("536540", "2", "004711", "4", "12.5", "0"),
        ("536542", "1", "000123", "2", "1234.56", "0.125"),
        ("C536543", "1", "000123", "-1", "1234.56", "0"),
    ]
    source = json.loads(_one(con, "select _source_row from raw.order_lines where _row_number = 4"))
    assert source["Unit Price"] == "1.234,56 €" and source["Discount"] == "12,5 %"
