"""Compare every table and view a dbt build makes on DuckDB with the same one built on Spark, row by row.

Both sides are read as Arrow and normalised to one set of types (integers as Int64, decimals and doubles
as Float64, timestamps without zone, since Spark returns them in the session's UTC). Rows are matched by
sorting on every non-numeric column and then on the numbers rounded to their tolerance; values are equal
when both are null, or: money (DECIMAL) within half a cent, doubles (rates, shares) within 1e-9 or 12
significant digits, anything else exactly."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import jinja2
import polars as pl
import pyarrow as pa
import yaml

from orchestration.settings import DBT_PROJECT_DIR, SPARK_DIR_ENV

MONEY_TOLERANCE = 0.005
RATE_TOLERANCE = 1e-9
RELATIVE_TOLERANCE = 1e-12
EXAMPLES = 5
# Tables that describe the run that built them, not the data: compared by columns only, with the reason.
RUN_DEPENDENT = {
    "mart_dq_results": "the check results of the builds that made this warehouse: the great-expectations "
    "suites run only in the Dagster pipeline, and every build records its own dbt test rows",
}


@dataclass
class TableDiff:
    name: str
    duckdb_rows: int | None  # None: the table is missing on that engine
    spark_rows: int | None
    column_problems: list[str] = field(default_factory=list)
    differing_rows: int = 0
    examples: list[str] = field(default_factory=list)
    rows_not_compared: str | None = None  # why the rows of a run-dependent table are not compared

    @property
    def identical(self) -> bool:
        return (
            self.duckdb_rows is not None
            and self.spark_rows is not None
            and (self.duckdb_rows == self.spark_rows or self.rows_not_compared is not None)
            and not self.column_problems
            and not self.differing_rows
        )

    def describe(self) -> str:
        if self.duckdb_rows is None or self.spark_rows is None:
            return f"{self.name}: only on {'Spark' if self.duckdb_rows is None else 'DuckDB'}"
        if self.identical and self.rows_not_compared:
            return f"{self.name}: same columns; rows not compared ({self.rows_not_compared})"
        if self.identical:
            return f"{self.name}: {self.duckdb_rows:,} rows, identical"
        parts = [f"{self.name}: DuckDB {self.duckdb_rows:,} rows, Spark {self.spark_rows:,} rows"]
        parts += self.column_problems
        if self.differing_rows:
            parts.append(f"{self.differing_rows:,} rows differ, e.g.")
            parts += [f"    {example}" for example in self.examples]
        return "\n  ".join(parts)


# ------------------------------------------------------------------------------------------ reading


def _by_name(tables: list[tuple[str, str]]) -> dict[str, str]:
    """Table name -> schema. dbt's model and seed names are unique across schemas, so a table is named by its
    name alone; two of one name would be compared as one, so they are refused."""
    schemas: dict[str, str] = {}
    for schema, name in tables:
        if name in schemas:
            raise ValueError(f"{schemas[name]}.{name} and {schema}.{name}: one name in two schemas")
        schemas[name] = schema
    return schemas


def duckdb_tables(warehouse: Path, tables: Sequence[tuple[str, str]]) -> dict[str, pa.Table]:
    """The rows of each (schema, name) the warehouse has; one it lacks is left out (only on the other engine)."""
    wanted = _by_name(tables)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        present = set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())
        return {
            name: con.sql(f'select * from {schema}."{name}"').to_arrow_table()
            for name, schema in sorted(wanted.items())
            if (schema, name) in present
        }


def spark_session_parameters(spark_dir: Path) -> dict[str, str]:
    """The Spark settings of profiles.yml's spark target, rendered for ``spark_dir``: a session opened with
    them sees the metastore and tables dbt built (one source for both)."""
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())
    parameters = profile["salesops"]["outputs"]["spark"]["server_side_parameters"]
    env = {**os.environ, SPARK_DIR_ENV: str(spark_dir.resolve())}

    def env_var(name: str, default: str | None = None) -> str:
        if name in env:
            return env[name]
        if default is None:
            raise KeyError(f"profiles.yml needs the environment variable {name}")
        return default

    jinja = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return {key: jinja.from_string(str(value)).render(env_var=env_var) for key, value in parameters.items()}


@contextmanager
def spark_session(spark_dir: Path) -> Iterator:
    """A Spark session on the Spark target's metastore (only one process may open it at a time)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_session_parameters(spark_dir).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    try:
        yield session
    finally:
        session.stop()


def spark_tables(spark_dir: Path, tables: Sequence[tuple[str, str]]) -> dict[str, pa.Table]:
    """The rows of each (schema, name) the Spark target has; one it lacks is left out."""
    wanted = _by_name(tables)
    with spark_session(spark_dir) as spark:
        return {
            name: spark.table(f"{schema}.{name}").toArrow()
            for name, schema in sorted(wanted.items())
            if spark.catalog.tableExists(f"{schema}.{name}")
        }


# ------------------------------------------------------------------------------------------ comparing


