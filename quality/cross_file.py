"""Warnings across files: totals of one raw table that must agree with another's.

The loader loads one file at a time and only checks that a child row's parent key exists; it cannot see
that order headers arrived without their lines, or that more money was collected than was ever ordered.
Each check is attached to the table that loads last (Dagster runs it after its inputs), and runs only when
every file it compares has current accepted rows: a missing source means "no data from this source".

- ``order_lines``: orders (not cancelled) have at least one line (domain.md 1.8, an order is a header and
  its lines; an order without lines counts as zero revenue in every mart).
- ``payments``: per currency, the payments do not exceed the value of the orders in that currency
  (DQ22 "cumulative payments ≤ invoiced amount + tolerance"; the contract has no invoices, so the order
  value stands in).

Severity **warn**: the revenue and collections reconciliation tests in dbt decide whether numbers are
right; these point at the file pair to look at.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from ingestion.contract import contract_file
from ingestion.warehouse import table_exists
from quality.expectations import CROSS, CROSS_FILE_INPUTS, WARN, ExpectationSpec
from quality.frames import pandas_frame, typed_expression

# Share of orders (not cancelled) that must have at least one line. PROJECT CHOICE: a few orders whose
# lines were all quarantined are "bad rows"; more is a lines export that is partial or from another day.
MIN_ORDERS_WITH_LINES = 0.95
# Payments may exceed the order value by rounding and small surcharges. PROJECT CHOICE: 1 %.
PAYMENT_TOLERANCE = 0.01


def _col(table: str, column: str, alias: str = "r") -> str:
    return typed_expression(contract_file(table).column(column), alias)


def _current(table: str, key: str | None = None) -> str:
    """Accepted rows of the current file versions of ``raw.<table>``; with ``key``, its latest version
    only (a record re-sent in a later dated drop replaces the earlier one, as in staging)."""
    latest = ""
    if key:
        latest = (
            f"qualify row_number() over (partition by {_col(table, key)} "
            "order by l.drop_date desc nulls last, l.loaded_at desc, r._row_number desc) = 1"
        )
    return f"""
        select r.* from raw."{table}" r
        join audit.load_ledger l on l.load_id = r._load_id
        where l.is_current and not r._is_quarantined
        {latest}
    """


def _has_rows(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    if not table_exists(con, "raw", table) or not table_exists(con, "audit", "load_ledger"):
        return False
    return con.execute(f"select count(*) from ({_current(table)}) r").fetchall()[0][0] > 0


def _orders_with_lines(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return pandas_frame(
        con.sql(
            f"""
            with orders as ({_current("orders", "order_id")}),
            lines as ({_current("order_lines")})
            select {_col("orders", "order_id")} as order_id,
                exists (
                    select 1 from lines l where {_col("order_lines", "order_id", "l")} = {_col("orders", "order_id")}
                ) as has_lines
            from orders r
            where {_col("orders", "status")} <> 'cancelled'
            """
        )
    )


def _payments_vs_orders(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    line_value = (
        f"{_col('order_lines', 'quantity')} * {_col('order_lines', 'unit_price')}"
        f" * (1 - coalesce({_col('order_lines', 'discount_pct')}, 0))"
    )
    return pandas_frame(
        con.sql(
            f"""
            with orders as ({_current("orders", "order_id")}),
            lines as ({_current("order_lines")}),
            payments as ({_current("payments", "payment_id")}),
            order_value as (
                select o.currency, sum(l.line_value) as ordered
                from (
                    select {_col("orders", "order_id")} as order_id, {_col("orders", "currency")} as currency
                    from orders r where {_col("orders", "status")} <> 'cancelled'
                ) o
                join (select {_col("order_lines", "order_id")} as order_id, {line_value} as line_value from lines r) l
                    on l.order_id = o.order_id
                group by o.currency
            ),
            paid as (
                select {_col("payments", "currency")} as currency, sum({_col("payments", "amount")}) as paid
                from payments r group by 1
            )
            select coalesce(p.currency, v.currency) as currency, coalesce(v.ordered, 0) as ordered,
                coalesce(p.paid, 0) as paid,
                -- A currency paid in but never ordered in has no ratio: it is over by definition.
                case when coalesce(v.ordered, 0) > 0 then coalesce(p.paid, 0) / v.ordered
                     when coalesce(p.paid, 0) > 0 then cast('infinity' as double)
                     else 0 end as paid_to_ordered
            from paid p full join order_value v on v.currency = p.currency
            order by 1
            """
        )
    )


def cross_file_check(con: duckdb.DuckDBPyConnection, table: str) -> tuple[ExpectationSpec, pd.DataFrame] | None:
    """The cross-file check of ``table`` and the frame it validates, or None (no check for this table, or
    one of its inputs has no rows)."""
    inputs = CROSS_FILE_INPUTS.get(table)
    if inputs is None or not all(_has_rows(con, t) for t in (table, *inputs)):
        return None
    if table == "order_lines":
        spec = ExpectationSpec(
            "cross__orders_have_lines",
            "ExpectColumnValuesToBeInSet",
            {"column": "has_lines", "value_set": [True], "mostly": MIN_ORDERS_WITH_LINES},
            CROSS,
            WARN,
            f"At least {MIN_ORDERS_WITH_LINES:.0%} of the current orders (not cancelled) have a line in "
            "order_lines: an order without lines is zero revenue in every mart.",
        )
        return spec, _orders_with_lines(con)
    spec = ExpectationSpec(
        "cross__payments_within_order_value",
        "ExpectColumnValuesToBeBetween",
        {"column": "paid_to_ordered", "max_value": 1 + PAYMENT_TOLERANCE},
        CROSS,
        WARN,
        f"Per currency, payments are at most the value of the orders (not cancelled) in that currency, "
        f"+{PAYMENT_TOLERANCE:.0%} (DQ22; the contract has no invoices, so order value stands in).",
        "DQ22",
    )
    return spec, _payments_vs_orders(con)
