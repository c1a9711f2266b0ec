"""One benchmark of the whole platform against its floor and a naive peer (docs/benchmarks.md).

    python benchmarks/run.py --scale 10 --order-lines 1000000
    python benchmarks/run.py --scale 100 --order-lines 10000000
    python benchmarks/run.py --scale 1 --only b,c --json out.json

Contenders, each in its own subprocess (so its peak memory is its own):

a. pipeline  orchestration.pipeline.run_full_pipeline: every load, GX suite, dbt model and test, publish;
b. floor     DuckDB alone: read_csv of every landing file + the dbt models' compiled SQL (benchmarks/floor.py);
c. peer      pandas.read_csv + pandas code for 4 marts (benchmarks/peer.py), a peer, not the product;
d. incr      after (a), a dated drop with ~1% new rows (benchmarks/incremental.py), the pipeline again on
             the same warehouse;
e. loader    ingestion's loader vs DuckDB read_csv on order_lines.csv (benchmarks/bench_ingestion.py);
f. rerun     after (a) (and (d) when it ran), the pipeline again on the same files and warehouse: what an
             analyst rerunning it pays (raw suites reused, quality/suite_reuse.py; dbt rebuilds everything).

The landing folder is generated once per (scale, order lines, seed) under --workdir and reused.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CONTENDERS = ("a", "b", "c", "d", "e", "f")
GOALS = {
    "pipeline_vs_floor": 3.0,  # pipeline wall <= 3x the floor's
    "peak_rss_mb": 4096.0,  # peak RSS <= 4 GB
    "incremental_share": 0.10,  # incremental day <= 10% of the full run
    "loader_vs_read_csv": 0.70,  # loader rows/s >= 70% of read_csv rows/s
}
STEP_GROUPS = (
    ("raw__", "raw loads"),
    ("gx_", "GX checks"),
    ("salesops_dbt_assets", "dbt build (models + tests)"),
    ("serving__", "publish"),
)
PACKAGES = ("duckdb", "dbt-core", "dbt-duckdb", "dagster", "dagster-dbt", "great-expectations", "polars", "pandas")


# --- measuring -------------------------------------------------------------------------------------


def _own_peak_rss_mb() -> float:
    """This process's high-water RSS (VmHWM). Not getrusage: on Linux ru_maxrss carries the parent's
    high-water mark across fork+exec, so a child of a big process would report the parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _tree_rss_mb(root: int) -> float:
    """Current RSS of ``root`` and all its descendants, summed (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [root]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        pid = todo.pop()
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        todo.extend(children.get(pid, []))
    return total / 1024.0 / 1024.0


def step_durations(instance: Any, run_id: str) -> dict[str, float]:
    """Seconds per step from the run's Dagster event log (STEP_START -> STEP_SUCCESS/FAILURE)."""
    import dagster as dg

    starts: dict[str, float] = {}
    durations: dict[str, float] = {}
    ends = (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE)
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or record.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            starts[record.step_key] = record.timestamp
        elif event.event_type in ends:
            durations[record.step_key] = record.timestamp - starts.pop(record.step_key, record.timestamp)
    return durations


def _step_breakdown(instance: Any, run_id: str) -> dict[str, float]:
    """Seconds per step group (raw loads, GX checks, dbt, publish, other steps)."""
    groups: dict[str, float] = {}
    for step_key, seconds in step_durations(instance, run_id).items():
        group = next((name for prefix, name in STEP_GROUPS if step_key.startswith(prefix)), "other steps")
        groups[group] = groups.get(group, 0.0) + seconds
    return groups


def child_pipeline(landing: Path, warehouse: Path) -> dict[str, Any]:
    started = time.perf_counter()
    import dagster as dg

    from orchestration.pipeline import run_full_pipeline

    imported = time.perf_counter() - started
    instance = dg.DagsterInstance.ephemeral()
    started = time.perf_counter()
    run = run_full_pipeline(landing, warehouse, instance=instance, raise_on_error=False, log_level="WARNING")
    wall = time.perf_counter() - started
    steps = _step_breakdown(instance, run.run_id)
    steps["imports"] = imported
    steps["outside steps (job setup, dbt manifest, run bookkeeping)"] = wall - sum(
        v for k, v in steps.items() if k != "imports"
    )
    return {"success": run.success, "failed_checks": run.failed_checks, "timings": steps, "run_s": wall}


