"""Great-expectations suites on the raw layer as Dagster asset checks, two per raw asset.

- ``gx_contract`` (blocking, severity ERROR): storage invariants of ``raw.<name>`` that staging relies on,
  checked on the stored table with GX's own expectations (contract and meta columns present, required
  values set in the accepted rows, primary key unique per file version, most of each file accepted). When
  it fails, nothing downstream of that file is built and nothing is published.
- ``gx_warnings`` (severity WARN): what the loader cannot see: row-count change against the previous
  load, distribution and null-share drift, category shares, vocabulary values in the accepted rows,
  plausibility, date order, freshness of the newest row, and cross-file totals.

Each expectation's outcome goes to ``quality.check_results`` and into the check's metadata. A table whose
inputs are unchanged since a run validated them records that run's outcomes instead of validating again
(quality/suite_reuse.py; metadata ``reused_from_run``, and the description names the run). Which layer
owns which check: quality/README.md.
"""

from collections.abc import Iterator

import dagster as dg

from ingestion.contract import CONTRACT, ContractFile
from orchestration.pools import WAREHOUSE_POOL
from orchestration.resources import RunSettingsResource, WarehouseResource
from quality.expectations import CROSS_FILE_INPUTS
from quality.raw_checks import RawSuiteRun, check_raw_table

QUALITY_GROUP = "quality"
CHECK_RESULTS_KEY = dg.AssetKey(["quality", "check_results"])
CONTRACT_CHECK = "gx_contract"
WARNINGS_CHECK = "gx_warnings"

check_results_spec = dg.AssetSpec(
    CHECK_RESULTS_KEY,
    group_name=QUALITY_GROUP,
    description=(
        "quality.check_results: one row per check evaluation of every layer (great-expectations suites on "
        "raw files, every dbt test), with run, status, severity, failing rows and observed value."
    ),
    kinds={"duckdb"},
)


def _markdown_table(rows: list[tuple], header: tuple[str, ...]) -> str:
    def cell(v) -> str:
        return "" if v is None else str(v).replace("|", "\\|").replace("\n", " ")[:120]

    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _check_metadata(suite: RawSuiteRun, blocking: bool) -> dict[str, dg.MetadataValue]:
    rows = suite.expectations(blocking)
    failed = suite.failures(blocking)
    table = sorted(
        ((r.check_name, r.status, r.failing_rows, r.observed_value, r.source_file) for r in rows),
        key=lambda r: (r[1] == "pass", r[0]),
    )
    metadata = {
        "expectations": dg.MetadataValue.int(len(rows)),
        "failed_expectations": dg.MetadataValue.int(len(failed)),
        "failing_rows": dg.MetadataValue.int(sum(r.failing_rows or 0 for r in failed)),
        "failed": dg.MetadataValue.json(sorted({r.check_name for r in failed})),
        "results": dg.MetadataValue.md(
            _markdown_table(table, ("expectation", "status", "failing rows", "observed", "file"))
        ),
        "files": dg.MetadataValue.json(
            [{"file": f.source_file, "received": f.rows_received, "accepted": f.rows_accepted} for f in suite.files]
        ),
    }
    if suite.reused_from:
        metadata["reused_from_run"] = dg.MetadataValue.text(suite.reused_from)
    return metadata


def _with_reuse(description: str | None, suite: RawSuiteRun) -> str | None:
    """A check's description, saying so when its results are another run's (quality/suite_reuse.py)."""
    if not suite.reused_from:
        return description
    note = f"results of run {suite.reused_from}, which validated the same inputs"
    return f"{description} ({note})" if description else note[0].upper() + note[1:]


def build_raw_quality_checks(cf: ContractFile) -> dg.AssetChecksDefinition:
    asset_key = dg.AssetKey(["raw", cf.name])
    # A cross-file total reads other raw tables: run after they are loaded in the same run.
    cross_inputs = [dg.AssetKey(["raw", t]) for t in CROSS_FILE_INPUTS.get(cf.name, ())]

    @dg.multi_asset_check(
        name=f"gx_{cf.name}",
        specs=[
            dg.AssetCheckSpec(
                CONTRACT_CHECK,
                asset=asset_key,
                blocking=True,
                description=(
                    f"Great-expectations storage invariants of raw.{cf.name} ({cf.relative_path}): contract "
                    "columns present, required values set in the accepted rows, primary key unique per file "
                    "version, most of each file accepted. Blocks downstream."
                ),
            ),
            dg.AssetCheckSpec(
                WARNINGS_CHECK,
                asset=asset_key,
                description=(
                    f"Great-expectations warnings on raw.{cf.name} ({cf.relative_path}): row count against the "
                    "previous load, quantile, null-share and category-share drift, vocabulary, date windows, "
                    "plausible ranges, date order, freshness of the newest row"
                    + (", cross-file totals." if cross_inputs else ".")
                ),
                additional_deps=cross_inputs,
            ),
        ],
        compute_kind="great_expectations",
        pool=WAREHOUSE_POOL,
    )
    def _gx_checks(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, run_settings: RunSettingsResource
    ) -> Iterator[dg.AssetCheckResult]:
        with warehouse.connect() as con:
            suite = check_raw_table(
                con, cf.name, context.run.run_id, run_settings.business_timezone, run_settings.reuse_raw_checks
            )
        failed = sorted({r.check_name for r in suite.failures(blocking=True)})
        if failed:
            described = f"raw.{cf.name} failed: {', '.join(failed)}"
        elif not suite.files:
            described = f"raw.{cf.name}: no landing file: no data from this source"
        else:
            described = None
        yield dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=CONTRACT_CHECK,
            passed=not failed,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=_check_metadata(suite, blocking=True),
            description=_with_reuse(described, suite),
        )
        warned = sorted({r.check_name for r in suite.failures(blocking=False)})
        yield dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=WARNINGS_CHECK,
            passed=not warned,
            severity=dg.AssetCheckSeverity.WARN,
            metadata=_check_metadata(suite, blocking=False),
            description=_with_reuse(f"raw.{cf.name} warnings: {', '.join(warned)}" if warned else None, suite),
        )

    return _gx_checks


raw_quality_checks = [build_raw_quality_checks(cf) for cf in CONTRACT]
