"""Export the DuckDB warehouse's raw and audit tables (the dbt sources) to Parquet for the Spark target.

dbt on Spark reads the same loaded, quarantine-flagged rows as on DuckDB: ingestion stays the one place
that parses landing files. Each source table becomes one folder, raw_parquet/<schema>/<table>/, which the
Spark run registers as an external table (dbt_project/macros/spark_raw_tables.sql)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion.contract import AUDIT_TABLE_DOCS, CONTRACT

# The Parquet export sits beside the Spark warehouse folder (profiles.yml target spark: <spark dir>/tables).
RAW_PARQUET_DIR_NAME = "raw_parquet"


def source_tables() -> list[tuple[str, str]]:
    """The dbt sources the loader writes (as generated into models/staging/_sources.yml): one raw table per
    contract file and the audit bookkeeping tables."""
    return [("raw", cf.name) for cf in CONTRACT] + [("audit", name) for name in AUDIT_TABLE_DOCS]


@dataclass(frozen=True)
class ExportedTable:
    schema: str
    name: str
    rows: int
    path: Path


def export_raw_tables(warehouse: Path, spark_dir: Path) -> list[ExportedTable]:
    """Write every loader-written source table of ``warehouse`` to ``spark_dir``/raw_parquet, replacing an
    earlier export. Returns what was written; raises, naming them, when source tables are missing."""
    target = spark_dir / RAW_PARQUET_DIR_NAME
    staging = spark_dir / f".{RAW_PARQUET_DIR_NAME}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    exported: list[ExportedTable] = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        present = set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())
        missing = [f"{schema}.{name}" for schema, name in source_tables() if (schema, name) not in present]
        if missing:
            raise FileNotFoundError(f"{warehouse}: load the landing files first; missing {', '.join(missing)}")
        for schema, name in source_tables():
            folder = staging / schema / name
            folder.mkdir(parents=True)
            relation = f'"{schema}"."{name}"'
            # One file per table keeps the Spark listing cheap; Parquet keeps DuckDB's types.
            con.execute(f"copy (select * from {relation}) to '{folder / 'part-0.parquet'}' (format parquet)")
            rows = con.execute(f"select count(*) from {relation}").fetchone()[0]
            exported.append(ExportedTable(schema, name, rows, target / schema / name))
    # Swap in whole, so a failed export never leaves half of the tables new and half old.
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return exported
