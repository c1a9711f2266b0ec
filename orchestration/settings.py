"""Where things live. Every path can be overridden by an environment variable, so the same
definitions serve the demo, the tests (temporary folders) and a production deployment."""

from __future__ import annotations

import os
from pathlib import Path

from ingestion.warehouse import WAREHOUSE_ENV

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

LANDING_ENV = "SALESOPS_LANDING"
SERVING_ENV = "SALESOPS_SERVING"


def landing_root() -> Path:
    return Path(os.environ.get(LANDING_ENV, REPO_ROOT / "data" / "landing")).resolve()


def warehouse_file() -> Path:
    return Path(os.environ.get(WAREHOUSE_ENV, REPO_ROOT / "warehouse" / "salesops.duckdb")).resolve()
