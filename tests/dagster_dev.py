"""Starting ``dagster dev`` from a test: the workspace of this checkout on 127.0.0.1 and a free port, with its
own DAGSTER_HOME, stopped (its whole process group) when the test is done."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Loading the code location parses the dbt project; on a busy 2-core machine that has taken 2 minutes.
LOAD_TIMEOUT_S = 180

WORKSPACE_QUERY = """
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str = WORKSPACE_QUERY) -> dict:
    """The ``data`` of a GraphQL query to the webserver on ``port``."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]


@contextmanager
def dagster_dev(home: Path, env: Mapping[str, str] | None = None) -> Iterator[tuple[int, dict]]:
    """``dagster dev`` on workspace.yaml with DAGSTER_HOME=``home`` and ``env`` on top of this process's
    environment; yields its port and the answer to WORKSPACE_QUERY once every code location has loaded."""
    port = free_port()
    dagster = Path(sys.executable).parent / "dagster"
    proc = subprocess.Popen(
        [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO,
        env={**os.environ, **(env or {}), "DAGSTER_HOME": str(home)},
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
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"dagster dev exited: {proc.stdout.read().decode()[-3000:]}")
            try:
                data = graphql(port)
            except OSError:
                time.sleep(2)
                continue
            entries = data["workspaceOrError"]["locationEntries"]
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                break
            time.sleep(2)
        assert data is not None, "dagster dev never answered"
        yield port, data
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