def run_child(kind: str, args: argparse.Namespace) -> int:
    """Child process: run one contender, write its figures as JSON to --out."""
    if kind in ("a", "d", "f"):
        out = child_pipeline(args.landing, args.warehouse)
    elif kind == "b":
        from benchmarks.floor import run_floor

        out = run_floor(args.landing, args.warehouse, args.prep)
    elif kind == "c":
        from benchmarks.peer import run_peer

        out = run_peer(args.landing)
    else:
        raise ValueError(kind)
    out["own_peak_rss_mb"] = _own_peak_rss_mb()
    Path(args.out).write_text(json.dumps(out, default=str))
    return 0


def _spawn(argv: list[str], log: Path, interval: float = 0.1) -> tuple[float, float]:
    """Run ``argv`` to its end; its wall time and the peak of its process tree's summed RSS (sampled)."""
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "PYTHONPATH": str(REPO)}
    peak = 0.0
    started = time.perf_counter()
    with open(log, "w", encoding="utf-8") as fh:
        proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT)
        while proc.poll() is None:
            peak = max(peak, _tree_rss_mb(proc.pid))
            time.sleep(interval)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(argv[:4])} ... failed ({proc.returncode}); log {log}:\n{tail}")
    return wall, peak


def measure(kind: str, landing: Path, warehouse: Path, workdir: Path, prep: Path | None = None) -> dict[str, Any]:
    """Run contender ``kind`` in its own Python process; wall time is the whole process, start to exit."""
    out = workdir / f"result_{kind}.json"
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--landing", str(landing)]
    argv += ["--warehouse", str(warehouse), "--out", str(out)]
    if prep is not None:
        argv += ["--prep", str(prep)]
    wall, tree_peak = _spawn(argv, workdir / f"log_{kind}.txt")
    result = json.loads(out.read_text())
    result["wall_s"] = wall
    result["tree_peak_rss_mb"] = tree_peak
    result["peak_rss_mb"] = max(tree_peak, result["own_peak_rss_mb"])
    return result


# --- landing ---------------------------------------------------------------------------------------


def landing_for(workdir: Path, scale: float, order_lines: int | None, seed: int) -> tuple[Path, dict[str, int], bool]:
    """The cached landing folder for these arguments (generated when missing); its rows per file; reused?"""
    from ingestion.contract import CONTRACT

    landing = workdir / f"landing_scale{scale:g}_lines{order_lines or 'default'}_seed{seed}"
    manifest_path = landing / "_generation.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        same = (manifest["seed"], manifest["scale"], manifest["order_lines_requested"]) == (seed, scale, order_lines)
        complete = all((landing / cf.relative_path).is_file() for cf in CONTRACT)
        if same and complete:
            return landing, manifest["row_counts"], True
    from sample_data.generator import generate_landing

    shutil.rmtree(landing, ignore_errors=True)
    generate_landing(landing, scale=scale, seed=seed, order_lines=order_lines)
    return landing, json.loads(manifest_path.read_text())["row_counts"], False


# --- machine and report ----------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    def first(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "?"

    mem_kb = first("/proc/meminfo", "MemTotal").split()[0]
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "cores": os.cpu_count(),
        "ram_gb": round(int(mem_kb) / 1024 / 1024, 1) if mem_kb.isdigit() else None,
        "cpu": first("/proc/cpuinfo", "model name"),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "load_average_at_start": os.getloadavg(),
    }


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _timing_lines(timings: dict[str, float]) -> list[str]:
    """A pipeline run's breakdown, one step a line."""
    return [f"   {step:<60}{secs:>8.1f} s" for step, secs in timings.items()]


