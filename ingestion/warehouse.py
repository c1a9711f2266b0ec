"""The DuckDB warehouse file: opening it, and the audit tables the loader keeps in it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

AUDIT_DDL = (
    "create schema if not exists raw",
    "create schema if not exists audit",
    """
    create table if not exists audit.load_ledger (
        load_id varchar primary key,
        table_name varchar not null,
        source_file varchar not null,
        drop_date date,
        file_sha256 varchar not null,
        file_bytes bigint not null,
        rows_received bigint not null,
        rows_quarantined bigint not null,
        extra_columns varchar,
        missing_optional_columns varchar,
        loaded_at timestamp not null,
        is_current boolean not null,
        superseded_by varchar
    )
    """,
    """
    create table if not exists audit.quarantined_rows (
        load_id varchar not null,
        table_name varchar not null,
        source_file varchar not null,
        row_number bigint not null,
        column_name varchar not null,
        reason varchar not null,
        detail varchar,
        bad_value varchar,
        quarantined_at timestamp not null
    )
    """,
    # The loader's own bookkeeping, read by nothing downstream: when a file version's foreign keys were last
    # found to need no reload after a later load of a parent (ingestion/loader.py keys_whose_parents_changed),
    # so that check runs once per parent load, not on every run after it.
    """
    create table if not exists audit.reference_checks (
        load_id varchar primary key,
        checked_at timestamp not null
    )
    """,
)


# DuckDB's memory_limit values: a number and a unit (KB..TB, KiB..TiB), or a share of RAM.
_MEMORY_LIMIT = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B|%)", re.IGNORECASE)


def is_memory_limit(text: str) -> bool:
    return _MEMORY_LIMIT.fullmatch(text.strip()) is not None


def set_memory_limit(con: duckdb.DuckDBPyConnection, memory_limit: str) -> None:
    """Cap what this DuckDB holds before it spills to disk (the setting: orchestration/settings.py)."""
    if not is_memory_limit(memory_limit):
        raise ValueError(f"{memory_limit!r} is not a DuckDB memory limit such as 4GB or 50%")
    con.execute(f"set memory_limit = '{memory_limit.strip()}'")


def limit_memory(con: duckdb.DuckDBPyConnection, memory_limit: str | None) -> None:
    """What a DuckDB of this project may hold: ``memory_limit`` (None keeps DuckDB's default, 80% of RAM),
    and what its queries freed goes back to the operating system.

    DuckDB's allocator otherwise keeps freed memory until a later allocation reuses it, and this process holds
    it while pandas and great-expectations work (0.8 GB after the 10M-line cross-file check); a background
    thread hands it back within a second. DuckDB 2.0 runs one such thread per process and closing any of its
    databases stops it while the connections still report the setting: it holds for steps that keep one
    connection open, as the raw loads and checks do, and every connection opened sets it again. dbt's DuckDB
    (dbt_project/profiles.yml) only gets the limit: its process does nothing else, and its peak at 10M lines
    was the same with the background thread."""
    con.execute("set allocator_background_threads = true")
    if memory_limit:
        set_memory_limit(con, memory_limit)


def connect(
    path: str | os.PathLike, read_only: bool = False, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file ``path`` (where it lives is a user setting: orchestration/settings.py);
    ``memory_limit`` None keeps DuckDB's default (80% of RAM)."""
    target = Path(path).resolve()
    if not read_only:
        target.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(target), read_only=read_only)
    limit_memory(con, memory_limit)
    if not read_only:
        # Big loads: insertion order is irrelevant to us and keeping it costs memory.
        con.execute("set preserve_insertion_order = false")
    return con


def ensure_audit_schema(con: duckdb.DuckDBPyConnection) -> None:
    for statement in AUDIT_DDL:
        con.execute(statement)


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The single value of a one-row query, fully fetched.

    DuckDB 2.0 refuses further work on a connection whose last result was not read to the end, so
    never leave a ``fetchone()`` dangling.
    """
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    sql = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    return bool(scalar(con, sql, [schema, table]))


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(schema, table) of every table and view: one catalog query where many ``table_exists`` would be one each."""
    return set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]
