"""Ingestion: quarantine, idempotency, corrections, rejection and atomicity of per-file loads.

Expected values are written by hand from the small files each test creates.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingestion import loader as loader_module
from ingestion.contract import CONTRACT, DECIMAL_PRECISION, DECIMAL_SCALE, contract_file, load_order
from ingestion.landing import LandingFileError, discover_landing_files
from ingestion.loader import MissingRequiredColumnError, load_landing, load_landing_file, load_table
from ingestion.row_rules import row_violations
from ingestion.warehouse import connect

SMALL = Path(__file__).parent / "fixtures" / "landing_small"


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def _copy_small(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    shutil.copytree(SMALL, landing)
    return landing


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('raw', 'audit') order by 1"
    ).fetchall()
    return {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for (t,) in tables}


@pytest.fixture
def warehouse(tmp_path: Path):
    con = connect(tmp_path / "wh.duckdb")
    yield con
    con.close()


def test_load_order_puts_parents_first():
    order = [cf.name for cf in load_order()]
    assert sorted(order) == sorted(cf.name for cf in CONTRACT)
    for cf in CONTRACT:
        for parent in cf.parent_tables:
            assert order.index(parent) < order.index(cf.name), (parent, cf.name)


def test_every_bad_row_kind_is_quarantined_with_file_row_column_and_reason(tmp_path, warehouse):
    landing = tmp_path / "landing"
    _write(landing / "crm/teams.csv", "team_id,team_name,parent_team_id,region\nT1,East,,east\n")
    _write(
        landing / "crm/sales_reps.csv",
        "rep_id,rep_name,email,team_id,manager_rep_id,role,region,hire_date,termination_date\n"
        "R1,Ann,,T1,,rep,east,2020-01-01,\n",
    )
    _write(
        landing / "channels/channels.csv", "channel_id,channel_name,channel_type,channel_subtype\nC1,Direct,direct,\n"
    )
    _write(
        landing / "crm/accounts.csv",
        "account_id,account_name,created_at\nA1,Acme,2024-01-01 00:00:00\nA2,Beta,2024-01-02 00:00:00\n",
    )
    _write(
        landing / "orders/products.csv",
        "product_id,product_name,product_line,list_price\nX1,Widget,HW,100\n",
    )
    _write(
        landing / "orders/orders.csv",
        "order_id,account_id,channel_id,order_date,status,currency\n"
        "SO1,A1,C1,2024-01-05,delivered,CNY\n"  # row 1 good
        "SO2,A1,C1,2024-01-05,delivered,CNY\n"  # row 2 good
        "SO2,A1,C1,2024-01-05,delivered,CNY\n"  # row 3 exact duplicate
        "SO3,,C1,2024-01-06,delivered,CNY\n"  # row 4 missing required account_id
        "SO4,A9,C1,2024-01-06,delivered,CNY\n"  # row 5 orphan account
        "SO5,A2,C1,2024-13-45,delivered,CNY\n"  # row 6 invalid date
        "SO6,A2,C1,2024-01-07,shipped_twice,CNY\n",  # row 7 not an accepted status
    )
    _write(
        landing / "orders/order_lines.csv",
        "order_id,line_number,product_id,quantity,unit_price,discount_pct\n"
        "SO1,1,X1,2,100,0\n"  # good
        "SO1,2,X1,-1,100,0\n"  # good: a return line
        "SO2,1,X1,1,-5,0\n"  # negative price
        "SO2,2,X1,1,100,1.5\n"  # discount above 1
        "SO4,1,X1,1,100,0\n"  # parent order was quarantined -> orphan
        "SO2,3,X1,1,99999999999999999999999,0\n"  # 23 digits: does not fit numeric(28,6)
        "SO2,4,X1,1,1234567890123456789012.5,0\n",  # 22 digits: fits
    )
    _write(
        landing / "orders/payments.csv",
        "payment_id,order_id,paid_at,amount,currency,method\n"
        "PM1,SO1,2024-01-06 10:00:00,-20,CNY,card\n"  # a refund: not a payment the marts can apply
        "PM2,SO1,2024-01-07 10:00:00,0,CNY,card\n",  # zero: accepted
    )
    for cf in load_order():
        load_table(warehouse, landing, cf.name)

    quarantined = warehouse.execute(
        "select source_file, row_number, column_name, reason from audit.quarantined_rows "
        "order by source_file, row_number, column_name"
    ).fetchall()
    assert quarantined == [
        ("orders/order_lines.csv", 3, "unit_price", "negative_price"),
        ("orders/order_lines.csv", 4, "discount_pct", "above_maximum"),
        ("orders/order_lines.csv", 5, "order_id", "orphan_foreign_key"),
        ("orders/order_lines.csv", 6, "unit_price", "decimal_out_of_range"),
        ("orders/orders.csv", 3, "*", "duplicate_row"),
        ("orders/orders.csv", 4, "account_id", "missing_required"),
        ("orders/orders.csv", 5, "account_id", "orphan_foreign_key"),
        ("orders/orders.csv", 6, "order_date", "invalid_date"),
        ("orders/orders.csv", 7, "status", "not_accepted_value"),
        ("orders/payments.csv", 1, "amount", "negative_value"),
    ]
    # Raw keeps every row received; the flag marks the quarantined ones; good rows still load.
    raw = warehouse.execute("select _row_number, _is_quarantined from raw.orders order by _row_number").fetchall()
    assert raw == [(1, False), (2, False), (3, True), (4, True), (5, True), (6, True), (7, True)]
    ledger = warehouse.execute(
        "select rows_received, rows_quarantined from audit.load_ledger where table_name = 'order_lines'"
    ).fetchall()
    assert ledger == [(7, 4)]


@pytest.mark.parametrize(
    "text", ["1234567890123456789012", "-1234567890123456789012.25", "1e21", "99999999999999999999999", "-1e22", "1e23"]
)
def test_a_decimal_the_loader_accepts_is_one_stagings_cast_can_hold(text: str):
    """The loader's limit against DuckDB's own cast to the type staging uses, numeric(28,6) (the contract's
    precision): a value the loader accepts casts, a value it rejects would have been read as NULL."""
    cf = contract_file("payments")
    frame = pl.DataFrame(
        {"payment_id": ["PM1"], "order_id": ["SO1"], "paid_at": ["2024-01-05 10:00:00"], "amount": [text],
         "currency": ["CNY"], "method": ["card"]}
    ).with_row_index("_row_number", offset=1).with_columns(pl.lit("h").alias("_row_hash"))  # fmt: skip
    rejected = set(row_violations(frame, cf).filter(pl.col("column_name") == "amount")["reason"])
    cast = duckdb.sql(f"select try_cast('{text}' as numeric({DECIMAL_PRECISION},{DECIMAL_SCALE}))").fetchall()[0][0]
    assert ("decimal_out_of_range" in rejected) == (cast is None), (rejected, cast)


def test_a_key_in_two_rows_with_other_values_quarantines_both_and_the_rest_loads(tmp_path, warehouse):
    """Which of two different rows for one key is true is unknown: both go to quarantine, named by row, and
    the file's other rows load (the raw suite's uniqueness check then passes on the accepted rows)."""
    landing = tmp_path / "landing"
    _write(
        landing / "crm/accounts.csv",
        "account_id,account_name,created_at\n"
        "A1,Acme,2024-01-01 00:00:00\n"  # row 1: A1, as row 4 has it too but named otherwise
        "A2,Beta,2024-01-02 00:00:00\n"  # row 2: good
        "A2,Beta,2024-01-02 00:00:00\n"  # row 3: an exact repeat of row 2 (duplicate_row), no conflict
        " A1 ,Acme Ltd,2024-01-01 00:00:00\n"  # row 4: A1 again (blanks around it), another name
        "A3,Gamma,2024-13-45 00:00:00\n"  # row 5: invalid date, quarantined for that
        "A3,Gamma,2024-01-03 00:00:00\n"  # row 6: A3 again, but row 5 is quarantined anyway: loads
        "A4,Delta,2024-01-04 00:00:00\n"  # row 7: good
        "A4,Delta ,2024-01-04 00:00:00\n",  # row 8: row 7 once blanks are set aside: a duplicate
    )
    (result,) = load_table(warehouse, landing, "accounts")
    quarantined = warehouse.execute(
        "select row_number, column_name, reason, bad_value from audit.quarantined_rows order by row_number, reason"
    ).fetchall()
    assert quarantined == [
        (1, "account_id", "conflicting_key", "A1"),
        (3, "*", "duplicate_row", None),
        (4, "account_id", "conflicting_key", "A1"),
        (5, "created_at", "invalid_timestamp", "2024-13-45 00:00:00"),
        (8, "*", "duplicate_row", None),
    ]
    accepted = warehouse.execute(
        "select trim(account_id) from raw.accounts where not _is_quarantined order by _row_number"
    ).fetchall()
    assert accepted == [("A2",), ("A3",), ("A4",)]
    assert (result.rows_received, result.rows_quarantined) == (8, 5)
    assert (
        "crm/accounts.csv: row 1 (line 2), column account_id: account_id is also in row(s) 4 of the file, with "
        "other values: which one is true is unknown (got 'A1')"
    ) in result.messages


def test_a_key_part_without_a_value_is_a_value_of_the_key(tmp_path, warehouse):
    """Quotas are keyed by period, grain, level, owner and metric; a company row has no owner. Two company rows
    for one period and metric with other targets conflict (the raw suite compares keys the same way)."""
    landing = tmp_path / "landing"
    header = "period_start,period_grain,level,owner_id,metric,target_value\n"
    _write(
        landing / "targets/quotas.csv",
        header + "2024-01-01,month,company,,revenue,100\n"  # row 1
        "2024-01-01,Month,company, ,revenue,200\n"  # row 2: the same key (grain in another case), another target
        "2024-02-01,month,company,,revenue,100\n",  # row 3: another period
    )
    (result,) = load_table(warehouse, landing, "quotas")
    quarantined = warehouse.execute(
        "select row_number, reason, bad_value from audit.quarantined_rows order by row_number"
    ).fetchall()
    assert quarantined == [
        (1, "conflicting_key", "2024-01-01, month, company, , revenue"),
        (2, "conflicting_key", "2024-01-01, month, company, , revenue"),
    ]
    assert result.rows_quarantined == 2


def test_error_message_names_file_row_and_column(tmp_path, warehouse):
    landing = tmp_path / "landing"
    _write(landing / "crm/teams.csv", "team_id,team_name,parent_team_id,region\nT1,,,east\n")
    (result,) = load_table(warehouse, landing, "teams")
    assert result.rows_quarantined == 1
    assert result.messages == ["crm/teams.csv: row 1 (line 2), column team_name: team_name is required (got <empty>)"]


def test_reloading_the_same_files_changes_nothing(tmp_path, warehouse):
    landing = _copy_small(tmp_path)
    first = load_landing(warehouse, landing)
    assert {r.status for r in first} == {"loaded"}
    before = _counts(warehouse)
    second = load_landing(warehouse, landing)
    assert {r.status for r in second} == {"unchanged"}
    assert _counts(warehouse) == before
    assert before["raw.orders"] == 5 and before["raw.order_lines"] == 7


def test_identical_file_resent_in_a_dated_drop_is_a_no_op(tmp_path, warehouse):
    landing = _copy_small(tmp_path)
    load_landing(warehouse, landing)
    before = _counts(warehouse)
    resent = landing / "orders" / "2024-04-06" / "orders.csv"
    resent.parent.mkdir()
    shutil.copy(landing / "orders" / "orders.csv", resent)
    results = load_table(warehouse, landing, "orders")
    assert [r.status for r in results] == ["unchanged", "unchanged"]
    assert _counts(warehouse) == before


def test_corrected_file_for_the_same_day_replaces_that_days_rows(tmp_path, warehouse):
    landing = _copy_small(tmp_path)
    load_landing(warehouse, landing)
    drop = landing / "orders" / "2024-04-06" / "payments.csv"
    _write(drop, "payment_id,order_id,paid_at,amount,currency,method\nPM9,SO5,2024-04-06 10:00:00,10,USD,card\n")
    load_table(warehouse, landing, "payments")
    _write(drop, "payment_id,order_id,paid_at,amount,currency,method\nPM9,SO5,2024-04-06 10:00:00,12,USD,card\n")
    statuses = [r.status for r in load_table(warehouse, landing, "payments")]
    assert statuses == ["unchanged", "loaded"]
    results = warehouse.execute(
        "select load_id, is_current, superseded_by from audit.load_ledger "
        "where source_file = 'orders/2024-04-06/payments.csv' order by load_id"
    ).fetchall()
    assert results == [
        ("orders/2024-04-06/payments.csv#1", False, "orders/2024-04-06/payments.csv#2"),
        ("orders/2024-04-06/payments.csv#2", True, None),
    ]
    # History stays in raw: both versions of PM9 are there, only the second is current.
    versions = warehouse.execute(
        "select r.amount, l.is_current from raw.payments r join audit.load_ledger l on l.load_id = r._load_id "
        "where r.payment_id = 'PM9' order by r.amount"
    ).fetchall()
    assert versions == [("10", False), ("12", True)]


def test_a_corrected_parent_file_changes_the_verdict_on_its_childrens_unchanged_files(tmp_path, warehouse):
    """A new orders.csv whose SO1 has a broken date quarantines SO1, and with it (as on a first load) its two
    lines and its payment as orphans, though their files did not change: they load again as new versions. The
    fixed orders.csv brings them back the same way. An orders file that changes nothing they refer to
    reloads nothing else. No row is ever current twice; a line of an order that never came stays quarantined
    throughout; and a load with nothing new changes nothing (no file reloads or is checked on every run)."""
    landing = _copy_small(tmp_path)
    orders = landing / "orders" / "orders.csv"
    good = orders.read_text()
    lines = landing / "orders" / "order_lines.csv"
    lines.write_text(lines.read_text() + "SO99,1,X1,1,100,0\n")
    children = {"orders/order_lines.csv", "orders/payments.csv"}

    def current(table: str, quarantined: bool) -> list[tuple]:
        return warehouse.execute(
            f"select r.order_id, count(*) from raw.{table} r join audit.load_ledger l on l.load_id = r._load_id "
            f"where l.is_current and r._is_quarantined = {quarantined} group by 1 order by 1"
        ).fetchall()

    def current_orphans() -> list[tuple]:
        return warehouse.execute(
            "select q.source_file, q.row_number, q.bad_value from audit.quarantined_rows q "
            "join audit.load_ledger l on l.load_id = q.load_id "
            "where l.is_current and q.reason = 'orphan_foreign_key' order by 1, 2"
        ).fetchall()

    def loaded() -> set[str]:
        return {r.source_file for r in load_landing(warehouse, landing) if r.status == "loaded"}

    def nothing_changes() -> None:
        before = _counts(warehouse)
        assert loaded() == set()
        assert _counts(warehouse) == before

    # The fixture's lines and payments per order (SO4's second line is a return of -1, accepted).
    all_lines = [("SO1", 2), ("SO2", 1), ("SO3", 1), ("SO4", 2), ("SO5", 1)]
    all_payments = [("SO1", 1), ("SO2", 1), ("SO4", 1), ("SO5", 1)]
    load_landing(warehouse, landing)
    assert current("order_lines", False) == all_lines and current("payments", False) == all_payments
    assert current_orphans() == [("orders/order_lines.csv", 8, "SO99")]
    nothing_changes()

    # A later orders file that changes nothing its children refer to: only it loads. Its children's check found
    # nothing and says so, so the next load does not look again.
    orders.write_text(good.replace("SO2,A2,R3,C2,P1,,2024-01-15,delivered,", "SO2,A2,R3,C2,P1,,2024-01-15,shipped,"))
    assert loaded() == {"orders/orders.csv"}
    assert current_orphans() == [("orders/order_lines.csv", 8, "SO99")]
    checks = "select load_id, checked_at from audit.reference_checks order by 1"
    recorded = warehouse.execute(checks).fetchall()
    assert [load_id for load_id, _ in recorded] == ["orders/order_lines.csv#1", "orders/payments.csv#1"]
    assert loaded() == set() and warehouse.execute(checks).fetchall() == recorded

    orders.write_text(good.replace("SO1,A1,R2,C1,,O1,2024-01-15,", "SO1,A1,R2,C1,,O1,2024-01-35,"))
    assert loaded() == {"orders/orders.csv", *children}
    assert current("order_lines", False) == all_lines[1:] and current("payments", False) == all_payments[1:]
    assert current_orphans() == [
        ("orders/order_lines.csv", 1, "SO1"),
        ("orders/order_lines.csv", 2, "SO1"),
        ("orders/order_lines.csv", 8, "SO99"),
        ("orders/payments.csv", 1, "SO1"),
    ]
    nothing_changes()

    orders.write_text(good)
    assert loaded() == {"orders/orders.csv", *children}
    assert current("order_lines", False) == all_lines and current("payments", False) == all_payments
    assert current("order_lines", True) == [("SO99", 1)] and current("payments", True) == []
    assert current_orphans() == [("orders/order_lines.csv", 8, "SO99")]
    nothing_changes()
    # Every version stays in raw; only the last of each file is current.
    versions = warehouse.execute(
        "select source_file, count(*), count(*) filter (where is_current) from audit.load_ledger "
        "where table_name in ('order_lines', 'payments') group by 1 order by 1"
    ).fetchall()
    assert versions == [("orders/order_lines.csv", 3, 1), ("orders/payments.csv", 3, 1)]


def test_missing_required_column_rejects_the_whole_file(tmp_path, warehouse):
    landing = tmp_path / "landing"
    _write(landing / "crm/teams.csv", "team_id,region\nT1,east\n")
    with pytest.raises(MissingRequiredColumnError) as excinfo:
        load_table(warehouse, landing, "teams")
    message = str(excinfo.value)
    assert "crm/teams.csv" in message and "team_name" in message
    assert warehouse.execute("select count(*) from audit.load_ledger").fetchall()[0][0] == 0
    assert not warehouse.execute(
        "select * from information_schema.tables where table_schema = 'raw' and table_name = 'teams'"
    ).fetchall()


def test_extra_columns_are_kept_and_missing_optional_columns_reported(tmp_path, warehouse):
    landing = tmp_path / "landing"
    _write(landing / "crm/teams.csv", "team_id,team_name,cost_center\nT1,East,CC-9\n")
    (result,) = load_table(warehouse, landing, "teams")
    assert result.extra_columns == ["cost_center"]
    assert result.missing_optional_columns == ["parent_team_id", "region"]
    assert warehouse.execute("select cost_center, region from raw.teams").fetchall() == [("CC-9", None)]


def test_a_files_own_column_named_like_raws_bookkeeping_is_kept_beside_it(tmp_path, warehouse):
    landing = tmp_path / "landing"
    _write(landing / "crm" / "teams.csv", "team_id,team_name,_load_id,_Row_Number\nT1,North,batch-7,99\n")
    [result] = load_table(warehouse, landing, "teams")
    assert result.extra_columns == ["_load_id (source)", "_Row_Number (source)"]
    row = warehouse.execute(
        'select _load_id, _row_number, "_load_id (source)", "_Row_Number (source)" from raw.teams'
    ).fetchall()
    assert row == [("crm/teams.csv#1", 1, "batch-7", "99")]


def test_a_bookkeeping_column_whose_kept_name_the_file_also_has_rejects_the_file(tmp_path, warehouse):
    landing = tmp_path / "landing"
    _write(landing / "crm" / "teams.csv", "team_id,team_name,_load_id,_LOAD_ID (Source)\nT1,North,b-7,b-6\n")
    with pytest.raises(LandingFileError) as excinfo:
        load_table(warehouse, landing, "teams")
    message = str(excinfo.value)
    assert "crm/teams.csv" in message and "'_load_id'" in message and "'_LOAD_ID (Source)'" in message
    assert warehouse.execute("select count(*) from audit.load_ledger").fetchall() == [(0,)]


def test_an_unmapped_files_own_source_row_column_is_kept_apart_and_reported(tmp_path, warehouse, caplog):
    # In raw, _source_row is the column a mapped export's source rows are kept in; a plain file's own
    # column of that name is not one.
    landing = tmp_path / "landing"
    _write(landing / "crm" / "teams.csv", "team_id,team_name,_source_row\nT1,North,17\n")
    with caplog.at_level("WARNING", logger=loader_module.log.name):
        [result] = load_table(warehouse, landing, "teams")
    assert result.extra_columns == ["_source_row (source)"]
    assert "_source_row (source)" in caplog.text
    assert warehouse.execute('select team_id, "_source_row (source)" from raw.teams').fetchall() == [("T1", "17")]
    columns = [c for (c,) in warehouse.execute("select name from pragma_table_info('raw.teams')").fetchall()]
    assert "_source_row" not in columns


def test_an_extra_column_spelled_in_another_case_by_a_later_file_fills_the_same_raw_column(tmp_path, warehouse):
    landing = tmp_path / "landing"
    _write(landing / "crm" / "teams.csv", "team_id,team_name,Notes,_Source_Row\nT1,North,first,1\n")
    load_table(warehouse, landing, "teams")
    _write(landing / "crm" / "teams.csv", "team_id,team_name,notes,_source_row\nT1,North,second,2\n")
    [result] = load_table(warehouse, landing, "teams")
    assert result.status == "loaded" and result.extra_columns == ["notes", "_source_row (source)"]
    columns = [c for (c,) in warehouse.execute("select name from pragma_table_info('raw.teams')").fetchall()]
    kept = [c for c in columns if c.casefold() in ("notes", "_source_row (source)")]
    assert kept == ["Notes", "_Source_Row (source)"]
    rows = warehouse.execute('select "Notes", "_Source_Row (source)" from raw.teams order by _load_id').fetchall()
    assert rows == [("first", "1"), ("second", "2")]


def test_gb18030_and_bom_files_are_read(tmp_path, warehouse):
    landing = tmp_path / "landing"
    _write(landing / "crm/teams.csv", "team_id,team_name,parent_team_id,region\nT1,华东销售部,,华东\n", "gb18030")
    _write(landing / "channels/channels.csv", "\ufeffchannel_id,channel_name,channel_type\nC1,直营,direct\n")
    load_table(warehouse, landing, "teams")
    load_table(warehouse, landing, "channels")
    assert warehouse.execute("select team_name, region from raw.teams").fetchall() == [("华东销售部", "华东")]
    assert warehouse.execute("select channel_id, channel_name from raw.channels").fetchall() == [("C1", "直营")]


def test_parquet_files_load_like_csv(tmp_path, warehouse):
    landing = tmp_path / "landing"
    (landing / "orders").mkdir(parents=True)
    pl.DataFrame(
        {
            "currency": ["USD", "USD"],
            "rate_date": [date(2024, 1, 1), date(2024, 1, 2)],
            "rate_to_base": [7.1, 7.2],
        }
    ).write_parquet(landing / "orders" / "fx_rates.parquet")
    (result,) = load_table(warehouse, landing, "fx_rates")
    assert result.rows_received == 2 and result.rows_quarantined == 0
    assert warehouse.execute("select rate_date, rate_to_base from raw.fx_rates order by 1").fetchall() == [
        ("2024-01-01", "7.1"),
        ("2024-01-02", "7.2"),
    ]


def test_every_raw_row_names_its_file_version_and_load_time(tmp_path, warehouse):
    landing = _copy_small(tmp_path)
    _write(
        landing / "orders" / "2024-04-07" / "orders.csv",
        "order_id,account_id,channel_id,order_date,status,currency\nSO9,A1,C1,2024-04-07,placed,CNY\n",
    )
    loaded_at = datetime(2024, 4, 7, 9, 30, 15, 123456)
    for landing_file in discover_landing_files(landing, contract_file("orders")):
        load_landing_file(warehouse, landing_file, loaded_at=loaded_at)
    rows = warehouse.execute(
        "select order_id, _load_id, _source_file, _loaded_at from raw.orders order by order_id"
    ).fetchall()
    first = [(f"SO{i}", "orders/orders.csv#1", "orders/orders.csv", loaded_at) for i in range(1, 6)]
    assert rows == [*first, ("SO9", "orders/2024-04-07/orders.csv#1", "orders/2024-04-07/orders.csv", loaded_at)]


def test_a_crash_mid_load_leaves_the_warehouse_as_it_was(tmp_path, warehouse, monkeypatch):
    landing = _copy_small(tmp_path)
    load_landing(warehouse, landing)
    before = _counts(warehouse)
    _write(
        landing / "orders" / "2024-04-07" / "orders.csv",
        "order_id,account_id,channel_id,order_date,status,currency\nSO9,A1,C1,2024-04-07,placed,CNY\n",
    )
    real_register = duckdb.DuckDBPyConnection.register

    def crash_on_quarantine(self, name, obj):
        # The raw rows are already inserted when the quarantine frame is registered.
        if name == "incoming_quarantine":
            raise RuntimeError("simulated crash mid-load")
        return real_register(self, name, obj)

    monkeypatch.setattr(loader_module.duckdb.DuckDBPyConnection, "register", crash_on_quarantine, raising=False)
    with pytest.raises(RuntimeError, match="simulated crash"):
        load_table(warehouse, landing, "orders")
    monkeypatch.undo()
    assert _counts(warehouse) == before
    # And the same file loads cleanly afterwards.
    results = load_table(warehouse, landing, "orders")
    assert [r.status for r in results] == ["unchanged", "loaded"]


def test_discover_orders_undated_file_before_dated_drops(tmp_path):
    landing = tmp_path / "landing"
    _write(landing / "orders/2024-02-01/orders.csv", "x\n")
    _write(landing / "orders/orders.csv", "x\n")
    _write(landing / "orders/2024-01-01/orders.parquet", "x\n")
    _write(landing / "orders/notes/orders.csv", "x\n")
    found = [f.relative_path for f in discover_landing_files(landing, contract_file("orders"))]
    assert found == ["orders/orders.csv", "orders/2024-01-01/orders.parquet", "orders/2024-02-01/orders.csv"]


def test_unreadable_file_raises_landing_error(tmp_path, warehouse):
    landing = tmp_path / "landing"
    _write(landing / "orders/fx_rates.parquet", "not parquet at all")
    with pytest.raises(LandingFileError, match="orders/fx_rates.parquet"):
        load_table(warehouse, landing, "fx_rates")


def test_files_and_mappings_nothing_loads_are_reported(tmp_path, caplog, monkeypatch, capsys):
    from ingestion.landing import unused_landing_input
    from orchestration import cli

    landing = _copy_small(tmp_path)
    _write(landing / "crm" / "Opportunities.csv", "opportunity_id\nO9\n")  # misspelt: names are exact
    _write(landing / "orders" / "order-lines.csv", "order_id\nX\n")
    _write(
        landing / "_mappings" / "hubspot.yaml",
        "target: teams\nfiles: crm/hubspot/*.csv\ncolumns: {team_id: Code, team_name: Name}\n",
    )
    _write(landing / "_notes.txt", "the folder's own files start with _")
    unused = unused_landing_input(landing)
    assert unused.files == ("crm/Opportunities.csv", "orders/order-lines.csv")
    assert unused.mappings == ("hubspot.yaml",)
    con = connect(tmp_path / "w.duckdb")
    try:
        with caplog.at_level("WARNING"):
            load_landing(con, landing)
    finally:
        con.close()
    assert "crm/Opportunities.csv: not loaded: no contract file is named so" in caplog.text
    assert "mapping hubspot.yaml: its files patterns match no file" in caplog.text
    monkeypatch.setenv("SALESOPS_LANDING", str(landing))
    assert cli.main(["summary", "--warehouse", str(tmp_path / "w.duckdb")]) == 0
    out = capsys.readouterr().out
    assert f"Not loaded from {landing}:" in out and "orders/order-lines.csv: not loaded" in out
