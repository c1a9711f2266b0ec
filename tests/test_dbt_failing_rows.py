"""The rows a failed dbt test found, read again from its compiled SQL (orchestration/dbt_failing_rows.py)."""

import json
import time

import duckdb
import pytest

from orchestration.dbt_failing_rows import compiled_tests, describe, failing_rows


def test_the_rows_are_those_of_the_test_s_own_sql_limited_and_plain():
    con = duckdb.connect()
    con.execute(
        "create table payments as select * from (values"
        " ('P1', 'USD', date '2024-02-05', 12.5::decimal(28, 6), null::decimal(28, 6), 'orders/payments.csv', 3),"
        " ('P2', 'CNY', date '2024-02-06', 7.0::decimal(28, 6), 7.0::decimal(28, 6), 'orders/payments.csv', 4),"
        " ('P3', 'USD', date '2024-04-05', 1.0::decimal(28, 6), null::decimal(28, 6), 'orders/payments.csv', 6))"
        " as t(payment_id, currency, paid_on, amount, amount_base, _source_file, _row_number)"
    )
    sql = "\n    select *\nfrom payments\nwhere amount_base is null order by payment_id desc\n-- a trailing comment\n"
    found = failing_rows(con, sql, limit=5)
    assert found == {
        "columns": ["payment_id", "currency", "paid_on", "amount", "amount_base", "_source_file", "_row_number"],
        "rows": [
            ["P1", "USD", "2024-02-05", "12.500000", None, "orders/payments.csv", 3],
            ["P3", "USD", "2024-04-05", "1.000000", None, "orders/payments.csv", 6],
        ],
    }
    assert json.loads(json.dumps(found)) == found
    assert len(failing_rows(con, "select * from payments;", limit=1)["rows"]) == 1
    assert describe(found) == [
        "orders/payments.csv row 3: "
        "payment_id=P1, currency=USD, paid_on=2024-02-05, amount=12.500000, amount_base=null",
        "orders/payments.csv row 6: payment_id=P3, currency=USD, paid_on=2024-04-05, amount=1.000000, amount_base=null",
    ]


def test_a_row_without_a_landing_file_is_its_columns_alone():
    found = {
        "columns": ["currency", "first_date_without_rate", "rows_without_rate"],
        "rows": [["EUR", "2024-01-05", 2]],
    }
    assert describe(found) == ["currency=EUR, first_date_without_rate=2024-01-05, rows_without_rate=2"]
    assert describe({**found, "count": 1}) == describe(found)
    assert describe({**found, "count": 6}) == [
        "currency=EUR, first_date_without_rate=2024-01-05, rows_without_rate=2",
        "... and 5 more (the test found 6)",
    ]


def test_only_the_failed_and_warned_tests_of_the_invocation_are_read(tmp_path):
    results = [
        {"unique_id": "test.p.a", "status": "fail", "compiled_code": "select 1"},
        {"unique_id": "test.p.b", "status": "warn", "compiled_code": "select 2"},
        {"unique_id": "test.p.c", "status": "pass", "compiled_code": "select 3"},
        {"unique_id": "test.p.d", "status": "error", "compiled_code": "select 4"},
        {"unique_id": "model.p.e", "status": "success", "compiled_code": "select 5"},
    ]
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}))
    assert compiled_tests(tmp_path) == {"test.p.a": "select 1", "test.p.b": "select 2"}
    assert compiled_tests(tmp_path / "never_ran") == {}


def test_the_test_runs_again_with_dbt_s_duckdb_options_and_a_time_limit():
    con = duckdb.connect()
    # The profile's options (the optimizer DuckDB merges two date offsets with, switched off): the rows are
    # those dbt's own run of the test counted (tests/test_settings.py holds the repro).
    repro = (
        "select d + interval 30 day as a, d + interval 1 month as b, 'nan'::double as c"
        " from (select date '2024-01-31' as d)"
    )
    assert failing_rows(con, repro)["rows"] == [["2024-03-01 00:00:00", "2024-02-29 00:00:00", "nan"]]
    started = time.perf_counter()
    with pytest.raises(duckdb.InterruptException):
        failing_rows(con, "select count(*) from range(1000000000000) as a(i) where i % 7 = 8", timeout_s=0.2)
    assert time.perf_counter() - started < 30
    assert failing_rows(con, "select 1 as one")["rows"] == [[1]]  # the connection still works
