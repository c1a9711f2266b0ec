"""The mapping corpus: one small export + mapping + hand-written expected outcome per case.

Each case folder in tests/corpus/mapping holds ``mapping.yaml`` (its ``files`` pattern points at
``in/<file>``), the source file(s) and ``expected.yaml``. The case is loaded through the real
loader into a temporary warehouse: the mapping goes to ``<landing>/_mappings``, the source files to
``<landing>/in``. ``expected.yaml`` gives either ``rejected`` (message parts) or the rows received,
every quarantine entry (row, column, reason, optionally the detail) and chosen raw values.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from ingestion.landing import LandingFileError
from ingestion.loader import load_table
from ingestion.warehouse import connect

CORPUS = Path(__file__).parent / "corpus" / "mapping"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def _landing(case: Path, root: Path) -> Path:
    landing = root / "landing"
    (landing / "_mappings").mkdir(parents=True)
    (landing / "in").mkdir()
    shutil.copy(case / "mapping.yaml", landing / "_mappings" / "mapping.yaml")
    for path in case.iterdir():
        if path.name not in ("mapping.yaml", "expected.yaml"):
            shutil.copy(path, landing / "in" / path.name)
    return landing


def test_corpus_has_the_promised_breadth():
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES)
def test_mapping_case(case: str, tmp_path: Path):
    folder = CORPUS / case
    expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    landing = _landing(folder, tmp_path)
    con = connect(tmp_path / "wh.duckdb")
    try:
        if "rejected" in expected:
            with pytest.raises(LandingFileError) as excinfo:
                load_table(con, landing, expected["target"])
            for part in expected["rejected"]:
                assert part in str(excinfo.value)
            return

        (result,) = load_table(con, landing, expected["target"])
        assert result.rows_received == expected["rows"]
        table = expected["target"]
        got = con.execute(
            "select row_number, column_name, reason, detail from audit.quarantined_rows "
            "order by row_number, column_name, reason"
        ).fetchall()
        want = sorted(expected["quarantined"], key=lambda q: (q["row"], q["column"], q["reason"]))
        assert [(r, c, reason) for r, c, reason, _ in got] == [(q["row"], q["column"], q["reason"]) for q in want]
        for (_, _, _, detail), q in zip(got, want, strict=True):
            if "detail" in q:
                assert detail == q["detail"]

        for row_number, values in expected.get("values", {}).items():
            columns = ", ".join(f'"{c}"' for c in values)
            (row,) = con.execute(f"select {columns} from raw.{table} where _row_number = ?", [row_number]).fetchall()
            assert dict(zip(values, row, strict=True)) == values, f"row {row_number}"

        for row_number, source in expected.get("source_row", {}).items():
            (kept,) = con.execute(f"select _source_row from raw.{table} where _row_number = ?", [row_number]).fetchone()
            assert json.loads(kept) == source
        if "extra_columns" in expected:
            assert result.extra_columns == expected["extra_columns"]
    finally:
        con.close()
