"""benchmarks/run.py on a tiny landing, floor and peer only (no pipeline): the printed table has its shape,
and the floor's marts and the peer agree with a figure computed independently from the CSV files.

The floor's dbt compile (about 40 s) is cached under benchmarks/output/ by the dbt project's content, so
only the first run after a dbt change pays it; later runs take about 15 s."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "benchmarks" / "output" / "test_cache"
SCALE = 0.05


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip()) if text.strip() else None
    except InvalidOperation:
        return None


def net_order_line_amount(landing: Path) -> Decimal:
    """Σ quantity × unit_price × (1 − discount) in order currency, with the csv module: one line per
    (order_id, line_number), lines whose order is in orders.csv, unparseable numbers left out."""
    with open(landing / "orders" / "orders.csv", newline="", encoding="utf-8") as fh:
        orders = {row["order_id"].strip() for row in csv.DictReader(fh) if row["order_id"].strip()}
    lines: dict[tuple[str, str], Decimal | None] = {}
    with open(landing / "orders" / "order_lines.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            qty, price = _decimal(row["quantity"]), _decimal(row["unit_price"])
            discount = _decimal(row["discount_pct"]) or Decimal(0)
            net = qty * price * (1 - discount) if qty is not None and price is not None else None
            lines[(row["order_id"].strip(), row["line_number"].strip())] = net
    return sum((v for (order, _), v in lines.items() if order in orders and v is not None), Decimal(0))


def test_floor_and_peer_table(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--scale", str(SCALE), "--only", "b,c"]
        + ["--workdir", str(CACHE), "--json", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    text = proc.stdout

    # One table: a header and exactly the two contenders asked for, each with wall, rows/s, RSS, x floor.
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("contender"))
    for column in ("wall s", "rows/s", "peak RSS MB", "x floor"):
        assert column in lines[header]
    rows = lines[header + 1 : header + 3]
    assert rows[0].startswith("b. raw-SQL floor") and rows[1].startswith("c. pandas peer")
    assert lines[header + 3] == ""
    assert "a. pipeline" not in text and "d. incremental" not in text
    assert "machine: " in text and "versions: duckdb" in text
    assert "pipeline <= 3x floor: not measured" in text

    report = json.loads(out.read_text())
    floor, peer = report["results"]["b"], report["results"]["c"]
    assert set(report["results"]) == {"b", "c"}
    assert report["input_rows"] == sum(report["rows_by_file"].values()) > 0
    for r in (floor, peer):
        assert r["wall_s"] > 0 and r["peak_rss_mb"] > 0
    assert floor["mart_tables"] >= 30  # every mart of the dbt project, not a hand-picked few

    expected = float(net_order_line_amount(Path(report["landing"])))
    assert expected > 0
    for r in (floor, peer):
        got = r["check_figures"]["order_lines_net_amount"]
        assert abs(got - expected) <= 0.01 + 1e-9 * expected, (got, expected)
