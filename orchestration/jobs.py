"""The pipeline jobs: the whole pipeline (landing files -> raw -> staging -> core -> marts -> serving), its
steps one at a time (load, build, check, publish: what ``salesops load|build|check|publish`` run), and the
daily-drops job (one day's dated drops -> raw -> an incremental dbt build)."""

from collections.abc import Sequence

import dagster as dg

from orchestration.assets.drops import DAILY_DROPS_KEY
from orchestration.assets.raw import LEDGER_KEY, QUARANTINE_KEY, raw_assets

FULL_PIPELINE_JOB_NAME = "salesops_full_pipeline"
DAILY_DROPS_JOB_NAME = "salesops_daily_drops"
LOAD_JOB_NAME = "salesops_load"
BUILD_JOB_NAME = "salesops_build"
CHECK_JOB_NAME = "salesops_check"
PUBLISH_JOB_NAME = "salesops_publish"

# Run config of the full pipeline's default executor: every step in the run's own process, one after another.
# DuckDB allows one process to hold a file, so steps must not open the warehouse from parallel processes.
IN_PROCESS_EXECUTION = {"execution": {"config": {"in_process": {}}}}

# In-process by default; a run config with ``execution: config: multiprocess: {...}`` switches a run to one
# process per step (deploy/dagster-postgres/multiprocess.yaml). That is safe only on an instance that limits
# the warehouse pool to one step at a time (orchestration/pools.py, deploy/dagster-postgres/dagster.yaml).
# The daily-drops asset is partitioned: it has its own job, and this one stays unpartitioned.
full_pipeline_job = dg.define_asset_job(
    name=FULL_PIPELINE_JOB_NAME,
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(LEDGER_KEY, QUARANTINE_KEY, DAILY_DROPS_KEY),
    executor_def=dg.multi_or_in_process_executor,
    config=IN_PROCESS_EXECUTION,
    description="Load every landing file, build all dbt models and run every check.",
)


def daily_drops_job(dbt_assets: dg.AssetsDefinition):
    """The drops of a partition's date (or, backfilled, a range of dates in one run), then every dbt model:
    the facts build incrementally (docs incremental_days). Launch a range from the UI: Materialize on
    raw/daily_drops, or the job's Partitions tab."""
    return dg.define_asset_job(
        name=DAILY_DROPS_JOB_NAME,
        selection=dg.AssetSelection.assets(DAILY_DROPS_KEY) | dg.AssetSelection.assets(dbt_assets),
        executor_def=dg.in_process_executor,
        description="Load one day's dated drops (a partition), then build the dbt models incrementally.",
    )


def step_jobs(
    dbt_assets: dg.AssetsDefinition, publish_key: dg.AssetKey, checks_of: Sequence[dg.AssetKey] | None = None
) -> list:
    """One job per step of the full pipeline, each a selection of its assets and checks.

    ``check`` selects only the checks (the great-expectations suites of every raw table and every dbt
    test): nothing is rebuilt, and dagster-dbt runs just the tests. A raw suite whose inputs are unchanged
    records the results of the run that validated them unless the setting reuse_raw_checks is false
    (quality/suite_reuse.py). With ``checks_of`` (``salesops check --select``), ``check`` is the checks of
    those assets alone: the tests of one mart while it is being worked on, not every test of the warehouse;
    an asset's checks cannot be picked out of the whole job by selecting the asset, which would rebuild it.
    ``publish`` is every check whatever ``checks_of`` says, and the
    publish asset in one run, because the gate only accepts checks that passed in the publishing run
    (quality/publish_gate.py); the publish asset's lowest op priority makes it run after them. These jobs stay
    in-process: that order by priority holds only while one process runs the steps one after another."""
    checks = dg.AssetSelection.checks_for_assets(*raw_assets, dbt_assets)
    checked = checks if checks_of is None else dg.AssetSelection.checks_for_assets(*checks_of)
    selections = {
        LOAD_JOB_NAME: (dg.AssetSelection.assets(*raw_assets), "Load every landing file into raw, with its checks."),
        BUILD_JOB_NAME: (dg.AssetSelection.assets(dbt_assets), "Build every dbt model and run its tests."),
        CHECK_JOB_NAME: (
            checked,
            "Run every check again (raw suites, dbt tests) without rebuilding anything; a raw suite whose inputs "
            "are unchanged records the results of the run that validated them (setting reuse_raw_checks).",
        ),
        PUBLISH_JOB_NAME: (
            checks | dg.AssetSelection.assets(publish_key),
            "Run every check, then publish the marts to the serving file if every blocking check passed.",
        ),
    }
    return [
        dg.define_asset_job(name=name, selection=selection, executor_def=dg.in_process_executor, description=text)
        for name, (selection, text) in selections.items()
    ]