def render(report: dict[str, Any]) -> str:
    """The printed report: machine, one table of contenders, the pipeline's breakdown, the goals."""
    m = report["machine"]
    lines = [
        f"salesops benchmark  {report['started_at']}  scale={report['scale']:g} order_lines="
        f"{report['order_lines'] or 'default'} seed={report['seed']}",
        f"machine: {m['cores']} cores, {m['ram_gb']} GB RAM, {m['cpu']}; {m['os']}; Python {m['python']}",
        "versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
        f"load average at start {tuple(round(x, 2) for x in m['load_average_at_start'])}, at end "
        f"{tuple(round(x, 2) for x in report['load_average_at_end'])} (> {m['cores']} = shared/noisy machine)",
        f"landing: {report['landing']} ({'reused from cache' if report['landing_reused'] else 'generated'}), "
        f"{report['input_rows']:,} input rows in {len(report['rows_by_file'])} files",
        "",
        f"{'contender':<34}{'wall s':>10}{'rows/s':>13}{'peak RSS MB':>13}{'x floor':>9}  what it includes",
    ]
    floor = report["results"].get("b")
    for key, label in (
        ("a", "a. pipeline (full)"),
        ("b", "b. raw-SQL floor (DuckDB)"),
        ("c", "c. pandas peer"),
        ("d", "d. incremental day (pipeline)"),
        ("e_loader", "e. loader, order_lines.csv"),
        ("e_read_csv", "e. DuckDB read_csv, order_lines.csv"),
        ("f", "f. rerun, same files (pipeline)"),
    ):
        r = report["results"].get(key)
        if r is None:
            continue
        ratio = r["wall_s"] / floor["wall_s"] if floor and key in ("a", "c") else None
        lines.append(
            f"{label:<34}{r['wall_s']:>10.1f}{_fmt(r['rows'] / r['wall_s'], ',.0f'):>13}"
            f"{r['peak_rss_mb']:>13,.0f}{_fmt(ratio, '.2f'):>9}  {r['note']}"
        )
    a = report["results"].get("a")
    if a:
        lines += ["", f"a. pipeline breakdown (Dagster event log, run {a.get('success') and 'succeeded' or 'FAILED'}):"]
        lines += _timing_lines(a["timings"])
        lines.append(
            f"   peak RSS: pipeline process alone (VmHWM) {a['own_peak_rss_mb']:,.0f} MB; with its dbt "
            f"subprocess, summed (sampled every 0.1 s) {a['tree_peak_rss_mb']:,.0f} MB"
        )
        if a.get("failed_checks"):
            names = [c if len(c) <= 70 else c[:67] + "..." for c in a["failed_checks"][:5]]
            lines.append(f"   failed error checks ({len(a['failed_checks'])}): " + "; ".join(names))
            lines.append("   (a failed run stops before publish: its wall time has no publish step)")
    d = report["results"].get("d")
    if d:
        drop = d["drop"]
        lines += [
            "",
            f"d. incremental breakdown (drop {drop['drop_date']}: {drop['new_orders']:,} new orders, "
            f"{drop['new_order_lines']:,} lines, {drop['new_payments']:,} payments, {drop['changed_orders']} changed "
            f"orders; run {'succeeded' if d.get('success') else 'FAILED'}):",
        ]
        lines += _timing_lines(d["timings"])
    f = report["results"].get("f")
    if f:
        lines += ["", f"f. rerun breakdown (run {'succeeded' if f.get('success') else 'FAILED'}):"]
        lines += _timing_lines(f["timings"])
    b = report["results"].get("b")
    if b:
        t = b["timings"]
        lines += [
            "",
            "b. floor breakdown: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in t.items())
            + f"; {b['models']} models, {b['mart_tables']} mart tables; preparation (dbt seed + compile, "
            + ("not timed, reused from cache)" if b["prep_reused"] else f"not timed) {b['prep_s']:.1f} s"),
        ]
    lines += ["", "goals:"]
    for line in goal_lines(report):
        lines.append(f"   {line}")
    return "\n".join(lines)


