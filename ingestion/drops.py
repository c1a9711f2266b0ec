"""Dated drops (``<landing>/<source>/<YYYY-MM-DD>/<name>.*``) by business date: which dates the landing
holds, and loading the drops of some dates only (the Dagster daily partitions, orchestration/assets/drops.py).

Loading is the loader's (ingestion/loader.py): a file whose bytes were loaded before is a no-op, so a
partition run again loads nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb

from ingestion.contract import load_order
from ingestion.landing import discover_landing_files
from ingestion.loader import LoadResult, ensure_raw_table, load_landing_file


def drop_dates(landing_root: Path, mappings_dir: Path | None = None) -> list[date]:
    """Every business date some contract file has a dated drop for, oldest first."""
    found = {
        lf.drop_date
        for cf in load_order()
        for lf in discover_landing_files(Path(landing_root), cf, mappings_dir)
        if lf.drop_date is not None
    }
    return sorted(found)


def load_drops(
    con: duckdb.DuckDBPyConnection, landing_root: Path, dates: Iterable[date], mappings_dir: Path | None = None
) -> list[LoadResult]:
    """Load the dated drops of ``dates`` (and nothing else), parents before children, oldest drop first."""
    wanted = set(dates)
    results: list[LoadResult] = []
    for cf in load_order():
        for landing_file in discover_landing_files(Path(landing_root), cf, mappings_dir):
            if landing_file.drop_date in wanted:
                results.append(load_landing_file(con, landing_file))
        ensure_raw_table(con, cf.name)
    return results
