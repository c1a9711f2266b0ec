"""Properties of the reader and the loader on generated files.

- Whatever the bytes, reading and loading fail only with LandingFileError.
- Every loaded file keeps the contract promise: raw rows = staged + quarantined rows.
- A well-formed generated CSV (any of the supported delimiters and encodings, values with quotes,
  delimiters, line breaks, unicode, empty and missing fields) gives back exactly its values, through
  the fast path and through the line reader alike.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ingestion.contract import contract_file
from ingestion.landing import LandingFile, LandingFileError
from ingestion.loader import load_landing_file
from ingestion.readers import ReadOptions, read_text_table
from ingestion.warehouse import connect

PROPERTY_SETTINGS = settings(
    max_examples=50,
    deadline=None,
    # The same examples on every run and machine, and no example database left in the work tree.
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Values an encoding can hold that no other supported encoding reads the same way, so the declared
# encoding passes the reader's wrong-encoding checks (see readers._check_declared_encoding).
ANY_TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00\ufeff")
ALPHABETS = {
    "utf-8": ANY_TEXT,
    "utf-8-sig": ANY_TEXT,
    "utf-16": ANY_TEXT,
    "gb18030": st.sampled_from('ab1 ,;|\t"\n\r华东销售部客户'),
    "cp1252": st.sampled_from('ab1 ,;|\t"\n\réèàüö'),
}
SPECIAL = set(',;|\t"\n\r')
TEAMS_HEADER = "team_id,team_name,parent_team_id,region\n"


@st.composite
def tables(draw) -> tuple[list[str], list[list[str | None]], str, str]:
    encoding = draw(st.sampled_from(sorted(ALPHABETS)))
    names = draw(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True), min_size=2, max_size=5, unique=True))
    value = st.none() | st.text(ALPHABETS[encoding], max_size=10)
    rows = draw(st.lists(st.lists(value, min_size=len(names), max_size=len(names)), max_size=8))
    return names, rows, draw(st.sampled_from([",", "\t", ";", "|"])), encoding


def _field(value: str | None, delimiter: str) -> str:
    if value is None:
        return ""
    if value == "" or SPECIAL & set(value) or value != value.strip(" "):
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv(names: list[str], rows: list[list[str | None]], delimiter: str, eol: str) -> str:
    lines = [delimiter.join(names)] + [delimiter.join(_field(v, delimiter) for v in row) for row in rows]
    return eol.join(lines) + eol


def _read(tmp: Path, content: bytes, options: ReadOptions | None = None):
    path = tmp / "generated.csv"
    path.write_bytes(content)
    return read_text_table(path, options, name="generated.csv")


@PROPERTY_SETTINGS
@given(table=tables(), eol=st.sampled_from(["\n", "\r\n"]))
def test_a_well_formed_csv_round_trips_exactly(table, eol):
    names, rows, delimiter, encoding = table
    assume(all([v.strip(" \t") if v else v for v in row] != names for row in rows))  # not a repeated header
    text = _csv(names, rows, delimiter, eol)
    # Legacy encodings cannot be told apart on a few bytes: a source mapping declares them.
    options = ReadOptions(encoding=encoding) if encoding in ("gb18030", "cp1252") else None
    with tempfile.TemporaryDirectory() as tmp:
        fast = _read(Path(tmp), text.encode(encoding), options)
        # One NUL byte in an extra last row sends the same rows through the line reader.
        broken = (text + delimiter.join(["x\x00"] * len(names)) + eol).encode(encoding)
        slow = _read(Path(tmp), broken, options)
    assert fast.frame.columns == names
    assert [list(r) for r in fast.frame.rows()] == rows
    assert fast.row_problems.height == 0
    assert not slow.used_fast_path
    assert [list(r) for r in slow.frame.head(len(rows)).rows()] == rows
    assert set(slow.row_problems["reason"]) == {"nul_byte"}


LINE = st.text(st.characters(exclude_categories=("Cs",)) | st.sampled_from(',"\r\n\ufeff\x00'), max_size=30)


@st.composite
def messy_files(draw) -> bytes:
    lines = draw(st.lists(LINE, max_size=8))
    text = draw(st.sampled_from(["", TEAMS_HEADER, "Team_ID ;team_name;REGION\n", '"team_id","team_name"\n']))
    text += "\n".join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]))
    return draw(st.just(text.encode(encoding, errors="replace")) | st.binary(max_size=200))


@PROPERTY_SETTINGS
@given(content=messy_files(), delimiter=st.sampled_from([None, None, ",", "whitespace"]))
def test_any_bytes_read_or_fail_with_a_landing_file_error(content, delimiter):
    with tempfile.TemporaryDirectory() as tmp:
        try:
            result = _read(Path(tmp), content, ReadOptions(delimiter=delimiter))
        except LandingFileError:
            return
    assert all(dtype == "String" or str(dtype) == "String" for dtype in result.frame.dtypes)
    if result.row_problems.height:
        assert result.row_problems["_row_number"].is_between(1, result.frame.height).all()


@PROPERTY_SETTINGS
@given(content=messy_files())
def test_any_loaded_file_keeps_raw_equal_staged_plus_quarantined(content):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "landing" / "crm" / "teams.csv"
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
        con = connect(Path(tmp) / "wh.duckdb")
        try:
            try:
                result = load_landing_file(con, LandingFile(path, "crm/teams.csv", "teams", None))
            except LandingFileError:
                assert _count(con, "select count(*) from audit.load_ledger") == 0
                return
            raw = _count(con, "select count(*) from raw.teams")
            staged = _count(con, "select count(*) from raw.teams where not _is_quarantined")
            quarantined = _count(con, "select count(distinct row_number) from audit.quarantined_rows")
        finally:
            con.close()
    assert contract_file("teams").name == result.table
    assert raw == result.rows_received == staged + quarantined
    assert quarantined == result.rows_quarantined


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(sql).fetchall()[0][0]