def goal_lines(report: dict[str, Any]) -> list[str]:
    res = report["results"]
    out = []

    def verdict(ok: bool) -> str:
        return "MET" if ok else "NOT MET"

    if "a" in res and "b" in res:
        ratio = res["a"]["wall_s"] / res["b"]["wall_s"]
        goal = GOALS["pipeline_vs_floor"]
        caveat = "" if res["a"].get("success") else " (provisional: the run FAILED, no publish step)"
        out.append(f"pipeline <= {goal:g}x floor: {ratio:.1f}x  {verdict(ratio <= goal)}{caveat}")
    else:
        out.append("pipeline <= 3x floor: not measured (needs a and b)")
    measured = {k: r["peak_rss_mb"] for k, r in res.items() if k in ("a", "d")}
    if measured:
        peak = max(measured.values())
        out.append(f"peak RSS <= 4 GB (pipeline): {peak:,.0f} MB  {verdict(peak <= GOALS['peak_rss_mb'])}")
    else:
        out.append("peak RSS <= 4 GB: not measured (needs a)")
    if "a" in res and "d" in res:
        share = res["d"]["wall_s"] / res["a"]["wall_s"]
        out.append(f"incremental <= 10% of full: {share:.0%}  {verdict(share <= GOALS['incremental_share'])}")
    else:
        out.append("incremental <= 10% of full: not measured (needs a and d)")
    if "e_loader" in res and "e_read_csv" in res:
        loader, read_csv = res["e_loader"], res["e_read_csv"]
        share = (loader["rows"] / loader["wall_s"]) / (read_csv["rows"] / read_csv["wall_s"])
        out.append(f"loader >= 70% of read_csv rows/s: {share:.0%}  {verdict(share >= GOALS['loader_vs_read_csv'])}")
    else:
        out.append("loader >= 70% of read_csv rows/s: not measured (needs e)")
    return out


# --- orchestration ---------------------------------------------------------------------------------


def _bench_ingestion(method: str, landing: Path, workdir: Path) -> dict[str, Any]:
    """One method of benchmarks/bench_ingestion.py in its own process (its child mode prints JSON)."""
    warehouse = workdir / f"ingestion_{method}.duckdb"
    warehouse.unlink(missing_ok=True)
    argv = [sys.executable, str(REPO / "benchmarks" / "bench_ingestion.py"), "--method", method]
    argv += ["--landing", str(landing), "--warehouse", str(warehouse)]
    log = workdir / f"log_e_{method}.txt"
    _, tree_peak = _spawn(argv, log)
    # Its JSON line is the last one that is JSON (the log also holds warnings and any exit-time noise).
    found = [line for line in log.read_text().splitlines() if line.startswith("{")]
    result = json.loads(found[-1])
    result["self_reported_peak_rss_mb"] = result.pop("peak_rss_mb")  # getrusage: inherits the parent's
    result["peak_rss_mb"] = tree_peak
    return result


