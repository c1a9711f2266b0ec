"""The dbt project as Dagster sees it: one cached DbtProject, its manifest prepared on demand."""

from __future__ import annotations

import os
from functools import cache

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR


@cache
def salesops_dbt_project() -> DbtProject:
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    # `dagster dev` re-parses on every load; elsewhere (demo, tests, a deployment) parse once when
    # no manifest exists yet, so loading the definitions never needs a manual `dbt parse`.
    project.prepare_if_dev()
    if not project.manifest_path.exists():
        project.preparer.prepare(project)
    return project
