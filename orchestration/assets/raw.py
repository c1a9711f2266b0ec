"""One Dagster asset per contract file: load its landing files into ``raw.<name>``."""

import time

import dagster as dg
import duckdb

from ingestion.contract import CONTRACT, ContractFile
from ingestion.landing import LandingFileError, discover_landing_files, unused_landing_input
from ingestion.loader import LoadResult, ensure_raw_table, load_landing_file
from ingestion.warehouse import scalar
from orchestration import progress
from orchestration.pools import WAREHOUSE_POOL
from orchestration.resources import LandingResource, WarehouseResource

RAW_GROUP = "raw"
LEDGER_KEY = dg.AssetKey(["raw", "load_ledger"])
QUARANTINE_KEY = dg.AssetKey(["raw", "quarantined_rows"])

# The loader's bookkeeping tables: written by every raw asset, read by staging and the quality checks.
audit_specs = [
    dg.AssetSpec(
        LEDGER_KEY,
        group_name=RAW_GROUP,
        description="audit.load_ledger: one row per loaded file version (hash, rows, quarantined, current).",
        kinds={"duckdb"},
    ),
    dg.AssetSpec(
        QUARANTINE_KEY,
        group_name=RAW_GROUP,
        description="audit.quarantined_rows: every row that failed a contract rule, with file, row, column, reason.",
        kinds={"duckdb"},
    ),
]


def raw_table_stats(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, int]:
    """Row counts of the current file versions of a raw table."""
    sql = f"""
        select count(*), coalesce(sum(case when r._is_quarantined then 1 else 0 end), 0)
        from raw.{table} r join audit.load_ledger l on l.load_id = r._load_id
        where l.is_current
    """
    rows = con.execute(sql).fetchall()
    current, quarantined = rows[0]
    return {
        "current_rows": int(current),
        "current_quarantined_rows": int(quarantined),
        "all_versions_rows": int(scalar(con, f"select count(*) from raw.{table}")),
    }


def _preview_markdown(con: duckdb.DuckDBPyConnection, cf: ContractFile, limit: int = 5) -> str:
    cols = ", ".join(f'"{c}"' for c in cf.column_names[:8])
    frame = con.sql(f"select {cols} from raw.{cf.name} where not _is_quarantined limit {limit}").pl()
    header = "| " + " | ".join(frame.columns) + " |"
    sep = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join([header, sep, *body])


def _load_metadata(results: list[LoadResult]) -> dict[str, dg.MetadataValue]:
    loaded = [r for r in results if r.status == "loaded"]
    messages = [m for r in loaded for m in r.messages][:20]
    reasons: dict[str, int] = {}
    for r in loaded:
        for reason, n in r.violations_by_reason.items():
            reasons[reason] = reasons.get(reason, 0) + n
    return {
        "files_loaded": dg.MetadataValue.int(len(loaded)),
        "files_unchanged": dg.MetadataValue.int(len(results) - len(loaded)),
        "rows_received": dg.MetadataValue.int(sum(r.rows_received for r in loaded)),
        "rows_quarantined": dg.MetadataValue.int(sum(r.rows_quarantined for r in loaded)),
        "violations_by_reason": dg.MetadataValue.json(reasons),
        "quarantine_examples": dg.MetadataValue.md("\n".join(f"- {m}" for m in messages) or "none"),
        "extra_columns": dg.MetadataValue.json(sorted({c for r in loaded for c in r.extra_columns})),
        "files": dg.MetadataValue.json([f"{r.source_file}: {r.status}" for r in results]),
    }


def _source_status(files: list, stats: dict[str, int]) -> str:
    if stats["current_rows"] > stats["current_quarantined_rows"]:
        return "has rows"
    if not files and not stats["current_rows"]:
        return "no file: no data from this source"
    return "empty: the file(s) hold no accepted row: no data from this source"


def _file_done(name: str, started: float, rows: int, status: str) -> progress.ProgressEvent:
    return progress.ProgressEvent(
        progress.FILE, progress.DONE, name, rows=rows, seconds=time.perf_counter() - started, status=status
    )


def build_raw_asset(cf: ContractFile) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", cf.name],
        group_name=RAW_GROUP,
        deps=[dg.AssetKey(["raw", parent]) for parent in cf.parent_tables],
        description=(
            f"{cf.description} Loads <landing>/{cf.source}/{cf.name}.(csv|parquet|xlsx) and dated drops "
            f"<landing>/{cf.source}/<YYYY-MM-DD>/{cf.name}.* into raw.{cf.name}, one transaction per file; "
            "rows that break the contract go to audit.quarantined_rows."
        ),
        kinds={"duckdb", "polars"},
        pool=WAREHOUSE_POOL,
        metadata={
            "contract_columns": dg.MetadataValue.json(cf.column_names),
            "primary_key": dg.MetadataValue.json(list(cf.primary_key)),
            "required_columns": dg.MetadataValue.json(cf.required_columns),
        },
    )
    def _raw_asset(  # noqa: N802 - one function per contract file
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource
    ) -> dg.MaterializeResult:
        files = discover_landing_files(landing.path, cf, landing.mappings_path)
        results: list[LoadResult] = []
        rejected: list[str] = []
        with warehouse.connect() as con:
            for landing_file in files:
                name, started = landing_file.relative_path, time.perf_counter()
                progress.report(progress.ProgressEvent(progress.FILE, progress.START, name))
                try:
                    result = load_landing_file(con, landing_file)
                except LandingFileError as exc:
                    # Other files of the table still load; the step fails at the end naming this one.
                    context.log.error(str(exc))
                    rejected.append(str(exc))
                    progress.report(_file_done(name, started, 0, "rejected"))
                    continue
                results.append(result)
                progress.report(_file_done(name, started, result.rows_received, result.status))
                for message in result.messages[:5]:
                    context.log.warning(message)
            # No file at all means "no data from this source" (data-contract.md): an empty table, so
            # staging and the marts build (empty, and listed in marts.mart_coverage) instead of failing.
            ensure_raw_table(con, cf.name)
            stats = raw_table_stats(con, cf.name)
            preview = _preview_markdown(con, cf)
        # A file in this source's folder that nothing loads is most often this table misspelt
        # (Opportunities.csv, order-lines.csv) or an export whose mapping is missing: said, never skipped.
        unused = [
            rel
            for rel in unused_landing_input(landing.path, landing.mappings_path).files
            if rel.split("/")[0] == cf.source
        ]
        for rel in unused:
            context.log.warning(f"{rel}: not loaded: no contract file is named so and no mapping claims it")
        if not files:
            context.log.warning(
                f"{cf.relative_path}: no landing file under {landing.path}: no data from this source "
                f"(raw.{cf.name} keeps {stats['current_rows']} rows of earlier loads)"
            )
        if rejected:
            raise dg.Failure(
                description=f"raw.{cf.name}: {len(rejected)} file(s) rejected",
                metadata={"rejected": dg.MetadataValue.md("\n".join(f"- {r}" for r in rejected))},
            )
        metadata = _load_metadata(results)
        metadata.update({k: dg.MetadataValue.int(v) for k, v in stats.items()})
        metadata["dagster/row_count"] = dg.MetadataValue.int(stats["current_rows"])
        metadata["source_status"] = dg.MetadataValue.text(_source_status(files, stats))
        if unused:
            metadata["unloaded_files_in_folder"] = dg.MetadataValue.json(unused)
        metadata["preview"] = dg.MetadataValue.md(preview)
        return dg.MaterializeResult(metadata=metadata)

    return _raw_asset


raw_assets = [build_raw_asset(cf) for cf in CONTRACT]
