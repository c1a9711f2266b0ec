"""Where the full pipeline spends its time: per Dagster step, and per dbt node.

Generates the demo landing (about 40k order lines, not timed), runs
``orchestration.pipeline.run_full_pipeline`` on it with an ephemeral Dagster instance and prints:

- the wall time of the run and of each step, from the instance's event log (STEP_START to
  STEP_SUCCESS/STEP_FAILURE; the raw loads and the GX checks summed as well, since there are 17 of each);
- dbt's own timings from the invocation's ``run_results.json``, summed per resource type (models, data
  tests, unit tests, seeds), plus the slowest nodes;
- the dbt step as a timeline: the step's start and its events from the event log, the dbt process's own
  milestones from the invocation's ``dbt.log`` (first line, project parsed, first hook, last line).

    python benchmarks/profile_pipeline.py [--top 15] [--json out.json] [--keep DIR]

With ``--keep DIR`` the landing and the warehouse live in DIR, and a warehouse left there by an earlier
call is deleted first: every call builds from nothing, at the same paths, as a scheduled run does.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.run import step_durations  # noqa: E402 - after the path insert


def _group(step_key: str) -> str:
    if step_key.startswith("raw__"):
        return "raw loads"
    if step_key.startswith("gx_"):
        return "GX checks"
    return step_key


def _newest_run_results(target_root: Path, since: float) -> Path | None:
    found = [p for p in target_root.glob("*/run_results.json") if p.stat().st_mtime >= since]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def _dbt_profile(run_results: Path, top: int) -> dict:
    data = json.loads(run_results.read_text())
    by_type: dict[str, list[float]] = defaultdict(list)
    nodes = []
    for r in data["results"]:
        kind = r["unique_id"].split(".")[0]
        by_type[kind].append(r["execution_time"])
        nodes.append((r["execution_time"], r["unique_id"], r["status"]))
    nodes.sort(reverse=True)
    return {
        "elapsed_time": data.get("elapsed_time"),
        "by_type": {k: {"count": len(v), "sum_s": round(sum(v), 2)} for k, v in sorted(by_type.items())},
        "top": [{"seconds": round(t, 2), "node": n, "status": s} for t, n, s in nodes[:top]],
    }


DBT_STEP = "salesops_dbt_assets"


def _dbt_step_timeline(instance: Any, run_id: str, dbt_log: Path) -> dict[str, Any]:
    """The dbt step's phases in seconds: what happens before dbt's first log line (dagster-dbt's adapter
    handle, the dbt process's start and imports), dbt's parse, its set-up before the first hook, the
    nodes, and the rest of the step after dbt's last line (the process's exit, test results filed, any
    result still to hand over). Also when Dagster stored the step's last result, against dbt's last line:
    the asset hands each result over as dbt reports it (orchestration/dbt_stream.py), so it is usually
    before. A phase whose start or end the run never reached (dbt stopped early) is None."""
    import dagster as dg

    marks: dict[str, float] = {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or record.step_key != DBT_STEP:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            marks["step start"] = record.timestamp
        elif event.event_type in (
            dg.DagsterEventType.STEP_OUTPUT,
            dg.DagsterEventType.ASSET_MATERIALIZATION,
            dg.DagsterEventType.ASSET_CHECK_EVALUATION,
        ):
            marks["last event"] = record.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            marks["step end"] = record.timestamp
    lines = [json.loads(line)["info"] for line in dbt_log.read_text(encoding="utf-8").splitlines() if line.strip()]

    def when(info: dict[str, Any]) -> float:
        return datetime.fromisoformat(info["ts"].replace("Z", "+00:00")).timestamp()

    def first(*names: str) -> dict[str, Any] | None:
        return next((i for i in lines if i["name"] in names), None)

    found = {
        "dbt first line": lines[0] if lines else None,
        "dbt parsed": first("FoundStats"),
        "dbt first hook": first("LogHookStartLine", "LogStartLine"),
        "dbt last line": lines[-1] if lines else None,
    }
    marks.update({mark: when(info) for mark, info in found.items() if info is not None})
    order = ["step start", "dbt first line", "dbt parsed", "dbt first hook", "dbt last line", "step end"]
    phases = [
        "before dbt's first line (adapter handle in Dagster, dbt process start, imports)",
        "dbt parse",
        "dbt set-up before the first hook",
        "dbt nodes and hooks",
        "after dbt's last line (exit, test results filed, results still to hand over)",
    ]
    return {
        # dbt says at info level why it could not parse partially; it stays silent when partial parsing is
        # off or it had no saved state, so only a reported full parse is certain.
        "full_parse_reported": any(i["name"] == "UnableToPartialParse" for i in lines),
        "last_result_after_dbt_s": (
            round(marks["last event"] - marks["dbt last line"], 2)
            if "last event" in marks and "dbt last line" in marks
            else None
        ),
        "phases": {
            name: round(marks[b] - marks[a], 2) if a in marks and b in marks else None
            for name, a, b in zip(phases, order[:-1], order[1:], strict=True)
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--json", type=Path, help="also write the profile to this file")
    parser.add_argument("--keep", type=Path, help="work in this folder (kept) instead of a temporary one")
    args = parser.parse_args(argv)

    import dagster as dg

    from orchestration.dbt_project import salesops_dbt_project
    from orchestration.pipeline import run_full_pipeline
    from sample_data.generator import generate_landing

    work = args.keep or Path(tempfile.mkdtemp(prefix="salesops-profile-"))
    landing, warehouse = work / "landing", work / "warehouse" / "salesops.duckdb"
    if warehouse.parent.exists():
        shutil.rmtree(warehouse.parent)
    warehouse.parent.mkdir(parents=True)
    if not landing.exists():
        generate_landing(landing)
    project = salesops_dbt_project()  # parses the dbt project when the manifest is stale: not timed

    instance = dg.DagsterInstance.ephemeral()
    started = time.time()
    t0 = time.perf_counter()
    run = run_full_pipeline(landing, warehouse, instance=instance, raise_on_error=False, log_level="WARNING")
    wall = time.perf_counter() - t0

    steps = step_durations(instance, run.run_id)
    grouped: dict[str, list[float]] = defaultdict(list)
    for key, seconds in steps.items():
        grouped[_group(key)].append(seconds)
    run_results = _newest_run_results(Path(project.project_dir) / "target", started)
    profile = {
        "success": run.success,
        "wall_s": round(wall, 2),
        "steps_sum_s": round(sum(steps.values()), 2),
        "groups": {k: {"count": len(v), "sum_s": round(sum(v), 2)} for k, v in grouped.items()},
        "steps": {k: round(v, 2) for k, v in sorted(steps.items(), key=lambda kv: -kv[1])},
        "dbt": _dbt_profile(run_results, args.top) if run_results else None,
        "dbt_step": _dbt_step_timeline(instance, run.run_id, run_results.parent / "dbt.log") if run_results else None,
    }

    print(f"pipeline success={run.success} wall {wall:.1f}s (steps sum {profile['steps_sum_s']}s)")
    print(f"{'step group':<28}{'steps':>6}{'seconds':>10}")
    for name, g in sorted(profile["groups"].items(), key=lambda kv: -kv[1]["sum_s"]):
        print(f"{name:<28}{g['count']:>6}{g['sum_s']:>10.2f}")
    if profile["dbt"]:
        dbt = profile["dbt"]
        print(f"\ndbt elapsed (run_results.json) {dbt['elapsed_time']:.1f}s; node time summed per type:")
        for kind, g in dbt["by_type"].items():
            print(f"  {kind:<12}{g['count']:>6}{g['sum_s']:>10.2f}")
        print(f"slowest {args.top} nodes:")
        for n in dbt["top"]:
            print(f"  {n['seconds']:>7.2f}  {n['status']:<6} {n['node']}")
        timeline = profile["dbt_step"]
        parse = "dbt reported a full parse" if timeline["full_parse_reported"] else "no full parse reported"
        print(f"\ndbt step {steps.get(DBT_STEP, 0.0):.2f}s, in order ({parse}):")
        for name, seconds in timeline["phases"].items():
            print(f"  {'-' if seconds is None else f'{seconds:.2f}':>7}  {name}")
        last = timeline["last_result_after_dbt_s"]
        if last is not None:
            print(f"  Dagster stored the step's last result {last:+.2f}s after dbt's last line")
    if args.json:
        args.json.write_text(json.dumps(profile, indent=2))
    return 0 if run.success else 1


if __name__ == "__main__":
    # The process ends as the `salesops` command's does (orchestration/process_exit.py).
    from orchestration.process_exit import run_and_exit

    run_and_exit(main)
