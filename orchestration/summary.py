"""A printed account of what a run built: tables, row counts, mart coverage and quarantined rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingestion.contract import CONTRACT
from ingestion.landing import discover_landing_files, landing_file_version, unused_landing_input
from ingestion.loader import already_loaded
from ingestion.warehouse import table_exists

LAYER_SCHEMAS = ("raw", "staging", "intermediate", "core", "marts")


def warehouse_table_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(schema, table, rows) for every table of the pipeline's layers, in layer order."""
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' and table_schema in ({}) order by table_schema, table_name".format(
            ", ".join(f"'{s}'" for s in LAYER_SCHEMAS)
        )
    ).fetchall()
    counts = []
    for schema, table in sorted(tables, key=lambda t: (LAYER_SCHEMAS.index(t[0]), t[1])):
        n = con.execute(f'select count(*) from "{schema}"."{table}"').fetchall()[0][0]
        counts.append((schema, table, int(n)))
    return counts


def quarantine_by_file(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(file, reason, rows) over the current file versions."""
    if not table_exists(con, "audit", "quarantined_rows"):
        return []
    return [
        (f, r, int(n))
        for f, r, n in con.execute(
            """
            select q.source_file, q.reason, count(distinct q.row_number)
            from audit.quarantined_rows q
            join audit.load_ledger l on l.load_id = q.load_id
            where l.is_current
            group by q.source_file, q.reason
            order by q.source_file, q.reason
            """
        ).fetchall()
    ]


def mart_coverage(con: duckdb.DuckDBPyConnection) -> list[tuple[str, bool, str]]:
    """(mart, inputs have rows, status) from marts.mart_coverage; empty before the first dbt build."""
    if not table_exists(con, "marts", "mart_coverage"):
        return []
    return [
        (m, bool(fed), status)
        for m, fed, status in con.execute(
            "select mart_name, inputs_have_rows, coverage_status from marts.mart_coverage order by mart_name"
        ).fetchall()
    ]


def coverage_as_of_date(con: duckdb.DuckDBPyConnection) -> str | None:
    """The as-of date the marts were built for (one per build, on every row of marts.mart_coverage)."""
    if not table_exists(con, "marts", "mart_coverage"):
        return None
    found = con.execute("select cast(max(as_of_date) as varchar) from marts.mart_coverage").fetchone()
    return found[0] if found else None


def format_coverage(coverage: list[tuple[str, bool, str]], as_of_date: str | None = None) -> list[str]:
    """Summary lines: how many marts had their inputs, and every mart left empty for want of one."""
    if not coverage:
        return ["Mart coverage: no marts.mart_coverage table yet (no dbt build has got that far)."]
    without = [(m, status) for m, fed, status in coverage if not fed]
    built = f"{len(coverage) - len(without)} of {len(coverage)} marts built from their inputs"
    lines = [f"Mart coverage (as of {as_of_date}): {built}." if as_of_date else f"Mart coverage: {built}."]
    for mart, status in without:
        lines.append(f"  {mart:<44}{status}")
    return lines


def not_loaded_yet(warehouse: Path, landing: Path, mappings_dir: Path | None = None) -> list[str]:
    """Contract files in the landing folder whose present bytes the warehouse has not loaded (the loader's
    ``already_loaded``): a load that stopped before them or rejected them, or files that arrived or changed
    since. An unmapped file at a loaded path, of the loaded size and not written since that load, is taken as
    loaded without hashing it (a 10M-line landing is 1.6 GB)."""
    if not Path(landing).is_dir() or not Path(warehouse).is_file():
        return []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        if not table_exists(con, "audit", "load_ledger"):
            return [f.relative_path for cf in CONTRACT for f in discover_landing_files(landing, cf, mappings_dir)]
        loaded: dict[str, list[tuple[int, datetime]]] = {}
        for path, size, at in con.execute(
            "select source_file, file_bytes, loaded_at from audit.load_ledger where is_current"
        ).fetchall():
            loaded.setdefault(path, []).append((size, at))
        waiting = []
        for cf in CONTRACT:
            for landing_file in discover_landing_files(landing, cf, mappings_dir):
                stat = landing_file.path.stat()
                # ctime too: a copy that keeps the old modification time (cp -p, rsync -a) is still new here.
                written = datetime.fromtimestamp(max(stat.st_mtime, stat.st_ctime), UTC).replace(tzinfo=None)
                versions = loaded.get(landing_file.relative_path, [])
                if landing_file.mapping is None and any(s == stat.st_size and written < at for s, at in versions):
                    continue
                if not already_loaded(con, cf.name, landing_file_version(landing_file)):
                    waiting.append(landing_file.relative_path)
        return waiting
    finally:
        con.close()


def format_not_loaded_yet(warehouse: Path, landing: Path, mappings_dir: Path | None = None) -> list[str]:
    waiting = not_loaded_yet(warehouse, landing, mappings_dir)
    if not waiting:
        return []
    return [
        f"Not loaded yet from {landing} (a load stopped before them or rejected them, or they arrived or changed "
        "since):",
        *(f"  {relative}" for relative in waiting),
    ]


def format_unused_input(landing: Path, mappings_dir: Path | None = None) -> list[str]:
    """Summary lines for what the landing folder holds that nothing loads (never a silent skip)."""
    messages = unused_landing_input(landing, mappings_dir).messages()
    return [f"Not loaded from {landing}:", *(f"  {m}" for m in messages)] if messages else []


def _read_summary(warehouse: Path) -> tuple[list, list, list, str | None]:
    """Table counts, quarantine by file, mart coverage and its as-of date, read in one read-only connection."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return warehouse_table_counts(con), quarantine_by_file(con), mart_coverage(con), coverage_as_of_date(con)
    finally:
        con.close()


def format_summary(warehouse: Path) -> str:
    counts, quarantine, coverage, as_of_date = _read_summary(warehouse)
    lines = [f"Warehouse: {warehouse}", "", f"{'schema':<13}{'table':<44}{'rows':>12}"]
    for schema, table, n in counts:
        lines.append(f"{schema:<13}{table:<44}{n:>12,}")
    lines += ["", *format_coverage(coverage, as_of_date)]
    lines += ["", "Quarantined rows (current file versions):", f"{'file':<44}{'reason':<24}{'rows':>8}"]
    for file, reason, n in quarantine:
        lines.append(f"{file:<44}{reason:<24}{n:>8,}")
    if not quarantine:
        lines.append("  none")
    total_q = sum(n for _, _, n in quarantine)
    lines.append(f"{'total':<68}{total_q:>8,}")
    return "\n".join(lines)


def summary_data(warehouse: Path, landing: Path, mappings_dir: Path | None = None) -> dict:
    """The summary as data (``salesops summary --json``): the same numbers ``format_summary`` prints."""
    counts, quarantine, coverage, as_of_date = _read_summary(warehouse)
    return {
        "warehouse": str(warehouse),
        "tables": [{"schema": s, "table": t, "rows": n} for s, t, n in counts],
        "as_of_date": as_of_date,
        "mart_coverage": [{"mart": m, "inputs_have_rows": fed, "status": st} for m, fed, st in coverage],
        "quarantined_rows": [{"file": f, "reason": r, "rows": n} for f, r, n in quarantine],
        "quarantined_total": sum(n for _, _, n in quarantine),
        "not_loaded": unused_landing_input(landing, mappings_dir).messages(),
        "not_loaded_yet": not_loaded_yet(warehouse, landing, mappings_dir),
    }
