"""Daily partitions on the landing's dated drops: backfill a date range from the Dagster UI.

The asset ``raw/daily_drops`` loads the drops ``<landing>/<source>/<YYYY-MM-DD>/`` of its partitions'
dates (ingestion/drops.py); the job ``salesops_daily_drops`` runs it with the dbt models, which then build
incrementally (docs incremental_days). A backfill of a range is one run (single-run backfill policy): all
its dates load, oldest first, then one dbt build.
"""

import warnings
from datetime import date
from pathlib import Path

import dagster as dg

from ingestion.drops import drop_dates, load_drops
from orchestration.pools import WAREHOUSE_POOL
from orchestration.resources import LandingResource, WarehouseResource

DAILY_DROPS_KEY = dg.AssetKey(["raw", "daily_drops"])
# First partition when the landing holds no dated drop yet (PROJECT CHOICE: the sample data's first year).
DEFAULT_FIRST_DROP_DATE = date(2024, 1, 1)


def daily_drop_partitions(landing_root: Path | None, mappings_dir: Path | None = None) -> dg.DailyPartitionsDefinition:
    """One partition per day from the landing's first dated drop through today (end_offset=1: today's drop
    can be loaded today)."""
    dates = drop_dates(landing_root, mappings_dir) if landing_root is not None and Path(landing_root).is_dir() else []
    start = min([*dates, DEFAULT_FIRST_DROP_DATE])
    return dg.DailyPartitionsDefinition(start_date=start.isoformat(), end_offset=1)


def partition_dates(context: dg.AssetExecutionContext) -> list[date]:
    """The business dates of the partitions this run materializes (one, or a backfilled range)."""
    window = context.partition_time_window
    first, end = window.start.date(), window.end.date()
    return [date.fromordinal(d) for d in range(first.toordinal(), end.toordinal())]


def build_daily_drops_asset(partitions: dg.DailyPartitionsDefinition) -> dg.AssetsDefinition:
    with warnings.catch_warnings():
        # Dagster marks backfill_policy as beta and says so on every load of the code location (each CLI
        # command, each UI reload), which users read as a fault of theirs. The single-run policy is chosen on
        # purpose and its Dagster version is pinned (constraints.txt); only that notice is silenced, here.
        warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)
        return _daily_drops_asset(partitions)


def _daily_drops_asset(partitions: dg.DailyPartitionsDefinition) -> dg.AssetsDefinition:
    @dg.asset(
        key=DAILY_DROPS_KEY,
        group_name="raw",
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        kinds={"duckdb", "polars"},
        description=(
            "The dated drops <landing>/<source>/<YYYY-MM-DD>/ of this partition's date, loaded into raw.* "
            "(files loaded before are skipped). Downstream dbt models then build incrementally."
        ),
    )
    def daily_drops(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource
    ) -> dg.MaterializeResult:
        dates = partition_dates(context)
        with warehouse.connect() as con:
            results = load_drops(con, landing.path, dates, landing.mappings_path)
        loaded = [r for r in results if r.status == "loaded"]
        for message in [m for r in loaded for m in r.messages][:10]:
            context.log.warning(message)
        return dg.MaterializeResult(
            metadata={
                "dates": dg.MetadataValue.json([d.isoformat() for d in dates]),
                "files_loaded": dg.MetadataValue.int(len(loaded)),
                "files_unchanged": dg.MetadataValue.int(len(results) - len(loaded)),
                "rows_received": dg.MetadataValue.int(sum(r.rows_received for r in loaded)),
                "rows_quarantined": dg.MetadataValue.int(sum(r.rows_quarantined for r in loaded)),
                "files": dg.MetadataValue.json([f"{r.source_file}: {r.status}" for r in results]),
            }
        )

    return daily_drops
