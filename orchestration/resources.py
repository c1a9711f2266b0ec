"""Dagster resources: the DuckDB warehouse, the landing folder, the serving file and the run-time settings.

Each is configured from one resolved ``Settings`` value (orchestration/settings.py) when the code location
is assembled (orchestration/code_location.py); steps read paths and settings from here, never from the
environment.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb

from ingestion.warehouse import connect
from orchestration.settings import DEFAULT_DBT_TARGETS_KEPT, DEFAULT_DUCKDB_MEMORY_LIMIT


class WarehouseResource(dg.ConfigurableResource):
    """The working DuckDB warehouse. Connections are opened per step and closed at once: DuckDB
    allows one writing process per file, and the dbt subprocess needs the lock next."""

    path: str
    # What DuckDB in this process may hold before it spills (the setting duckdb_memory_limit).
    memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT

    @property
    def file(self) -> Path:
        return Path(self.path).expanduser().resolve()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = connect(self.file, read_only=read_only, memory_limit=self.memory_limit)
        try:
            yield con
        finally:
            con.close()


class LandingResource(dg.ConfigurableResource):
    """The landing folder users drop contract files into (see data-contract.md), and the folder of
    source mappings when it is kept outside the landing (default ``<landing>/_mappings``)."""

    root: str
    mappings: str | None = None

    @property
    def path(self) -> Path:
        return Path(self.root).expanduser().resolve()

    @property
    def mappings_path(self) -> Path | None:
        return Path(self.mappings).expanduser().resolve() if self.mappings else None


class ServingResource(dg.ConfigurableResource):
    """The BI-facing DuckDB file. Only the publish step writes it, by swapping in a new file."""

    path: str

    @property
    def file(self) -> Path:
        return Path(self.path).expanduser().resolve()


class RunSettingsResource(dg.ConfigurableResource):
    """The settings steps read while they run: the business time zone (raw freshness checks), whether raw
    suites may reuse the results of unchanged inputs, the dbt vars the user set (base currency, calendar
    bounds, PII masking) and how many past dbt builds keep their target folder."""

    timezone: str
    dbt_vars_json: str = "{}"  # JSON object: var name -> value (string or boolean)
    reuse_raw_checks: bool = True
    dbt_targets_kept: int = DEFAULT_DBT_TARGETS_KEPT

    @property
    def business_timezone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def dbt_vars(self) -> dict[str, Any]:
        return json.loads(self.dbt_vars_json)
