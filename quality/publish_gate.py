"""The publish gate: did every blocking check of this run pass, by what the run itself recorded?

A run records each check's outcome in ``quality.check_results`` under its run id (quality/results.py):
the great-expectations suites on the raw files, and every dbt test. The gate lists the blocking checks
that must have run (one great-expectations contract suite per raw table, every dbt test of severity
error in the manifest) and looks each one up by its exact key:

- a great-expectations suite by (asset, source): it ran when it recorded any expectation for ``raw.<name>``
  (a table without a landing file records only a warning), and failed when a blocking one failed;
- a dbt test by its unique id (recorded by the on-run-end hook in ``details``).

A check with no result in this run blocks (it was not evaluated, e.g. a run of the publish step alone);
a failed or errored one blocks; a skipped dbt test blocks (the model it tests did not build). A failure
of severity error that no listed check covers blocks too (a test added since the manifest was read).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from quality.results import DBT_SOURCE, GX_SOURCE

_FAILED = ("fail", "error")


@dataclass(frozen=True)
class BlockingCheck:
    label: str  # as a person reads it: raw.orders:gx_contract, marts.mart_x:not_null_mart_x_id
    check_source: str  # GX_SOURCE or DBT_SOURCE
    asset: str  # schema.table the result rows name
    dbt_unique_id: str | None = None  # the exact key of a dbt test


@dataclass(frozen=True)
class _Result:
    asset: str
    check_name: str
    status: str
    severity: str
    check_source: str
    dbt_unique_id: str | None


def raw_suite_checks(tables: Sequence[str], check_name: str) -> list[BlockingCheck]:
    """The blocking great-expectations suite of each raw table."""
    return [BlockingCheck(f"raw.{t}:{check_name}", GX_SOURCE, f"raw.{t}") for t in tables]


def blocking_dbt_tests(manifest: Mapping[str, Any]) -> list[BlockingCheck]:
    """Every enabled dbt data test of severity error in the manifest, keyed by its unique id."""
    nodes: Mapping[str, Any] = manifest["nodes"]
    sources: Mapping[str, Any] = manifest.get("sources", {})
    checks = []
    for unique_id, node in sorted(nodes.items()):
        if node["resource_type"] != "test" or str(node["config"].get("severity", "error")).lower() != "error":
            continue
        if not node["config"].get("enabled", True):
            continue
        tested = (
            _dagster_ref(node, nodes)
            or nodes.get(node.get("attached_node") or "")
            or _first_parent(node, nodes, sources)
        )
        asset = f"{tested['schema']}.{tested.get('alias') or tested['name']}" if tested else "unknown"
        checks.append(BlockingCheck(f"{asset}:{node['name']}", DBT_SOURCE, asset, unique_id))
    return checks


def _dagster_ref(node: Mapping[str, Any], nodes: Mapping[str, Any]) -> Any:
    """The model a singular test names in ``meta.dagster.ref``, as dagster-dbt attaches its check (and the
    on-run-end hook files its result: macros/quality/check_results.sql ``quality_tested_node``)."""
    meta = node.get("config", {}).get("meta") or node.get("meta") or {}
    wanted = ((meta.get("dagster") or {}).get("ref") or {}).get("name")
    if not wanted:
        return None
    tested = ("model", "seed", "snapshot")
    return next((n for n in nodes.values() if n.get("name") == wanted and n["resource_type"] in tested), None)


def _first_parent(node: Mapping[str, Any], nodes: Mapping[str, Any], sources: Mapping[str, Any]) -> Any:
    for parent in node.get("depends_on", {}).get("nodes", []):
        found = nodes.get(parent) or sources.get(parent)
        if found is not None:
            return found
    return None


def _results_of_run(con: duckdb.DuckDBPyConnection, run_id: str) -> list[_Result]:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'quality' and table_name = 'check_results'"
    ).fetchall()[0][0]
    if not exists:
        return []
    rows = con.execute(
        "select asset, check_name, status, severity, check_source, details from quality.check_results where run_id = ?",
        [run_id],
    ).fetchall()
    return [
        _Result(asset, check, status, severity, source, _unique_id(details) if source == DBT_SOURCE else None)
        for asset, check, status, severity, source, details in rows
    ]


def _unique_id(details: str | None) -> str | None:
    return json.loads(details).get("unique_id") if details else None


def gate_failures(con: duckdb.DuckDBPyConnection, run_id: str, expected: Sequence[BlockingCheck]) -> list[str]:
    """Every blocking check of ``expected`` that did not pass in run ``run_id``, and every other failure
    of severity error the run recorded; empty when the run may publish."""
    results = _results_of_run(con, run_id)
    suites: dict[str, list[_Result]] = {}
    tests: dict[str, _Result] = {}
    for r in results:
        if r.check_source == GX_SOURCE:
            suites.setdefault(r.asset, []).append(r)
        elif r.check_source == DBT_SOURCE and r.dbt_unique_id is not None:
            tests[r.dbt_unique_id] = r
    failures: list[str] = []
    covered_suites, covered_tests = set(), set()
    for check in expected:
        if check.check_source == GX_SOURCE:
            covered_suites.add(check.asset)
            failures.extend(_suite_failure(check, suites.get(check.asset, [])))
        else:
            covered_tests.add(check.dbt_unique_id)
            failures.extend(_test_failure(check, tests.get(check.dbt_unique_id or "")))
    failures.extend(
        f"{r.asset}:{r.check_name} (failed in this run; not a listed check)"
        for r in sorted(results, key=lambda r: (r.asset, r.check_name))
        if r.severity == "error"
        and r.status in _FAILED
        and not (r.check_source == GX_SOURCE and r.asset in covered_suites)
        and not (r.check_source == DBT_SOURCE and r.dbt_unique_id in covered_tests)
    )
    return failures


def _suite_failure(check: BlockingCheck, rows: list[_Result]) -> list[str]:
    if not rows:
        return [f"{check.label} (not evaluated in this run)"]
    failed = sorted({r.check_name for r in rows if r.severity == "error" and r.status in _FAILED})
    return [f"{check.label} ({', '.join(failed)})"] if failed else []


def _test_failure(check: BlockingCheck, result: _Result | None) -> list[str]:
    if result is None:
        return [f"{check.label} (not evaluated in this run)"]
    if result.status in _FAILED:
        return [check.label]
    if result.status != "pass":
        return [f"{check.label} ({result.status} in this run)"]
    return []
