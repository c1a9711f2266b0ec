"""The dbt manifest as the code location reads it (orchestration/dbt_project.py)."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from orchestration.dbt_project import (
    dbt_manifest,
    manifest_is_stale,
    manifest_lock,
    read_manifest,
    salesops_dbt_project,
)


def test_a_manifest_being_written_is_read_only_once_complete(tmp_path: Path):
    # A writer (dagster dev parsing again on load) holds the lock while dbt writes the file in pieces.
    manifest = tmp_path / "manifest.json"
    complete = {"nodes": {f"model.salesops.m{i}": {"name": f"m{i}"} for i in range(1000)}}
    text = json.dumps(complete)
    read: list[dict] = []
    with manifest_lock(manifest):
        manifest.write_text(text[: len(text) // 2])
        reader = threading.Thread(target=lambda: read.append(read_manifest(manifest)))
        reader.start()
        time.sleep(0.3)
        assert read == []  # still waiting for the lock, not reading half a file
        manifest.write_text(text)
    reader.join(timeout=30)
    assert read == [complete]


def test_the_assets_read_the_projects_manifest():
    expected = json.loads(Path(salesops_dbt_project().manifest_path).read_text())
    assert dbt_manifest()["metadata"]["project_name"] == expected["metadata"]["project_name"] == "salesops"
    assert dbt_manifest()["nodes"].keys() == expected["nodes"].keys()


def test_the_manifests_parse_state_is_kept_for_the_builds_and_not_where_dagster_dbt_reads_it():
    from orchestration import dbt_parse_cache
    from orchestration.assets.dbt import DbtBuildConfig, dbt_build_args, parse_state_key
    from orchestration.dbt_project import dbt_executable, prepare_manifest
    from orchestration.settings import dbt_profile_warehouse

    project = salesops_dbt_project()
    build_key = parse_state_key(dbt_build_args(DbtBuildConfig(), {}, dbt_profile_warehouse()), dbt_executable())
    cached = dbt_parse_cache.cache_file(build_key)
    before = time.time()
    with manifest_lock(Path(project.manifest_path)):
        prepare_manifest(project)
    # A build with no vars starts from the state this parse saved...
    assert cached.exists() and cached.stat().st_mtime >= before - 1
    # ...and the target folder holds none for dagster-dbt's adapter handle to read before every invocation.
    assert not (Path(project.project_dir) / project.target_path / dbt_parse_cache.PARTIAL_PARSE_FILE).exists()
    assert read_manifest(Path(project.manifest_path))["metadata"]["project_name"] == "salesops"


def test_a_manifest_is_stale_once_a_project_file_is_added_changed_or_deleted(tmp_path: Path):
    """A deleted test or model leaves no newer file behind: its folder's time says so (the manifest declared
    a check that no longer existed)."""
    project = tmp_path / "project"
    (project / "tests" / "intermediate").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: p\n")
    check = project / "tests" / "intermediate" / "assert_x.sql"
    check.write_text("select 1 where false\n")
    manifest = tmp_path / "manifest.json"
    assert manifest_is_stale(project, manifest)

    def parsed_now() -> None:
        manifest.write_text("{}")
        later = max(p.stat().st_mtime for p in [project, *project.rglob("*")]) + 10
        os.utime(manifest, (later, later))

    parsed_now()
    assert not manifest_is_stale(project, manifest)
    check.unlink()
    os.utime(check.parent, (manifest.stat().st_mtime + 5,) * 2)  # what the deletion does to the folder's time
    assert manifest_is_stale(project, manifest)
    parsed_now()
    check.write_text("select 2 where false\n")
    os.utime(check, (manifest.stat().st_mtime + 5,) * 2)
    assert manifest_is_stale(project, manifest)
