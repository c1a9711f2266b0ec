"""Dagster resources: the DuckDB warehouse file and the landing folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from ingestion.warehouse import connect


class WarehouseResource(dg.ConfigurableResource):
    """The working DuckDB warehouse. Connections are opened per step and closed at once: DuckDB
    allows one writing process per file, and the dbt subprocess needs the lock next."""

    path: str

    @property
    def file(self) -> Path:
        return Path(self.path).resolve()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = connect(self.file, read_only=read_only)
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
        return Path(self.root).resolve()

    @property
    def mappings_path(self) -> Path | None:
        return Path(self.mappings).resolve() if self.mappings else None