def _kind(dtype: pa.DataType) -> str:
    if pa.types.is_decimal(dtype):
        return "money"
    if pa.types.is_floating(dtype):
        return "rate"
    return "exact"


def _normalise(table: pa.Table) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    casts = []
    for name, dtype in frame.schema.items():
        if dtype.is_integer():
            casts.append(pl.col(name).cast(pl.Int64))
        elif dtype.is_decimal() or dtype.is_float():
            casts.append(pl.col(name).cast(pl.Float64))
        elif isinstance(dtype, pl.Datetime):
            casts.append(pl.col(name).dt.replace_time_zone(None).cast(pl.Datetime("us")))
        else:
            casts.append(pl.col(name))
    return frame.select(casts)


def _sorted(frame: pl.DataFrame, kinds: dict[str, str]) -> pl.DataFrame:
    exact = [name for name, kind in kinds.items() if kind == "exact"]
    rounded = [
        pl.col(name).round(2 if kind == "money" else 6).alias(f"__sort_{name}")
        for name, kind in kinds.items()
        if kind != "exact"
    ]
    keys = exact + [expr.meta.output_name() for expr in rounded]
    return frame.with_columns(rounded).sort(keys, nulls_last=True).drop([e.meta.output_name() for e in rounded])


def _equal(left: pl.Expr, right: pl.Expr, kind: str) -> pl.Expr:
    both_null = left.is_null() & right.is_null()
    if kind == "exact":
        same = left == right
    else:
        tolerance = MONEY_TOLERANCE if kind == "money" else RATE_TOLERANCE
        difference = (left - right).abs()
        largest = pl.max_horizontal(left.abs(), right.abs())
        same = (difference <= tolerance) | (difference <= RELATIVE_TOLERANCE * largest)
        same = same | (left.is_nan() & right.is_nan())
    return both_null | same.fill_null(False)


def compare_table(name: str, on_duckdb: pa.Table | None, on_spark: pa.Table | None) -> TableDiff:
    diff = TableDiff(
        name,
        on_duckdb.num_rows if on_duckdb is not None else None,
        on_spark.num_rows if on_spark is not None else None,
    )
    if on_duckdb is None or on_spark is None:
        return diff
    left_columns, right_columns = on_duckdb.column_names, on_spark.column_names
    if sorted(left_columns) != sorted(right_columns):
        only_left = sorted(set(left_columns) - set(right_columns))
        only_right = sorted(set(right_columns) - set(left_columns))
        diff.column_problems.append(f"columns only on DuckDB {only_left}, only on Spark {only_right}")
    columns = [c for c in left_columns if c in right_columns]
    kinds = {c: _kind(on_duckdb.schema.field(c).type) for c in columns}
    for column in columns:
        spark_kind = _kind(on_spark.schema.field(column).type)
        if spark_kind != kinds[column]:
            diff.column_problems.append(f"{column}: {kinds[column]} on DuckDB, {spark_kind} on Spark")
            kinds[column] = "rate" if "exact" not in (spark_kind, kinds[column]) else "exact"
    if name in RUN_DEPENDENT:
        diff.rows_not_compared = RUN_DEPENDENT[name]
        return diff
    if diff.duckdb_rows != diff.spark_rows:
        return diff
    left = _sorted(_normalise(on_duckdb.select(columns)), kinds)
    right = _sorted(_normalise(on_spark.select(columns)), kinds)
    if left.schema != right.schema:
        right = right.cast(dict(left.schema), strict=False)
    paired = left.with_row_index("__row").join(
        right.with_row_index("__row").rename({c: f"{c}__spark" for c in columns}), on="__row"
    )
    checks = {c: _equal(pl.col(c), pl.col(f"{c}__spark"), kinds[c]) for c in columns}
    flagged = paired.with_columns([expr.alias(f"{c}__ok") for c, expr in checks.items()])
    bad = flagged.filter(~pl.all_horizontal([pl.col(f"{c}__ok") for c in columns]))
    diff.differing_rows = bad.height
    for row in bad.head(EXAMPLES).iter_rows(named=True):
        wrong = [c for c in columns if not row[f"{c}__ok"]]
        keys = {c: row[c] for c in columns if kinds[c] == "exact" and c not in wrong}
        shown = ", ".join(f"{c}: DuckDB {row[c]!r} / Spark {row[f'{c}__spark']!r}" for c in wrong)
        diff.examples.append(f"{shown} (row {keys})")
    return diff


def compare_tables(on_duckdb: dict[str, pa.Table], on_spark: dict[str, pa.Table]) -> list[TableDiff]:
    return [compare_table(name, on_duckdb.get(name), on_spark.get(name)) for name in sorted({*on_duckdb, *on_spark})]


def compare_engines(warehouse: Path, spark_dir: Path, tables: Sequence[tuple[str, str]]) -> list[TableDiff]:
    """Each (schema, name) of ``tables`` in the DuckDB warehouse against the Spark target's in ``spark_dir``
    (the tables a build made, by its manifest: a table of a model since removed is in neither list)."""
    return compare_tables(duckdb_tables(warehouse, tables), spark_tables(spark_dir, tables))
