"""Checks of a built warehouse's marts against data-contract.md's promise for a missing source: the marts
that need it are "built empty and reported as such, never silently zero". Plain SQL on the warehouse's
information schema; they read the pipeline's coverage table only for which marts it lists without input."""

from __future__ import annotations

import duckdb

# Counts that are rightly 0 on every row of the sample landings: anomalies that did not occur.
ZERO_IS_LEGITIMATE = {
    ("mart_price_compliance_monthly", "region_unknown_lines"),
    ("mart_price_compliance_monthly", "duplicate_serial_lines"),
    ("mart_rep_activity", "days_met_contact_target"),
    # Stock anchored on a snapshot less the book stock: the generator's snapshots agree with its flows.
    ("mart_channel_inventory", "inventory_variance_qty"),
}


def marts_filled_without_input(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Marts that mart_coverage lists without input but that hold rows."""
    listed = con.execute("select mart_name from marts.mart_coverage where not inputs_have_rows").fetchall()
    return [name for (name,) in listed if con.execute(f"select count(*) from marts.{name}").fetchall()[0][0]]


def columns_zero_on_every_row(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Numeric columns of marts that are 0 on every row that has a value (a figure the landing could not give
    is null, not 0), but for the counts in ZERO_IS_LEGITIMATE."""
    numeric = con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'marts' "
        "and table_name like 'mart%' "
        "and (data_type in ('DOUBLE', 'BIGINT', 'INTEGER', 'HUGEINT') or data_type like 'DECIMAL%') order by 1, 2"
    ).fetchall()
    zero = []
    for mart, column in numeric:
        if (mart, column) in ZERO_IS_LEGITIMATE:
            continue
        values, non_zero = con.execute(
            f'select count("{column}"), count(*) filter (where "{column}" <> 0) from marts.{mart}'
        ).fetchall()[0]
        if values and not non_zero:
            zero.append(f"{mart}.{column}")
    return zero


def null_where_unknown(con: duckdb.DuckDBPyConnection, expected: dict[str, dict[str, str]]) -> list[str]:
    """For {mart: {column: SQL filter}}: the problems found, where a column holds values on rows of the
    filter (it should be null there), or the filter selects no row at all."""
    problems = []
    for mart, columns in expected.items():
        for column, where in columns.items():
            applicable, filled = con.execute(
                f"select count(*), count({column}) from marts.{mart} where {where}"
            ).fetchall()[0]
            if not applicable:
                problems.append(f"{mart}: no row where {where}")
            elif filled:
                problems.append(
                    f"{mart}.{column}: {filled} of {applicable} rows where {where} hold a value, expected null"
                )
    return problems


def filled_where_known(con: duckdb.DuckDBPyConnection, expected: dict[str, dict[str, str]]) -> list[str]:
    """For {mart: {column: SQL filter}}: columns that are null on every row of the filter though their inputs
    are there."""
    problems = []
    for mart, columns in expected.items():
        for column, where in columns.items():
            if not con.execute(f"select count({column}) from marts.{mart} where {where}").fetchall()[0][0]:
                problems.append(f"{mart}.{column}: null on every row where {where}")
    return problems
