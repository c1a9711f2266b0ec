"""The dbt project as Dagster sees it: one cached DbtProject, its manifest prepared on demand."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR

_SOURCE_FOLDERS = ("models", "macros", "seeds", "tests", "snapshots")


def manifest_is_stale(project_dir: Path, manifest: Path) -> bool:
    """True when the manifest is missing or older than any file of the dbt project."""
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in _SOURCE_FOLDERS:
        sources.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    return any(p.stat().st_mtime > built for p in sources if p.exists())


def put_venv_on_path() -> None:
    """dagster-dbt looks for `dbt` on PATH; a venv used without activation has it beside python."""
    venv_bin = str(Path(sys.executable).parent)
    if (Path(venv_bin) / "dbt").exists() and venv_bin not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = venv_bin + os.pathsep + os.environ.get("PATH", "")


@cache
def salesops_dbt_project() -> DbtProject:
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    put_venv_on_path()
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    # `dagster dev` re-parses on every load; elsewhere (demo, tests, a deployment) parse when the
    # manifest is missing or older than the project, so nobody has to remember `dbt parse`.
    if project.preparer.using_dagster_dev() or manifest_is_stale(DBT_PROJECT_DIR, project.manifest_path):
        project.preparer.prepare(project)
    return project
