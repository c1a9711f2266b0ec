"""Ingestion throughput: the polars → Arrow → DuckDB loader against naive baselines.

Prints rows/s, wall time and peak memory (RSS) for loading ``orders/order_lines.csv``:

- ``loader``: ``ingestion.loader.load_landing_file`` — read as text with polars, every contract rule
  vectorised (types, ranges, enums, duplicates, orphan keys against the loaded orders), one transaction,
  inserted through Arrow;
- ``executemany``: the naive baseline the foundation issue rules out, row-by-row parameterised inserts
  (measured on the first ``--baseline-rows`` rows and extrapolated, since the full file would take hours);
- ``duckdb_read_csv``: DuckDB's own CSV reader with no validation, as a lower bound on what loading costs.

Each method runs in its own process so its peak RSS is its own.

    python benchmarks/bench_ingestion.py --order-lines 1000000
    python benchmarks/bench_ingestion.py --order-lines 10000000   # the contract's 10M-line scale
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_method(method: str, landing: Path, warehouse: Path, baseline_rows: int, order_lines: int) -> dict:
    import duckdb

    from ingestion.contract import contract_file, load_order
    from ingestion.landing import discover_landing_files
    from ingestion.loader import load_landing_file, load_table
    from ingestion.warehouse import connect

    lines_file = landing / "orders" / "order_lines.csv"
    if method == "generate":
        from sample_data.generator import generate_landing

        started = time.perf_counter()
        report = generate_landing(landing, order_lines=order_lines)
        return {"rows": report.row_counts["order_lines"], "wall_s": time.perf_counter() - started}
    if method == "loader":
        con = connect(warehouse)
        # Parents first (their cost is not counted): orphan checks need the orders loaded.
        for cf in load_order():
            if cf.name == "order_lines":
                break
            load_table(con, landing, cf.name)
        (lf,) = discover_landing_files(landing, contract_file("order_lines"))
        started = time.perf_counter()
        result = load_landing_file(con, lf)
        wall = time.perf_counter() - started
        con.close()
        return {"rows": result.rows_received, "wall_s": wall, "quarantined": result.rows_quarantined}
    if method == "executemany":
        import csv

        con = duckdb.connect(str(warehouse))
        con.execute(
            "create table order_lines (order_id varchar, line_number varchar, product_id varchar, "
            "quantity varchar, unit_price varchar, discount_pct varchar)"
        )
        with open(lines_file, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader)
            rows = [row for _, row in zip(range(baseline_rows), reader, strict=False)]
        started = time.perf_counter()
        con.executemany("insert into order_lines values (?, ?, ?, ?, ?, ?)", rows)
        wall = time.perf_counter() - started
        con.close()
        return {"rows": len(rows), "wall_s": wall, "extrapolated": True}
    if method == "duckdb_read_csv":
        con = duckdb.connect(str(warehouse))
        con.execute("set preserve_insertion_order = false")
        started = time.perf_counter()
        con.execute(f"create table order_lines as select * from read_csv('{lines_file}', all_varchar = true)")
        wall = time.perf_counter() - started
        n = con.execute("select count(*) from order_lines").fetchall()[0][0]
        con.close()
        return {"rows": n, "wall_s": wall}
    raise ValueError(method)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--order-lines", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=20_000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--method", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--landing", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--warehouse", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.method:  # child process: one method, report as JSON
        out = run_method(args.method, args.landing, args.warehouse, args.baseline_rows, args.order_lines)
        out["peak_rss_mb"] = _peak_rss_mb()
        print(json.dumps(out))
        return 0

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="salesops_bench_"))
    landing = workdir / "landing"
    print(f"generating ~{args.order_lines:,} order lines into {landing} ...", flush=True)
    results = {}
    for method in ("generate", "loader", "executemany", "duckdb_read_csv"):
        warehouse = workdir / f"{method}.duckdb"
        warehouse.unlink(missing_ok=True)
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--method",
                method,
                "--landing",
                str(landing),
                "--warehouse",
                str(warehouse),
                "--baseline-rows",
                str(args.baseline_rows),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        results[method] = json.loads(proc.stdout.strip().splitlines()[-1])

    total_lines = results["generate"]["rows"]
    print()
    print(f"{'method':<26}{'rows':>12}{'wall s':>10}{'rows/s':>14}{'peak RSS MB':>13}  note")
    for name, r in results.items():
        rate = r["rows"] / r["wall_s"] if r["wall_s"] else float("inf")
        note = ""
        if r.get("extrapolated"):
            note = f"naive baseline; {total_lines:,} rows would take ~{total_lines / rate / 60:,.0f} min"
        elif name == "loader":
            note = f"all contract rules + transaction ({r['quarantined']:,} quarantined)"
        elif name == "generate":
            note = "sample data, streamed in chunks"
        elif name == "duckdb_read_csv":
            note = "no validation (lower bound)"
        print(f"{name:<26}{r['rows']:>12,}{r['wall_s']:>10.2f}{rate:>14,.0f}{r['peak_rss_mb']:>13,.0f}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
