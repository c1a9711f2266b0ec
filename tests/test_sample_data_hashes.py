"""The default demo landing (``python -m sample_data``: scale 1.0, seed 42) is pinned byte for byte.

``tests/fixtures/demo_landing_sha256.json`` holds the sha256 of every file the demo writes, the CSVs,
``_bad_rows.csv`` and ``_generation.json``. A refactor of ``sample_data.generator`` must leave every hash
unchanged, which also means every random stream is drawn in the same order. A change meant to alter
the data (or a contract change that adds a column) regenerates the fixture on purpose::

    python -m tests.test_sample_data_hashes

and says so in its commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

from sample_data.__main__ import main as sample_data_main

FIXTURE = Path(__file__).parent / "fixtures" / "demo_landing_sha256.json"


def _demo_hashes(landing: Path) -> dict[str, str]:
    """Write the demo landing with the CLI defaults; relative path -> sha256 of every file written."""
    assert sample_data_main(["--landing", str(landing)]) == 0
    return {
        p.relative_to(landing).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(landing.rglob("*"))
        if p.is_file()
    }


def test_demo_landing_matches_the_recorded_hashes(tmp_path: Path, capsys):
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))
    actual = _demo_hashes(tmp_path / "landing")
    capsys.readouterr()
    assert sorted(actual) == sorted(expected), "the demo writes a different set of files"
    changed = [name for name in expected if actual[name] != expected[name]]
    assert changed == [], f"demo landing files differ from {FIXTURE.name}: {changed}"


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        hashes = _demo_hashes(Path(tmp) / "landing")
    FIXTURE.write_text(json.dumps(hashes, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(hashes)} hashes to {FIXTURE}", file=sys.stderr)