def _fresh(path: Path) -> Path:
    shutil.rmtree(path.parent, ignore_errors=True)
    path.parent.mkdir(parents=True)
    return path


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    only = set(args.only.split(",")) if args.only else set(CONTENDERS)
    unknown = only - set(CONTENDERS)
    if unknown:
        raise SystemExit(f"--only: unknown contender(s) {sorted(unknown)}; choose from {','.join(CONTENDERS)}")
    if only & {"d", "f"}:
        only.add("a")  # the incremental day and the rerun run on the warehouse the full run built
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "scale": args.scale,
        "order_lines": args.order_lines,
        "seed": args.seed,
        "machine": machine(),
        "goals": GOALS,
        "results": {},
    }
    landing, rows_by_file, reused = landing_for(workdir, args.scale, args.order_lines, args.seed)
    total = sum(rows_by_file.values())
    report.update(landing=str(landing), landing_reused=reused, rows_by_file=rows_by_file, input_rows=total)
    print(f"landing {landing}: {'reused from cache' if reused else 'generated'}, {total:,} rows", flush=True)
    results = report["results"]

    if "a" in only:
        print("a. full pipeline ...", flush=True)
        # The dbt manifest is part of the checkout, not of a run: parse it now if stale (not timed).
        subprocess.run(
            [sys.executable, "-c", "from orchestration.dbt_project import salesops_dbt_project as p; p()"],
            cwd=REPO,
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        r = measure("a", landing, _fresh(workdir / "pipeline" / "salesops.duckdb"), workdir)
        r["rows"] = total
        r["note"] = "every load, contract rule, GX suite, dbt model + test, publish" + (
            "" if r["success"] else f"; RUN FAILED ({len(r['failed_checks'])} failed checks)"
        )
        results["a"] = r
    if "b" in only:
        from benchmarks.floor import FLOOR_INCLUDES, plan_key, prepare_floor
        from orchestration.settings import load_settings

        dbt_vars = dict(load_settings().dbt_vars)
        prep_dir = workdir / f"floor_plan_{plan_key(dbt_vars)}"
        print(f"b. floor: preparing {prep_dir.name} (dbt seed + compile, not timed) ...", flush=True)
        prep = prepare_floor(prep_dir, dbt_vars)
        print("b. floor ...", flush=True)
        r = measure("b", landing, _fresh(workdir / "floor" / "salesops.duckdb"), workdir, prep=prep_dir)
        r.update(prep, rows=total, note="read_csv + compiled dbt model SQL, no checks")
        r["includes"] = FLOOR_INCLUDES
        results["b"] = r
    if "c" in only:
        from benchmarks.peer import PEER_INCLUDES

        print("c. pandas peer ...", flush=True)
        r = measure("c", landing, workdir / "unused.duckdb", workdir)
        r.update(rows=total, note="pandas.read_csv + 4 simplified marts, no checks", includes=PEER_INCLUDES)
        results["c"] = r
    if "d" in only:
        from benchmarks.incremental import make_incremental_landing

        print("d. incremental day ...", flush=True)
        incr_landing = workdir / f"{landing.name}_incremental"
        drop = make_incremental_landing(landing, incr_landing)
        r = measure("d", incr_landing, workdir / "pipeline" / "salesops.duckdb", workdir)
        share = r["wall_s"] / results["a"]["wall_s"]
        r.update(rows=drop["drop_rows"], drop=drop)
        r["note"] = (
            f"{drop['drop_rows']:,} drop rows ({drop['new_orders']:,} new orders + lines + payments, "
            f"{drop['changed_orders']} changed); {share:.0%} of (a)" + ("" if r["success"] else "; RUN FAILED")
        )
        results["d"] = r
    if "e" in only:
        print("e. loader vs read_csv ...", flush=True)
        for method, key, note in (
            ("loader", "e_loader", "all contract rules + transaction (parents loaded first, not timed)"),
            ("duckdb_read_csv", "e_read_csv", "no validation (lower bound)"),
        ):
            r = _bench_ingestion(method, landing, workdir)
            r["note"] = note
            results[key] = r
        ratio = (results["e_loader"]["rows"] / results["e_loader"]["wall_s"]) / (
            results["e_read_csv"]["rows"] / results["e_read_csv"]["wall_s"]
        )
        results["e_loader"]["note"] += f"; {ratio:.0%} of read_csv rows/s"
        results["e_read_csv"]["note"] += " (e rows: time inside the process, from bench_ingestion.py)"
    if "f" in only:
        print("f. rerun on the same files ...", flush=True)
        # The files of the last run on this warehouse: the incremental day's when it ran.
        last_landing = workdir / f"{landing.name}_incremental" if "d" in only else landing
        r = measure("f", last_landing, workdir / "pipeline" / "salesops.duckdb", workdir)
        r["rows"] = total + (results["d"]["rows"] if "d" in only else 0)
        r["note"] = (
            f"nothing new (raw suites reused, every dbt model rebuilt); {r['wall_s'] / results['a']['wall_s']:.0%} "
            "of (a)" + ("" if r["success"] else "; RUN FAILED")
        )
        results["f"] = r
    report["load_average_at_end"] = os.getloadavg()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="sample-data volume (1.0 = ~40k order lines)")
    parser.add_argument("--order-lines", type=int, default=None, help="order-line count (overrides scale for orders)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--only", default=None, help="comma-separated subset of a,b,c,d,e,f (d and f imply a)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "salesops_bench",
        help="landing cache, warehouses and logs (default: %(default)s)",
    )
    parser.add_argument("--child", choices=["a", "b", "c", "d", "f"], help=argparse.SUPPRESS)
    parser.add_argument("--landing", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--warehouse", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prep", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return run_child(args.child, args)
    if args.scale <= 0:
        parser.error("--scale must be > 0")
    report = run_benchmark(args)
    print()
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    # Each contender's process ends as the `salesops` command's does (orchestration/process_exit.py).
    from orchestration.process_exit import run_and_exit

    run_and_exit(main)
