"""dbt unit tests (``unit_tests:`` blocks beside the models, hand-written inputs and expected rows) run once
per test session, in the whole build of the hand-made scenario (conftest ``fixture_build``); the pipeline's
own builds leave them out (orchestration/dbt_project.py WITHOUT_UNIT_TESTS)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

MODELS = Path(__file__).resolve().parents[1] / "dbt_project" / "models"


def _declared_in_yaml() -> set[tuple[str, str]]:
    """(model, unit test name) of every unit test written in the project's YAML, read without dbt."""
    declared = set()
    for path in MODELS.rglob("*.yml"):
        for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests") or []:
            declared.add((test["model"], test["name"]))
    return declared


def test_every_dbt_unit_test_ran_once_in_the_session_and_passed(fixture_build: Path):
    target = fixture_build.parent / "dbt_target"
    manifest = json.loads((target / "manifest.json").read_text())
    results = json.loads((target / "run_results.json").read_text())["results"]
    by_id = {uid: (node["model"], node["name"]) for uid, node in manifest["unit_tests"].items()}
    ran = {by_id[r["unique_id"]]: r["status"] for r in results if r["unique_id"] in by_id}

    declared = _declared_in_yaml()
    assert len(declared) >= 27
    assert set(ran) == declared, f"not run: {sorted(declared - set(ran))}"
    assert {test: status for test, status in ran.items() if status != "pass"} == {}


def test_the_pipeline_build_leaves_unit_tests_to_the_suite():
    from orchestration.assets.dbt import DbtBuildConfig, dbt_build_args

    args = dbt_build_args(DbtBuildConfig(), {}, Path("/nowhere/else.duckdb"))
    assert args[:3] == ["build", "--exclude-resource-type", "unit_test"]
