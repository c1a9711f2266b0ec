"""Write-audit-publish: copy the marts into the BI-facing serving database, only when every gate passed.

- **Write**: every model is built in the working warehouse (raw -> staging -> core -> marts).
- **Audit**: every blocking check upstream of the marts (the great-expectations ``gx_contract`` checks on
  the raw files, every dbt test of severity error, the reconciliation tests) must have passed in its
  latest evaluation. Any failure, or a check that never ran, stops the publish and names the check.
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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.assets.dbt import salesops_dbt_assets
from orchestration.resources import WarehouseResource

SERVING_GROUP = "serving"
PUBLISH_KEY = dg.AssetKey(["serving", "published_marts"])
SERVING_STORAGE_VERSION = "v1.0.0"
PUBLISHED_SCHEMAS = ("marts", "core")


class ServingResource(dg.ConfigurableResource):
    """The BI-facing DuckDB file. Only the publish step writes it, by swapping in a new file."""

    path: str

    @property
    def file(self) -> Path:
        return Path(self.path).resolve()


def is_published_key(key: dg.AssetKey) -> bool:
    """Marts, and the conformed dimensions BI needs to label and slice them."""
    schema, name = key.path[0], key.path[-1]
    return len(key.path) == 2 and (schema == "marts" or (schema == "core" and name.startswith("dim_")))


def published_keys(asset_keys: Iterable[dg.AssetKey]) -> list[dg.AssetKey]:
    return sorted((k for k in asset_keys if is_published_key(k)), key=lambda k: k.to_user_string())


# ------------------------------------------------------------------------------------------ audit


@dataclass
class GateResult:
    checked: int
    blocking_failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.blocking_failures


def evaluate_gate(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> GateResult:
    """Every blocking check on every asset upstream of the publish step, in its latest evaluation."""
    graph = _code_location_graph(context)
    upstream = graph.get_ancestor_asset_keys(PUBLISH_KEY)
    check_keys = sorted(
        (k for k in graph.get_check_keys_for_assets(upstream) if graph.get_check_spec(k).blocking),
        key=lambda k: (k.asset_key.to_user_string(), k.name),
    )
    failures: list[str] = []
    for key in check_keys:
        label = f"{key.asset_key.to_user_string()}:{key.name}"
        record = context.instance.get_latest_asset_check_evaluation_record(key)
        # The record's status enum lives in a private module: compare its value (PLANNED, SUCCEEDED, FAILED).
        status = record.status.value if record is not None else None
        if record is None:
            failures.append(f"{label} (never evaluated)")
        elif status == "FAILED":
            evaluation = record.evaluation
            if evaluation is not None and evaluation.severity == dg.AssetCheckSeverity.WARN:
                continue
            failures.append(label)
        elif status != "SUCCEEDED":
            failures.append(f"{label} (did not finish: {status})")
    failures.extend(_failed_results_of_run(warehouse, context.run_id, already=failures))
    return GateResult(checked=len(check_keys), blocking_failures=failures)


def _code_location_graph(context: dg.AssetExecutionContext):
    """The whole asset graph, so the gate sees the checks of upstream assets this run did not select
    (a run of the publish step alone must not pass because nothing upstream was in it)."""
    try:
        return context.repository_def.asset_graph
    except Exception:  # execute_in_process runs have no repository: the code location's own graph
        from orchestration.definitions import defs

        return defs.resolve_asset_graph()


def _failed_results_of_run(warehouse: WarehouseResource, run_id: str, already: Sequence[str]) -> list[str]:
    """Blocking failures the results store holds for this run (covers checks Dagster does not model)."""
    with warehouse.connect(read_only=True) as con:
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'quality' "
            "and table_name = 'check_results'"
        ).fetchall()[0][0]
        if not exists:
            return []
        rows = con.execute(
            "select distinct asset, check_name from quality.check_results "
            "where run_id = ? and severity = 'error' and status in ('fail', 'error') order by 1, 2",
            [run_id],
        ).fetchall()
    known = " ".join(already)
    return [f"{asset}:{check} (quality.check_results)" for asset, check in rows if check not in known]


# ------------------------------------------------------------------------------------------ publish


@dataclass
class PublishReport:
    run_id: str
    published_at: datetime
    serving: Path
    row_counts: dict[str, int]
    file_bytes: int

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
    return con.execute(
        f"select run_id, published_at, serving_file, table_count, total_rows from {source_alias}.quality.publish_log"
    ).fetchall()


def publish_to_serving(
    warehouse: Path,
    serving: Path,
    tables: Sequence[tuple[str, str]],
    run_id: str,
    published_at: datetime | None = None,
) -> PublishReport:
    """Copy ``tables`` ((schema, name) of the warehouse) into a new serving file and swap it in atomically.

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
        _write_serving_copy(warehouse, staging_file, serving, tables, run_id, published_at, row_counts)
        _verify(staging_file, row_counts, run_id)
    except BaseException:
        for partial in (staging_file, staging_file.with_name(staging_file.name + ".wal")):
            partial.unlink(missing_ok=True)
        raise
    with open(staging_file, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(staging_file, serving)
    _fsync_dir(serving.parent)
    return PublishReport(run_id, published_at, serving, row_counts, serving.stat().st_size)


def _write_serving_copy(
    warehouse: Path,
    staging_file: Path,
    serving: Path,
    tables: Sequence[tuple[str, str]],
    run_id: str,
    published_at: datetime,
    row_counts: dict[str, int],
) -> None:
    con = duckdb.connect()
    try:
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
            "serving_file varchar, table_count integer, total_rows bigint)"
        )
        for row in [*history, (run_id, published_at, str(serving), len(tables), sum(row_counts.values()))]:
            con.execute("insert into dst.meta.publish_log values (?, ?, ?, ?, ?)", list(row))
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
            "not null, serving_file varchar, table_count integer, total_rows bigint)"
        )
        con.execute(
            "insert into quality.publish_log values (?, ?, ?, ?, ?)",
            [report.run_id, report.published_at, str(report.serving), len(report.row_counts), report.total_rows],
        )


