"""Write-audit-publish: copy the marts into the BI-facing serving database, only when every gate passed.

- **Write**: every model is built in the working warehouse (raw -> staging -> core -> marts).
- **Audit**: every blocking check (the great-expectations ``gx_contract`` suite of each raw file, every
  dbt test of severity error, the reconciliation tests among them) must have passed *in this run*, by
  what the run recorded in ``quality.check_results`` (quality/publish_gate.py; a raw suite whose inputs are
  unchanged records the outcomes of the run that validated them, quality/suite_reuse.py). Any failure, or a check
  that did not run, stops the publish and names the check.
- **Publish**: the tables of schema ``marts`` (and the core dimensions BI slices them by) are copied into
  ``serving.new.duckdb`` in DuckDB's v1.0.0 storage format (readable by the DuckDB 1.x bundled in BI
  tools), checkpointed, closed, verified, and renamed over ``serving.duckdb`` in one ``os.replace``.
  A BI reader holding the old file open keeps reading the old version; a new reader sees the new one;
  nobody ever sees a mix. The published version (run id, time, row counts per table) is recorded inside
  the serving file (``meta.publish_log``, ``meta.published_tables``).

The asset depends on every dbt asset whose schema is ``marts`` (plus ``core.dim_*``), derived from the
dbt assets' keys, so a mart added later is gated and published without touching this file.
"""

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from ingestion.contract import CONTRACT
from ingestion.warehouse import limit_memory
from orchestration.assets.dbt import salesops_dbt_assets
from orchestration.assets.quality_checks import CONTRACT_CHECK
from orchestration.dbt_project import dbt_manifest
from orchestration.pools import WAREHOUSE_POOL
from orchestration.resources import RunSettingsResource, ServingResource, WarehouseResource
from orchestration.settings import CORE_SCHEMA, MARTS_SCHEMA, base_currency_of
from quality.publish_gate import BlockingCheck, blocking_dbt_tests, gate_failures, raw_suite_checks

SERVING_GROUP = "serving"
PUBLISH_KEY = dg.AssetKey(["serving", "published_marts"])
SERVING_STORAGE_VERSION = "v1.0.0"


def is_published_key(key: dg.AssetKey) -> bool:
    """Marts, and the conformed dimensions BI needs to label and slice them."""
    schema, name = key.path[0], key.path[-1]
    return len(key.path) == 2 and (schema == MARTS_SCHEMA or (schema == CORE_SCHEMA and name.startswith("dim_")))


def published_keys(asset_keys: Iterable[dg.AssetKey]) -> list[dg.AssetKey]:
    return sorted((k for k in asset_keys if is_published_key(k)), key=lambda k: k.to_user_string())


# ------------------------------------------------------------------------------------------ audit


def blocking_checks() -> list[BlockingCheck]:
    """Every check that must pass in a run before it publishes: the blocking great-expectations suite of
    each raw table and every dbt test of severity error."""
    return raw_suite_checks([cf.name for cf in CONTRACT], CONTRACT_CHECK) + blocking_dbt_tests(dbt_manifest())


# ------------------------------------------------------------------------------------------ publish


@dataclass
class PublishReport:
    run_id: str
    published_at: datetime
    serving: Path
    row_counts: dict[str, int]
    file_bytes: int
    base_currency: str | None = None

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _publish_history(con: duckdb.DuckDBPyConnection, source_alias: str) -> list[tuple]:
    exists = con.execute(
        "select count(*) from duckdb_tables() where database_name = ? and schema_name = 'quality' "
        "and table_name = 'publish_log'",
        [source_alias],
    ).fetchall()[0][0]
    if not exists:
        return []
    # A log written before base_currency was kept in it has no such column: null for those versions.
    info = f"select name from pragma_table_info('{source_alias}.quality.publish_log')"
    columns = {c for (c,) in con.execute(info).fetchall()}
    currency = "base_currency" if "base_currency" in columns else "cast(null as varchar)"
    return con.execute(
        f"select run_id, published_at, serving_file, table_count, total_rows, {currency} "
        f"from {source_alias}.quality.publish_log"
    ).fetchall()


