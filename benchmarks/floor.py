"""The raw-SQL floor: DuckDB alone, ``read_csv`` of every landing file + the dbt project's own model SQL.

What the floor does, in one process and one DuckDB connection (the measured part):

1. ``read_csv(all_varchar)`` of every landing file into ``raw.<table>``, shaped like the loader's tables:
   the contract columns as text plus ``_load_id``, ``_source_file``, ``_loaded_at``, ``_row_number``
   (``row_number() over ()``), ``_row_hash`` (empty: not computed) and ``_is_quarantined`` (always false),
   and one ``audit.load_ledger`` row per file (is_current, drop date, row count; no SHA-256);
2. the seeds (``reference.*``, ~100 rows of reference data) and an empty ``quality.check_results`` copied
   from a prepared file;
3. every dbt model's compiled SQL (``dbt compile`` output, manifest ``compiled_code``) run in dependency
   order as ``create table/view ... as`` with the profile's DuckDB settings, then the models' post-hooks.

No contract rules (nothing is quarantined: bad rows flow into staging, where typed casts turn them into
NULLs), no great-expectations suites, no dbt tests, no publish, no Dagster, no dbt process.

Preparation (not measured, reported separately, cached by the dbt project's content): a scratch warehouse
with the raw tables empty, ``dbt seed`` and ``dbt compile`` against it, and the post-hooks compiled with
``dbt compile --inline``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from ingestion.contract import CONTRACT
from ingestion.landing import discover_landing_files
from ingestion.warehouse import ensure_audit_schema
from orchestration.settings import dbt_profile_duckdb_options

FLOOR_INCLUDES = (
    "DuckDB read_csv of every landing file into loader-shaped raw tables + ledger, then every dbt model's "
    "compiled SQL (dbt compile) in dependency order, incl. post-hooks; no contract rules, no GX, no dbt "
    "tests, no publish, no Dagster/dbt process (compile done beforehand, not timed)"
)
HOOK_SEPARATOR = "-- salesops-bench: next hook --"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return [h.strip() for h in next(csv.reader(fh), [])]


def load_raw_with_read_csv(con: duckdb.DuckDBPyConnection, landing: Path | None) -> dict[str, int]:
    """Every landing file of every contract table into ``raw.<table>`` with DuckDB's ``read_csv``; rows per
    table. Without a landing folder, the raw tables are created empty (enough for ``dbt compile``)."""
    ensure_audit_schema(con)
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    rows: dict[str, int] = {}
    for cf in CONTRACT:
        meta = (
            "cast(null as varchar) as _load_id, cast(null as varchar) as _source_file, "
            "cast(null as timestamp) as _loaded_at, cast(null as bigint) as _row_number, "
            "cast(null as varchar) as _row_hash, cast(null as boolean) as _is_quarantined"
        )
        cols = ", ".join(f"cast(null as varchar) as {_quote(c)}" for c in cf.column_names)
        con.execute(f"create or replace table raw.{cf.name} as select {cols}, {meta} limit 0")
        rows[cf.name] = 0
        for lf in discover_landing_files(landing, cf) if landing is not None else []:
            if lf.path.suffix.lower() != ".csv":
                raise ValueError(f"the floor reads CSV only: {lf.relative_path}")
            present = set(_header(lf.path))
            select = ", ".join(
                _quote(c) if c in present else f"cast(null as varchar) as {_quote(c)}" for c in cf.column_names
            )
            load_id = f"{lf.relative_path}#1"
            con.execute(
                f"insert into raw.{cf.name} select {select}, ? as _load_id, ? as _source_file, "
                "cast(? as timestamp) as _loaded_at, row_number() over () as _row_number, '' as _row_hash, "
                f"false as _is_quarantined from read_csv(?, all_varchar = true, header = true)",
                [load_id, lf.relative_path, loaded_at, str(lf.path)],
            )
            n = con.execute(f"select count(*) from raw.{cf.name} where _load_id = ?", [load_id]).fetchall()[0][0]
            rows[cf.name] += n
            con.execute(
                "insert into audit.load_ledger values (?, ?, ?, ?, 'not computed', ?, ?, 0, null, null, ?, true, null)",
                [load_id, cf.name, lf.relative_path, lf.drop_date, lf.path.stat().st_size, n, loaded_at],
            )
    return rows


def _topological_models(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    order: list[dict[str, Any]] = []
    state: dict[str, int] = {}

    def visit(uid: str) -> None:
        if state.get(uid) == 2:
            return
        if state.get(uid) == 1:
            raise ValueError(f"dependency cycle at {uid}")
        state[uid] = 1
        for dep in nodes[uid]["depends_on"]["nodes"]:
            if dep in nodes:
                visit(dep)
        state[uid] = 2
        order.append(nodes[uid])

    for uid in sorted(nodes):
        visit(uid)
    return order


def plan_key(dbt_vars: dict[str, Any]) -> str:
    """What the compiled plan depends on: the dbt project's files, the vars, the dbt version. Not the data:
    no model queries the warehouse at compile time, and ``is_incremental()`` is false on a fresh file."""
    from importlib import metadata

    from orchestration.settings import DBT_PROJECT_DIR

    digest = hashlib.sha256(json.dumps([dbt_vars, metadata.version("dbt-core")], sort_keys=True).encode())
    files = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "seeds"):
        files += sorted(p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file())
    for path in files:
        digest.update(path.relative_to(DBT_PROJECT_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def prepare_floor(prep_dir: Path, dbt_vars: dict[str, Any]) -> dict[str, Any]:
    """Untimed preparation: a scratch warehouse ``prep_dir/salesops.duckdb`` with empty raw tables and the
    seeds, the dbt project compiled against it, and the compiled post-hooks; writes
    ``prep_dir/floor_plan.json``. Reused when it exists (``prep_dir`` is named by ``plan_key``)."""
    if (prep_dir / "floor_plan.json").exists():
        return {"prep_s": 0.0, "prep_reused": True}
    from orchestration.pipeline import run_dbt

    shutil.rmtree(prep_dir, ignore_errors=True)
    prep_dir.mkdir(parents=True)
    warehouse = prep_dir / "salesops.duckdb"  # same file stem as the measured one: the dbt database name
    target = prep_dir / "target"
    started = time.perf_counter()
    con = duckdb.connect(str(warehouse))
    try:
        load_raw_with_read_csv(con, None)
    finally:
        con.close()
    vars_args = ["--vars", json.dumps(dbt_vars, sort_keys=True)] if dbt_vars else []
    run_dbt(["seed", *vars_args], warehouse, target_path=target)
    run_dbt(["compile", "--select", "resource_type:model", *vars_args], warehouse, target_path=target)
    manifest = json.loads((target / "manifest.json").read_text())
    models = _topological_models(manifest)
    steps: list[dict[str, Any]] = []
    hooks: list[tuple[str, str]] = []
    for node in models:
        materialized = node["config"]["materialized"]
        if materialized == "ephemeral":
            continue
        steps.append(
            {
                "name": node["name"],
                "schema": node["schema"],
                "relation": node["relation_name"],
                "kind": "view" if materialized == "view" else "table",
                "sql": node["compiled_code"],
            }
        )
        for hook in node["config"].get("post-hook", []):
            # The incremental facts' bookkeeping (which loads a target has seen, macros/incremental.sql) is
            # not mart SQL: the floor always builds in full, so it has nothing to record.
            if "incremental_" in hook["sql"]:
                continue
            hooks.append((node["name"], hook["sql"].replace("{{ this }}", node["relation_name"])))
    if hooks:
        inline = f"\n{HOOK_SEPARATOR}\n".join(sql for _, sql in hooks)
        proc = run_dbt(["compile", "--quiet", "--inline", inline, *vars_args], warehouse, target_path=target)
        compiled = [part.strip() for part in proc.stdout.split(HOOK_SEPARATOR)]
        if len(compiled) != len(hooks):
            raise RuntimeError(f"compiling the post-hooks gave {len(compiled)} parts for {len(hooks)} hooks")
        by_model: dict[str, list[str]] = {}
        for (name, _), sql in zip(hooks, compiled, strict=True):
            if sql:
                by_model.setdefault(name, []).append(sql)
        for step in steps:
            step["post_hooks"] = by_model.get(step["name"], [])
    reference = sorted({n["schema"] for n in manifest["nodes"].values() if n["resource_type"] == "seed"})
    plan = {"prep_warehouse": str(warehouse), "seed_schemas": reference, "steps": steps}
    (prep_dir / "floor_plan.json").write_text(json.dumps(plan))
    return {"prep_s": time.perf_counter() - started, "prep_reused": False}


def run_floor(landing: Path, warehouse: Path, prep_dir: Path) -> dict[str, Any]:
    """The measured floor: raw load with read_csv, seeds copied, every model's compiled SQL, post-hooks."""
    plan = json.loads((prep_dir / "floor_plan.json").read_text())
    if warehouse.name != Path(plan["prep_warehouse"]).name:
        raise ValueError("the floor warehouse must have the prepared file's name (the dbt database name)")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse))
    timings: dict[str, float] = {}
    try:
        # The profile's DuckDB settings, so the floor runs the SQL the way dbt does.
        for key, value in dbt_profile_duckdb_options().items():
            con.execute(f"set {key} = '{value}'")
        started = time.perf_counter()
        rows = load_raw_with_read_csv(con, landing)
        timings["raw read_csv"] = time.perf_counter() - started

        started = time.perf_counter()
        con.execute(f"attach '{plan['prep_warehouse']}' as prep (read_only)")
        for schema in [*plan["seed_schemas"], "quality"]:
            con.execute(f"create schema if not exists {schema}")
            tables = con.execute(
                "select table_name from duckdb_tables() where database_name = 'prep' and schema_name = ?", [schema]
            ).fetchall()
            for (table,) in tables:
                empty = " limit 0" if schema == "quality" else ""
                con.execute(f"create table {schema}.{table} as select * from prep.{schema}.{table}{empty}")
        con.execute("detach prep")
        timings["seeds"] = time.perf_counter() - started

        started = time.perf_counter()
        for step in plan["steps"]:
            con.execute(f"create schema if not exists {step['schema']}")
            con.execute(f"create {step['kind']} {step['relation']} as (\n{step['sql']}\n)")
            for hook in step.get("post_hooks", []):
                con.execute(hook)
        timings["model SQL"] = time.perf_counter() - started
        marts = con.execute("select count(*) from duckdb_tables() where schema_name = 'marts'").fetchall()[0][0]
        net = con.execute("select sum(net_amount) from core.fct_order_lines").fetchall()[0][0]
    finally:
        con.close()
    return {
        "input_rows": sum(rows.values()),
        "timings": timings,
        "models": len(plan["steps"]),
        "mart_tables": marts,
        "check_figures": {"order_lines_net_amount": float(net or 0)},
    }