# ------------------------------------------------------------------------------------------ asset


PUBLISHED_DEPS = published_keys(salesops_dbt_assets.keys)


@dg.asset(
    key=PUBLISH_KEY,
    group_name=SERVING_GROUP,
    deps=PUBLISHED_DEPS,
    kinds={"duckdb"},
    pool="duckdb",
    description=(
        "Write-audit-publish: when every blocking check upstream passed, the tables of schema marts and the "
        "core dimensions are copied into the BI-facing serving DuckDB file (v1.0.0 storage format) and "
        "swapped in atomically; the published version is recorded in meta.publish_log / "
        "meta.published_tables. A failed check leaves the serving file untouched and names the check."
    ),
)
def published_marts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, serving: ServingResource
) -> dg.MaterializeResult:
    gate = evaluate_gate(context, warehouse)
    if not gate.passed:
        shown = "\n".join(f"- {f}" for f in gate.blocking_failures[:50])
        context.log.error(f"Not published: {len(gate.blocking_failures)} blocking check(s) failed:\n{shown}")
        raise dg.Failure(
            description=(
                f"Serving database {serving.file} left unchanged: blocking check(s) failed: "
                + ", ".join(gate.blocking_failures[:10])
            ),
            metadata={"blocking_failures": dg.MetadataValue.json(gate.blocking_failures)},
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
    report = publish_to_serving(warehouse.file, serving.file, tables, context.run_id)
    record_publish(warehouse, report)
    context.log.info(f"Published {len(tables)} tables ({report.total_rows} rows) to {report.serving}")
    return dg.MaterializeResult(
        metadata={
            "serving_file": dg.MetadataValue.path(str(report.serving)),
            "published_at": dg.MetadataValue.text(report.published_at.isoformat(sep=" ")),
            "tables": dg.MetadataValue.int(len(tables)),
            "dagster/row_count": dg.MetadataValue.int(report.total_rows),
            "row_counts": dg.MetadataValue.json(report.row_counts),
            "blocking_checks_passed": dg.MetadataValue.int(gate.checked),
            "file_bytes": dg.MetadataValue.int(report.file_bytes),
            "storage_version": dg.MetadataValue.text(SERVING_STORAGE_VERSION),
        }
    )
