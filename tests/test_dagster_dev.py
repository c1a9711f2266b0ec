"""`dagster dev` loads the code location from workspace.yaml with no errors and the full asset graph."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ingestion.contract import CONTRACT

REPO = Path(__file__).resolve().parents[1]

QUERY = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError { __typename ... on PythonError { message } }
      }
    }
  }
  assetNodes { assetKey { path } groupName }
}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]


def test_dagster_dev_loads_workspace_with_full_asset_graph(tmp_path):
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "SALESOPS_WAREHOUSE": str(tmp_path / "wh.duckdb")}
    dagster = Path(sys.executable).parent / "dagster"
    proc = subprocess.Popen(
        [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # A process started from a background job can inherit ignored SIGINT/SIGTERM: restore them.
        preexec_fn=lambda: (
            signal.signal(signal.SIGINT, signal.SIG_DFL),
            signal.signal(signal.SIGTERM, signal.SIG_DFL),
        ),
        start_new_session=True,
    )
    try:
        data = None
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"dagster dev exited: {proc.stdout.read().decode()[-3000:]}")
            try:
                data = _graphql(port)
            except OSError:
                time.sleep(2)
                continue
            entries = data["workspaceOrError"]["locationEntries"]
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                break
            time.sleep(2)
        assert data is not None, "dagster dev never answered"
        (entry,) = data["workspaceOrError"]["locationEntries"]
        assert entry["name"] == "salesops"
        assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
        keys = {"/".join(n["assetKey"]["path"]) for n in data["assetNodes"]}
        groups = {n["groupName"] for n in data["assetNodes"]}
        assert {f"raw/{cf.name}" for cf in CONTRACT} <= keys
        assert {f"staging/stg_{cf.source}__{cf.name}" for cf in CONTRACT} <= keys
        assert {"core/fct_orders", "core/dim_account", "marts/mart_kpi_daily"} <= keys
        assert {"raw", "staging", "core", "marts"} <= groups
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
