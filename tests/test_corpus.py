"""The bad-input corpus: every case in tests/corpus loads as its hand-written expected.yaml says.

A case is a folder holding a small landing tree (the file under test, plus the parent files its
foreign keys need) and ``expected.yaml``:

    description: what the file is like
    file: orders/order_lines.csv         # the file under test, relative to the landing root
    outcome: loaded | quarantined | rejected
    rows_loaded: 3                       # accepted rows of that file
    quarantined: [{row: 4, column: "*", reason: ragged_row}]   # every quarantine entry of that file
    error_contains: [orders/order_lines.csv, order_id]         # rejected: words of the error
    values: [{row: 1, column: order_id, equals: "00123"}]      # raw values, verbatim (null = empty)
    extra_columns: [cost_center]         # optional: columns kept in raw beyond the contract
    ledger_rows_received: 0              # optional: rows the load ledger records for the file

The expectations are written by hand from the file's content: never from the loader's output.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from ingestion.landing import LandingFileError
from ingestion.loader import load_landing
from ingestion.warehouse import connect

CORPUS = Path(__file__).parent / "corpus"
OUTCOMES = ("loaded", "quarantined", "rejected")


def _cases() -> list[Path]:
    return sorted(p.parent for p in CORPUS.glob("*/expected.yaml"))


def _expected(case: Path) -> dict:
    expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    assert expected["outcome"] in OUTCOMES, case.name
    assert (case / expected["file"]).is_file(), f"{case.name}: {expected['file']} is not in the case folder"
    return expected


def _landing(case: Path, tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    shutil.copytree(case, landing, ignore=shutil.ignore_patterns("expected.yaml"))
    return landing


def _table_of(relative_path: str) -> str:
    return Path(relative_path).stem


def test_the_corpus_has_the_cases_the_issue_lists():
    assert len(_cases()) >= 30


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_corpus_case(case: Path, tmp_path: Path):
    expected = _expected(case)
    file = expected["file"]
    con = connect(tmp_path / "wh.duckdb")
    try:
        if expected["outcome"] == "rejected":
            _check_rejected(con, _landing(case, tmp_path), file, expected)
            return
        results = load_landing(con, _landing(case, tmp_path))
        by_file = {r.source_file: r for r in results}
        assert set(by_file) == {p.relative_to(case).as_posix() for p in case.rglob("*.*") if p.name != "expected.yaml"}
        for other, result in by_file.items():
            _check_raw_is_accepted_plus_quarantined(con, result)
            if other != file:
                assert result.rows_quarantined == 0, f"parent file {other} of the case is not clean: {result.messages}"
        _check_loaded(con, by_file[file], expected)
    finally:
        con.close()


def _check_rejected(con, landing: Path, file: str, expected: dict) -> None:
    with pytest.raises(LandingFileError) as excinfo:
        load_landing(con, landing)
    message = str(excinfo.value)
    for word in expected["error_contains"]:
        assert word in message, f"{word!r} not in error: {message}"
    assert not con.execute("select * from audit.load_ledger where source_file = ?", [file]).fetchall()


def _check_loaded(con, result, expected: dict) -> None:
    file = expected["file"]
    assert result.status == "loaded"
    assert result.rows_accepted == expected["rows_loaded"], result.messages
    quarantined = con.execute(
        "select row_number, column_name, reason from audit.quarantined_rows where source_file = ? order by all",
        [file],
    ).fetchall()
    wanted = sorted((q["row"], q["column"], q["reason"]) for q in expected.get("quarantined") or [])
    assert quarantined == wanted
    assert (expected["outcome"] == "quarantined") == bool(wanted)
    if "extra_columns" in expected:
        assert result.extra_columns == expected["extra_columns"]
    if "ledger_rows_received" in expected:
        received = con.execute(
            "select rows_received from audit.load_ledger where source_file = ? and is_current", [file]
        ).fetchall()
        assert received == [(expected["ledger_rows_received"],)]
    values = expected.get("values") or []
    for check in [values] if isinstance(values, dict) else values:
        got = con.execute(
            f'select "{check["column"]}" from raw.{_table_of(file)} where _source_file = ? and _row_number = ?',
            [file, check["row"]],
        ).fetchall()
        assert got == [(check["equals"],)], check


def _check_raw_is_accepted_plus_quarantined(con, result) -> None:
    """Contract promise: raw row count = staged + quarantined, per file."""
    table = _table_of(result.source_file)
    raw_rows, flagged = con.execute(
        f"select count(*), count(*) filter (_is_quarantined) from raw.{table} where _load_id = ?", [result.load_id]
    ).fetchall()[0]
    quarantined_rows = con.execute(
        "select count(distinct row_number) from audit.quarantined_rows where load_id = ?", [result.load_id]
    ).fetchall()[0][0]
    assert raw_rows == result.rows_accepted + quarantined_rows
    assert flagged == quarantined_rows
