"""The dbt project as Dagster sees it: one cached DbtProject, its manifest prepared on demand."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource, DbtProject
from filelock import FileLock

from orchestration import dbt_parse_cache
from orchestration.settings import DBT_PROJECT_DIR, dbt_profile_warehouse

_SOURCE_FOLDERS = ("models", "macros", "seeds", "tests", "snapshots")

# dbt unit tests check model logic on fixed, hand-written inputs, not the data a run loads: they belong to
# the test suite (tests/test_dbt_unit_tests.py runs every one), not to each build, where they cost about
# a quarter of dbt's execution time. dbt's own guidance is to exclude them from production builds.
WITHOUT_UNIT_TESTS = ("--exclude-resource-type", "unit_test")


def manifest_is_stale(project_dir: Path, manifest: Path) -> bool:
    """True when the manifest is missing or older than any file or folder of the dbt project. A folder's time
    is that of its last added, removed or renamed entry: a model or test deleted since the parse leaves no
    file to be newer, and the manifest would go on declaring it."""
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in _SOURCE_FOLDERS:
        sources.append(project_dir / folder)
        sources.extend((project_dir / folder).rglob("*"))
    return any(p.stat().st_mtime > built for p in sources if p.exists())


def dbt_executable() -> str:
    """dbt from this interpreter's environment, so a venv works without being activated: the project's
    ``salesops-dbt`` (orchestration/dbt_entry.py: dbt, with a ``--version`` that stays off the network)
    when installed, else dbt's own script."""
    bin_dir = Path(sys.executable).parent
    for name in ("salesops-dbt", "dbt"):
        if (bin_dir / name).exists():
            return str(bin_dir / name)
    return "dbt"


@cache
def salesops_dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    # `dagster dev` re-parses on every load; elsewhere (demo, tests, a deployment) parse when the
    # manifest is missing or older than the project, so nobody has to remember `dbt parse`. Under a lock:
    # two processes loading the code at once (test workers, a sensor and a run) would otherwise both
    # write manifest.json and one could read the other's half-written file.
    manifest = Path(project.manifest_path)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with manifest_lock(manifest):
        if project.preparer.using_dagster_dev() or manifest_is_stale(DBT_PROJECT_DIR, manifest):
            prepare_manifest(project)
    return project


def manifest_lock(manifest: Path) -> FileLock:
    """The lock a manifest file is written and read under, by every process of the checkout."""
    return FileLock(Path(manifest).parent / "manifest.lock")


def read_manifest(manifest: Path) -> dict[str, Any]:
    """A manifest file, parsed. Read under its lock: another process may be writing it (``dagster dev`` parses
    again on every load), and dbt does not write it in one step."""
    with manifest_lock(manifest):
        return json.loads(Path(manifest).read_text())


@cache
def dbt_manifest() -> dict[str, Any]:
    """The parsed manifest of the dbt project the assets are built from, read once per process."""
    return read_manifest(Path(salesops_dbt_project().manifest_path))


def prepare_manifest(project: DbtProject) -> None:
    """``dbt parse`` with the dbt of this environment (dagster-dbt's own preparer looks for dbt on PATH,
    which an unactivated venv does not put there).

    Its parse state is kept in the parse cache (orchestration/dbt_parse_cache.py), under the key of a build
    with no vars, and not left in the project's target folder: before every dbt invocation dagster-dbt opens
    an adapter handle that reads that folder's ``partial_parse.msgpack`` (4 MB) and never uses it, 0.25-0.4 s
    of every run. The builds start from the cache anyway."""
    target = Path(project.project_dir) / project.target_path
    cached = dbt_parse_cache.cache_file(dbt_parse_cache.state_key([], str(dbt_profile_warehouse())))
    dbt_parse_cache.restore(cached, target)
    dbt = DbtCliResource(project_dir=project, dbt_executable=dbt_executable())
    dbt.cli(["parse", "--quiet"], target_path=project.target_path).wait()
    dbt_parse_cache.save(target, cached)
    (target / dbt_parse_cache.PARTIAL_PARSE_FILE).unlink(missing_ok=True)
