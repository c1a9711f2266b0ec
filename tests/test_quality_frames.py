"""The frames great-expectations validates come from DuckDB through Arrow: the same values and dtypes as
DuckDB's own ``.df()`` conversion for every column type the raw suites read (text, doubles, timestamps,
booleans without nulls: quality/frames.py's typed_expression), and an empty result. One difference: a
text column with no value at all stays pandas' string dtype (``.df()`` makes it object)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from ingestion.contract import CONTRACT
from ingestion.loader import load_landing
from ingestion.warehouse import connect, table_columns
from quality import frames
from quality.frames import pandas_frame, typed_expression

SMALL_LANDING = Path(__file__).parent / "fixtures" / "landing_small"


def test_every_value_type_converts_as_duckdb_converts_it():
    con = duckdb.connect()
    sql = """
        select * from (values
            ('a', 1.5::double, timestamp '2024-03-01 10:00:00', true),
            (null, null, null, false),
            ('', -0.0::double, timestamp '1601-01-01 00:00:00', false)
        ) t(text, number, moment, flag)
    """
    _assert_converts_as_duckdb(con.sql(sql))
    _assert_converts_as_duckdb(con.sql(sql + " where false"))


def test_rows_over_several_batches_convert_as_duckdb_converts_them(monkeypatch):
    monkeypatch.setattr(frames, "_BATCH_ROWS", 3)
    copied = []
    owned = frames._owned
    monkeypatch.setattr(frames, "_owned", lambda batch: copied.append(batch.num_rows) or owned(batch))
    relation = duckdb.connect().sql(
        """
        select case when i % 4 = 0 then null else 'row ' || i end as text, i / 2 as number,
               timestamp '2024-01-01' + to_days(cast(i as integer)) as moment, i % 3 = 0 as flag
        from range(10) r(i)
        """
    )
    _assert_converts_as_duckdb(relation)
    assert len(copied) > 1 and sum(copied) == 10
    by_category = pandas_frame(relation, categories=["text"])
    assert isinstance(by_category["text"].dtype, pd.CategoricalDtype)
    assert by_category["text"].astype(object).where(by_category["text"].notna(), None).tolist() == [
        None,
        "row 1",
        "row 2",
        "row 3",
        None,
        "row 5",
        "row 6",
        "row 7",
        None,
        "row 9",
    ]


def test_the_frames_text_is_held_by_arrow_not_by_duckdbs_result():
    # DuckDB frees a result batch only when all its columns are released; a frame pointing into it would
    # keep the whole result alive. 10,000 texts of 100 characters: at least 1 MB must be Arrow's own.
    before = pa.total_allocated_bytes()
    frame = pandas_frame(duckdb.connect().sql("select repeat('x', 100) || i as text from range(10000) r(i)"))
    assert pa.total_allocated_bytes() - before >= 10_000 * 100
    assert frame["text"].str.len().min() == 101


@pytest.fixture(scope="module")
def small_raw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(tmp_path_factory.mktemp("frames") / "w.duckdb")
    load_landing(con, SMALL_LANDING)
    yield con
    con.close()


@pytest.mark.parametrize("cf", CONTRACT, ids=lambda cf: cf.name)
def test_a_raw_table_read_as_the_suites_read_it_converts_as_duckdb_converts_it(cf, small_raw):
    con = small_raw
    present = set(table_columns(con, "raw", cf.name))
    select = [f'{typed_expression(c)} as "{c.name}"' for c in cf.columns if c.name in present]
    sql = f"select {', '.join(select)}, r._source_file from raw.{cf.name} r order by r._row_number"
    _assert_converts_as_duckdb(con.sql(sql))


def _assert_converts_as_duckdb(relation: duckdb.DuckDBPyRelation) -> None:
    ours, duckdbs = pandas_frame(relation), relation.df()
    valueless = [n for n in duckdbs.columns if duckdbs[n].dtype == object and duckdbs[n].isna().all()]
    for name in valueless:
        assert ours[name].isna().all() and pd.api.types.is_string_dtype(ours[name].dtype), name
    pd.testing.assert_frame_equal(ours.drop(columns=valueless), duckdbs.drop(columns=valueless))