def publish_to_serving(
    warehouse: Path,
    serving: Path,
    tables: Sequence[tuple[str, str]],
    run_id: str,
    published_at: datetime | None = None,
    base_currency: str | None = None,
    memory_limit: str | None = None,
) -> PublishReport:
    """Copy ``tables`` ((schema, name) of the warehouse) into a new serving file and swap it in atomically.
    ``base_currency`` (the currency the marts' amounts are in) is recorded with the version; the copying
    DuckDB holds at most ``memory_limit`` (None: DuckDB's default).

    Nothing touches ``serving`` until the new file is complete, checkpointed, closed and verified; the
    swap is one rename. On any error the old serving file is left exactly as it was.
    """
    warehouse, serving = Path(warehouse).resolve(), Path(serving).resolve()
    published_at = published_at or datetime.now(UTC).replace(tzinfo=None)
    serving.parent.mkdir(parents=True, exist_ok=True)
    staging_file = serving.with_name(f"{serving.stem}.new{serving.suffix}")
    for leftover in (staging_file, staging_file.with_name(staging_file.name + ".wal")):
        leftover.unlink(missing_ok=True)  # an earlier publish that crashed half-way

    row_counts: dict[str, int] = {}
    try:
        _write_serving_copy(
            warehouse, staging_file, serving, tables, run_id, published_at, row_counts, base_currency, memory_limit
        )
        _verify(staging_file, row_counts, run_id)
    except BaseException:
        for partial in (staging_file, staging_file.with_name(staging_file.name + ".wal")):
            partial.unlink(missing_ok=True)
        raise
    with open(staging_file, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(staging_file, serving)
    _fsync_dir(serving.parent)
    return PublishReport(run_id, published_at, serving, row_counts, serving.stat().st_size, base_currency)


def _write_serving_copy(
    warehouse: Path,
    staging_file: Path,
    serving: Path,
    tables: Sequence[tuple[str, str]],
    run_id: str,
    published_at: datetime,
    row_counts: dict[str, int],
    base_currency: str | None,
    memory_limit: str | None,
) -> None:
    con = duckdb.connect()
    try:
        limit_memory(con, memory_limit)
        con.execute(f"attach {_sql_string(str(warehouse))} as src (read_only)")
        con.execute(f"attach {_sql_string(str(staging_file))} as dst (storage_version '{SERVING_STORAGE_VERSION}')")
        history = _publish_history(con, "src")
        for schema in sorted({s for s, _ in tables}):
            con.execute(f'create schema dst."{schema}"')
        for schema, name in tables:
            target = f'dst."{schema}"."{name}"'
            # Views (mart_dq_results) become tables: the serving copy is a frozen version.
            con.execute(f'create table {target} as select * from src."{schema}"."{name}"')
            row_counts[f"{schema}.{name}"] = con.execute(f"select count(*) from {target}").fetchall()[0][0]
        con.execute("create schema dst.meta")
        con.execute(
            "create table dst.meta.publish_log (run_id varchar not null, published_at timestamp not null, "
            "serving_file varchar, table_count integer, total_rows bigint, base_currency varchar)"
        )
        this_version = (run_id, published_at, str(serving), len(tables), sum(row_counts.values()), base_currency)
        for row in [*history, this_version]:
            con.execute("insert into dst.meta.publish_log values (?, ?, ?, ?, ?, ?)", list(row))
        con.execute(
            "create table dst.meta.published_tables (run_id varchar not null, published_at timestamp not null, "
            "table_schema varchar not null, table_name varchar not null, row_count bigint not null)"
        )
        for qualified, n in row_counts.items():
            schema, name = qualified.split(".", 1)
            con.execute(
                "insert into dst.meta.published_tables values (?, ?, ?, ?, ?)", [run_id, published_at, schema, name, n]
            )
        con.execute("checkpoint dst")
        con.execute("detach dst")
        con.execute("detach src")
    finally:
        con.close()


def _verify(path: Path, row_counts: dict[str, int], run_id: str) -> None:
    """Reopen the new file as a reader will, and check it holds what was written."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        for qualified, expected in row_counts.items():
            schema, name = qualified.split(".", 1)
            got = con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0]
            if got != expected:
                raise RuntimeError(f"serving copy of {qualified} has {got} rows, expected {expected}")
        latest = con.execute("select run_id from meta.publish_log order by published_at desc limit 1").fetchall()
        if latest != [(run_id,)]:
            raise RuntimeError(f"serving copy records run {latest}, expected {run_id}")
    finally:
        con.close()


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def record_publish(warehouse: WarehouseResource, report: PublishReport) -> None:
    """The pipeline's own history of published versions (copied into every new serving file)."""
    with warehouse.connect() as con:
        con.execute("create schema if not exists quality")
        con.execute(
            "create table if not exists quality.publish_log (run_id varchar not null, published_at timestamp "
            "not null, serving_file varchar, table_count integer, total_rows bigint, base_currency varchar)"
        )
        # A warehouse from before the column: its earlier versions' currency stays null, not a guess.
        con.execute("alter table quality.publish_log add column if not exists base_currency varchar")
        con.execute(
            "insert into quality.publish_log (run_id, published_at, serving_file, table_count, total_rows, "
            "base_currency) values (?, ?, ?, ?, ?, ?)",
            [
                report.run_id,
                report.published_at,
                str(report.serving),
                len(report.row_counts),
                report.total_rows,
                report.base_currency,
            ],
        )


# ------------------------------------------------------------------------------------------ asset


PUBLISHED_DEPS = published_keys(salesops_dbt_assets.keys)
# Dagster's op priority: among steps ready at the same time, this one runs last. In the full pipeline the
# marts come first anyway; in the publish job (checks + this asset, no marts: orchestration/jobs.py) it
# makes the checks this run's gate reads run before it.
LAST_STEP_TAGS = {"dagster/priority": "-1"}


@dg.asset(
    key=PUBLISH_KEY,
    group_name=SERVING_GROUP,
    deps=PUBLISHED_DEPS,
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    op_tags=LAST_STEP_TAGS,
    description=(
        "Write-audit-publish: when every blocking check upstream passed, the tables of schema marts and the "
        "core dimensions are copied into the BI-facing serving DuckDB file (v1.0.0 storage format) and "
        "swapped in atomically; the published version is recorded in meta.publish_log / "
        "meta.published_tables. A failed check leaves the serving file untouched and names the check."
    ),
)
def published_marts(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    serving: ServingResource,
    run_settings: RunSettingsResource,
) -> dg.MaterializeResult:
    expected = blocking_checks()
    with warehouse.connect(read_only=True) as con:
        failures = gate_failures(con, context.run_id, expected)
    if failures:
        shown = "\n".join(f"- {f}" for f in failures[:50])
        context.log.error(f"Not published: {len(failures)} blocking check(s) did not pass:\n{shown}")
        raise dg.Failure(
            description=(
                f"Serving database {serving.file} left unchanged: blocking check(s) did not pass: "
                + ", ".join(failures[:10])
            ),
            metadata={"blocking_failures": dg.MetadataValue.json(failures)},
        )
    tables = [(k.path[0], k.path[1]) for k in PUBLISHED_DEPS]
    with warehouse.connect(read_only=True) as con:
        existing = set(
            con.execute(
                "select table_schema, table_name from information_schema.tables where table_schema in ('marts', 'core')"
            ).fetchall()
        )
    missing = [f"{s}.{n}" for s, n in tables if (s, n) not in existing]
    if missing:
        raise dg.Failure(description=f"Not published: tables missing in the warehouse: {', '.join(missing)}")
    currency = base_currency_of(run_settings.dbt_vars)
    report = publish_to_serving(
        warehouse.file,
        serving.file,
        tables,
        context.run_id,
        base_currency=currency,
        memory_limit=warehouse.memory_limit,
    )
    record_publish(warehouse, report)
    context.log.info(f"Published {len(tables)} tables ({report.total_rows} rows) to {report.serving}")
    return dg.MaterializeResult(
        metadata={
            "serving_file": dg.MetadataValue.path(str(report.serving)),
            "published_at": dg.MetadataValue.text(report.published_at.isoformat(sep=" ")),
            "tables": dg.MetadataValue.int(len(tables)),
            "dagster/row_count": dg.MetadataValue.int(report.total_rows),
            "row_counts": dg.MetadataValue.json(report.row_counts),
            "blocking_checks_passed": dg.MetadataValue.int(len(expected)),
            "file_bytes": dg.MetadataValue.int(report.file_bytes),
            "storage_version": dg.MetadataValue.text(SERVING_STORAGE_VERSION),
            "base_currency": dg.MetadataValue.text(currency),
        }
    )
