"""The cross-engine comparison (engines/engine_diff.py) on hand-made tables: what it calls equal, what it
reports, and the Spark session settings it takes from profiles.yml. The Spark build itself is
tests/test_spark_target.py (marker spark)."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engines.engine_diff import _by_name, compare_table, compare_tables, duckdb_tables, spark_session_parameters
from engines.raw_export import export_raw_tables, source_tables

MONEY = pa.decimal128(28, 6)


def _table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


DUCK_SCHEMA = pa.schema(
    [("account_id", pa.string()), ("month", pa.date32()), ("revenue", MONEY), ("share", pa.float64())]
)
ROWS = [
    {"account_id": "A1", "month": date(2025, 1, 1), "revenue": Decimal("100.10"), "share": 2 / 3},
    {"account_id": "A2", "month": date(2025, 1, 1), "revenue": Decimal("50.00"), "share": None},
]


def test_same_rows_in_another_order_and_float_noise_are_identical():
    spark_rows = [dict(ROWS[1]), dict(ROWS[0], share=0.6666666666666667, revenue=Decimal("100.100001"))]
    diff = compare_table("mart_x", _table(ROWS, DUCK_SCHEMA), _table(spark_rows, DUCK_SCHEMA))
    assert diff.identical, diff.describe()
    assert diff.describe() == "mart_x: 2 rows, identical"


def test_a_cent_and_a_rate_beyond_tolerance_are_reported_with_the_row():
    spark_rows = [dict(ROWS[0], revenue=Decimal("100.11")), dict(ROWS[1], share=0.000000002)]
    diff = compare_table("mart_x", _table(ROWS, DUCK_SCHEMA), _table(spark_rows, DUCK_SCHEMA))
    assert not diff.identical
    assert diff.differing_rows == 2
    text = diff.describe()
    assert "revenue: DuckDB 100.1 / Spark 100.11" in text and "'account_id': 'A1'" in text
    assert "share: DuckDB None / Spark 2e-09" in text


def test_row_counts_columns_and_missing_marts_are_reported():
    fewer = compare_table("mart_x", _table(ROWS, DUCK_SCHEMA), _table(ROWS[:1], DUCK_SCHEMA))
    assert fewer.describe().startswith("mart_x: DuckDB 2 rows, Spark 1 rows")
    renamed = _table(ROWS, DUCK_SCHEMA).rename_columns(["account_id", "month", "revenue_base", "share"])
    columns = compare_table("mart_x", _table(ROWS, DUCK_SCHEMA), renamed)
    assert "columns only on DuckDB ['revenue'], only on Spark ['revenue_base']" in columns.describe()
    both = compare_tables({"a": _table(ROWS, DUCK_SCHEMA)}, {"b": _table(ROWS, DUCK_SCHEMA)})
    assert [d.describe() for d in both] == ["a: only on DuckDB", "b: only on Spark"]


def test_a_run_dependent_mart_is_compared_by_columns_only():
    other_rows = _table(ROWS[:1], DUCK_SCHEMA)
    diff = compare_table("mart_dq_results", _table(ROWS, DUCK_SCHEMA), other_rows)
    assert diff.identical and "rows not compared (the check results" in diff.describe()
    renamed = other_rows.rename_columns(["account_id", "month", "revenue_base", "share"])
    assert not compare_table("mart_dq_results", _table(ROWS, DUCK_SCHEMA), renamed).identical


def test_types_are_normalised_across_engines():
    duck = pa.table({"k": pa.array(["x"]), "n": pa.array([3], pa.int32()), "at": pa.array([datetime(2025, 1, 1, 8)])})
    spark = pa.table(
        {
            "k": pa.array(["x"]),
            "n": pa.array([3], pa.int64()),
            "at": pa.array([datetime(2025, 1, 1, 8, tzinfo=UTC)], pa.timestamp("us", tz="UTC")),
        }
    )
    assert compare_table("m", duck, spark).identical
    later = spark.set_column(2, "at", pa.array([datetime(2025, 1, 1, 9, tzinfo=UTC)], pa.timestamp("us", tz="UTC")))
    assert compare_table("m", duck, later).differing_rows == 1


def test_the_spark_session_uses_the_profiles_spark_folder(tmp_path: Path):
    parameters = spark_session_parameters(tmp_path)
    assert parameters["spark.sql.warehouse.dir"] == f"{tmp_path}/tables"
    assert f"databaseName={tmp_path}/metastore_db" in parameters["spark.hadoop.javax.jdo.option.ConnectionURL"]
    assert parameters["spark.sql.session.timeZone"] == "UTC"
    # Not a new /tmp/<session id>_resources folder per session, left behind (Hive's default).
    assert parameters["spark.hadoop.hive.downloaded.resources.dir"] == f"{tmp_path}/hive_resources"


def test_the_duckdb_side_reads_the_tables_and_views_asked_for_by_name(fixture_build: Path):
    import duckdb

    wanted = [("staging", "stg_orders__orders"), ("core", "fct_orders"), ("marts", "mart_dq_results")]
    # A table of a model since removed would be compared as "only on Spark", not read from elsewhere.
    tables = duckdb_tables(fixture_build, [*wanted, ("core", "fct_removed"), ("marts", "fct_orders_x")])
    assert sorted(tables) == ["fct_orders", "mart_dq_results", "stg_orders__orders"]
    with duckdb.connect(str(fixture_build), read_only=True) as con:
        for schema, name in wanted:
            assert tables[name].num_rows == con.execute(f"select count(*) from {schema}.{name}").fetchone()[0]
    assert compare_tables(tables, {})[0].describe() == "fct_orders: only on DuckDB"


def test_one_table_name_in_two_schemas_is_refused():
    assert _by_name([("core", "a"), ("marts", "b")]) == {"a": "core", "b": "marts"}
    with pytest.raises(ValueError, match=r"core\.a and marts\.a: one name in two schemas"):
        _by_name([("core", "a"), ("marts", "a")])


def test_raw_export_writes_every_source_table_with_its_rows(fixture_build: Path, tmp_path: Path):
    import duckdb

    exported = export_raw_tables(fixture_build, tmp_path)
    assert [(t.schema, t.name) for t in exported] == source_tables()
    with duckdb.connect(str(fixture_build), read_only=True) as con:
        for table in exported:
            expected = con.execute(f"select count(*) from {table.schema}.{table.name}").fetchone()[0]
            # Read back with pyarrow, not with the DuckDB that wrote the files.
            assert pq.read_table(table.path).num_rows == expected == table.rows, table.name
    assert sum(t.rows for t in exported if t.schema == "raw") > 0


def test_raw_export_names_the_missing_tables(tmp_path: Path):
    import duckdb

    warehouse = tmp_path / "empty.duckdb"
    duckdb.connect(str(warehouse)).close()
    with pytest.raises(FileNotFoundError, match=r"missing raw\.teams, raw\.sales_reps"):
        export_raw_tables(warehouse, tmp_path / "spark")
