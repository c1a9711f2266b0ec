"""The dbt selection of a run of some of the dbt assets and checks (orchestration/dbt_subset.py): exactly the
nodes selected, written as the shorter of their list and their resource types minus what is left out.

The selection rules are checked on a hand-made manifest with hand-written arguments; the real manifest for
the property that makes a full name select one node only; dbt itself, in a run of every check again
(``salesops check``), for what it runs of those arguments."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import dagster as dg
import pytest
from conftest import dbt_target_of

from orchestration.assets.dbt import build_nodes, salesops_dbt_assets
from orchestration.dbt_project import dbt_manifest
from orchestration.dbt_subset import BUILT_TYPES, dbt_nodes, subset_args
from orchestration.jobs import CHECK_JOB_NAME
from orchestration.pipeline import run_job
from orchestration.settings import load_settings

EMPTY = ["--indirect-selection", "empty"]


def _node(kind: str, *fqn: str) -> dict:
    return {"resource_type": kind, "name": fqn[-1], "fqn": ["p", *fqn]}


# Two models, a seed, three tests of checks on them, one test of a macro (no check), a unit test, a hook.
MANIFEST = {
    "nodes": {
        "model.p.a": _node("model", "core", "a"),
        "model.p.b": _node("model", "marts", "b"),
        "seed.p.s": _node("seed", "s"),
        "test.p.not_null_a_x": _node("test", "core", "not_null_a_x"),
        "test.p.unique_a_id": _node("test", "core", "unique_a_id"),
        "test.p.not_null_b_y": _node("test", "marts", "not_null_b_y"),
        "test.p.assert_macro": _node("test", "core", "assert_macro"),
        "unit_test.p.b.u": _node("unit_test", "marts", "u"),
        "operation.p.hook": _node("operation", "hooks", "hook"),
    }
}
A, B, S = dg.AssetKey(["core", "a"]), dg.AssetKey(["marts", "b"]), dg.AssetKey(["seeds", "s"])
A_X, A_ID = dg.AssetCheckKey(A, "not_null_a_x"), dg.AssetCheckKey(A, "unique_a_id")
B_Y = dg.AssetCheckKey(B, "not_null_b_y")
ASSETS, CHECKS = {A, B, S}, {A_X, A_ID, B_Y}
KEY_OF = {"a": A, "b": B, "s": S}


def _args(assets: set, checks: set) -> list[str]:
    return subset_args(dbt_nodes(MANIFEST, lambda node: KEY_OF[node["name"]]), assets, checks, ASSETS, CHECKS)


def test_the_whole_build_passes_no_selection():
    assert _args(ASSETS, CHECKS) == []


def test_every_check_alone_is_every_test_but_the_one_of_no_check():
    assert _args(set(), CHECKS) == [*EMPTY, "--select", "resource_type:test", "--exclude", "p.core.assert_macro"]


def test_a_few_nodes_are_listed_by_their_full_names():
    assert _args({B}, {B_Y}) == [*EMPTY, "--select", "p.marts.b p.marts.not_null_b_y"]
    assert _args({B}, set()) == [*EMPTY, "--select", "p.marts.b"]
    assert _args(set(), {A_ID}) == [*EMPTY, "--select", "p.core.unique_a_id"]


def test_nearly_everything_is_its_types_minus_what_is_left_out():
    assert _args(ASSETS, {A_X, B_Y}) == [
        *EMPTY,
        "--select",
        "resource_type:model resource_type:seed resource_type:test",
        "--exclude",
        "p.core.assert_macro p.core.unique_a_id",
    ]
    assert _args({A, B}, set()) == [*EMPTY, "--select", "resource_type:model"]


def test_a_run_of_nothing_is_refused():
    with pytest.raises(ValueError, match="nothing selected"):
        _args(set(), set())


def test_every_dbt_asset_and_check_has_a_node_and_a_full_name_selects_that_node_alone():
    """dbt's fqn method selects every node whose full name starts with the selector's parts: a full name
    selects its node alone as long as no full name is the beginning of another one. (A model's unit tests
    are named under it, and are left out of every build: ``--exclude-resource-type unit_test``.) A check is
    found by its test's name, so no two tests share one."""
    nodes = build_nodes()
    assert set(salesops_dbt_assets.keys) <= set(nodes.asset_nodes)
    assert {key.name for key in salesops_dbt_assets.check_keys} <= set(nodes.test_nodes)
    tests = [n["name"] for n in dbt_manifest()["nodes"].values() if n["resource_type"] == "test"]
    assert len(tests) == len(set(tests)) == len(nodes.test_nodes)
    names = [tuple(n["fqn"]) for n in dbt_manifest()["nodes"].values() if n["resource_type"] in BUILT_TYPES]
    assert len(set(names)) == len(names) == len(nodes.node_types)
    prefixes = {name[:i] for name in names for i in range(1, len(name))}
    assert not prefixes & set(names)


@pytest.mark.e2e
def test_every_check_again_runs_every_checks_test_once_without_a_copy_of_the_project(
    fixture_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """``salesops check``: dbt runs the test of every dbt check, no model and no test that is no check, and
    nothing copies the dbt project into a temporary folder (dagster-dbt's own selection did, ~440 MB a run)."""
    warehouse = tmp_path / "salesops.duckdb"
    shutil.copy(fixture_build, warehouse)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    run = run_job(CHECK_JOB_NAME, load_settings().with_paths(warehouse=warehouse), raise_on_error=False)

    assert run.success, run.failed_checks
    assert not run.result.get_asset_materialization_events()
    declared = {(spec.asset_key, spec.name) for spec in salesops_dbt_assets.check_specs}
    evaluated = {(e.asset_key, e.check_name) for e in run.result.get_asset_check_evaluations()}
    assert declared <= evaluated and len(declared) > 600
    manifest = dbt_manifest()["nodes"]
    results = json.loads((dbt_target_of(run) / "run_results.json").read_text(encoding="utf-8"))["results"]
    ran = [manifest[r["unique_id"]]["name"] for r in results if not r["unique_id"].startswith("operation.")]
    assert sorted(ran) == sorted(name for _, name in declared)
    assert not list(scratch.rglob("dbt_project.yml"))
