#!/usr/bin/env bash
# Apache Superset's own venv (default .venv-superset in the checkout; or $1): Superset 6.1 needs
# SQLAlchemy 1.4, the project's venv has Dagster's 2.1. Exact versions come from constraints-superset.txt.
# Does nothing when the venv already has Superset.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv-superset}"
if [ -x "$venv/bin/superset" ]; then
    exit 0
fi
python3 -m venv "$venv"
# [duckdb] brings duckdb-engine and a DuckDB 1.x (reads the serving file's v1.0.0 storage). Superset 6.1
# imports rich and cachetools without declaring them; flask-caching is held at 2.3.1 by the constraints.
"$venv/bin/python" -m pip install -q -c constraints-superset.txt "apache-superset[duckdb]==6.1.0" \
    rich cachetools flask-caching
