"""The dbt project's models, seeds and tests as Dagster assets and asset checks."""

import json
import os
from collections.abc import Iterator
from functools import cache
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from ingestion.warehouse import WAREHOUSE_ENV, table_exists
from orchestration.dbt_project import salesops_dbt_project
from orchestration.resources import WarehouseResource
from orchestration.settings import dbt_vars as settings_dbt_vars
from orchestration.summary import mart_coverage
from orchestration.translator import SalesOpsDbtTranslator

translator = SalesOpsDbtTranslator()


class DbtBuildConfig(dg.Config):
    """Run configuration of the dbt build."""

    as_of_date: str | None = None  # YYYY-MM-DD; default: the latest business date in the data


def dbt_build_args(config: DbtBuildConfig) -> list[str]:
    args = ["build"]
    # Base currency and calendar bounds when the user set them (orchestration/settings.py).
    dbt_vars: dict[str, Any] = dict(settings_dbt_vars())
    if config.as_of_date:
        dbt_vars["as_of_date"] = config.as_of_date
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    return args


def _with_row_counts(events: list[Any], warehouse: WarehouseResource) -> Iterator[Any]:
    """Attach dagster/row_count to each model output, and to each mart its input coverage (so an empty
    mart says in the UI that a source delivered no rows, rather than looking broken).

    Counted after dbt has exited: DuckDB's file lock belongs to the dbt process while it runs,
    and dagster-dbt's own fetch_row_counts() keeps an adapter connection that blocks later runs.
    """
    with warehouse.connect(read_only=True) as con:
        coverage = {mart: status for mart, _, status in mart_coverage(con)}
        for event in events:
            if isinstance(event, dg.Output):
                key = translator_key_for_output(event)
                if key and table_exists(con, key[0], key[1]):
                    n = con.execute(f'select count(*) from "{key[0]}"."{key[1]}"').fetchall()[0][0]
                    extra = {"dagster/row_count": dg.MetadataValue.int(n)}
                    if key[0] == "marts" and key[1] in coverage:
                        extra["coverage"] = dg.MetadataValue.text(coverage[key[1]])
                    event = event.with_metadata({**event.metadata, **extra})
            yield event


def translator_key_for_output(event: dg.Output) -> tuple[str, str] | None:
    node = event.metadata.get("unique_id")
    unique_id = getattr(node, "value", node)
    if not unique_id:
        return None
    manifest = _manifest()
    props = manifest["nodes"].get(unique_id)
    if not props or props["resource_type"] not in ("model", "seed", "snapshot"):
        return None
    return props["schema"], props.get("alias") or props["name"]


@cache
def _manifest() -> dict[str, Any]:
    return json.loads(salesops_dbt_project().manifest_path.read_text())


@dbt_assets(
    manifest=salesops_dbt_project().manifest_path,
    project=salesops_dbt_project(),
    dagster_dbt_translator=translator,
    pool="duckdb",
)
def salesops_dbt_assets(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: DbtBuildConfig,
) -> Iterator[Any]:
    # profiles.yml reads the warehouse path from the environment of the dbt subprocess.
    os.environ[WAREHOUSE_ENV] = str(warehouse.file)
    events: list[Any] = []
    try:
        for event in dbt.cli(dbt_build_args(config), context=context).stream():
            events.append(event)
    except Exception:
        # Report what did build (and which checks failed) before the run fails.
        yield from events
        raise
    yield from _with_row_counts(events, warehouse)
