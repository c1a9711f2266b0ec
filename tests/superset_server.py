"""A throwaway Apache Superset for the tests marked ``superset``: its own venv, SQLite metadata in a temp
folder, one admin, served on a free loopback port.

Superset 6.1 needs SQLAlchemy 1.4 and Dagster 2.1, so Superset runs from its own venv
(``$SALESOPS_SUPERSET_VENV``, default ``.venv-superset`` in the checkout, made by
``bi/make-superset-venv.sh``) as a subprocess; the tests talk to it over HTTP. Its setup (schema
migration, admin, roles: about a minute or two) runs in a background thread so it overlaps the demo
pipeline build."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
SUPERSET_VENV = Path(os.environ.get("SALESOPS_SUPERSET_VENV") or REPO_ROOT / ".venv-superset")
MAKE_VENV = "bash bi/make-superset-venv.sh"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin-test-only"
SETUP_TIMEOUT_S = 600
STOP_TIMEOUT_S = 20

# CSRF protection stays on (Superset's default): the provisioning client must fetch and send the token.
# Content-Security-Policy (Talisman) is for a public deployment, not a server on 127.0.0.1 for one test.
CONFIG = """\
SECRET_KEY = "salesops-superset-test-only-key"
SQLALCHEMY_DATABASE_URI = "sqlite:///{metadata}"
TALISMAN_ENABLED = False
FEATURE_FLAGS = {{}}
"""


def superset_executable() -> Path:
    """The ``superset`` command of the Superset venv, or an AssertionError that says how to make it."""
    exe = SUPERSET_VENV / "bin" / "superset"
    assert exe.is_file(), (
        f"no Superset venv at {SUPERSET_VENV} (tests marked superset need one): in the checkout, run "
        f"`{MAKE_VENV} {SUPERSET_VENV}` (or set SALESOPS_SUPERSET_VENV to a venv that has Superset)"
    )
    return exe


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _default_signals() -> None:
    # A process started from a background job can inherit ignored SIGINT/SIGTERM and then never stop.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class SupersetServer:
    """Sets up and starts Superset in a background thread; ``wait_ready`` joins it, ``stop`` ends it."""

    def __init__(self, home: Path) -> None:
        self.exe = superset_executable()
        self.home = home
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = home / "superset.log"
        self.process: subprocess.Popen | None = None  # the setup step running, then the server
        self.serving = False
        self.error: str | None = None
        self._lock = threading.Lock()
        self._stopping = False
        config = home / "superset_config.py"
        config.write_text(CONFIG.format(metadata=home / "superset.db"), encoding="utf-8")
        # The Superset venv must not import the checkout's code (PYTHONPATH) nor the main venv's packages.
        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
        self.env = env | {"SUPERSET_CONFIG_PATH": str(config), "SUPERSET_HOME": str(home), "FLASK_APP": "superset"}
        self._thread = threading.Thread(target=self._setup_and_start, daemon=True)
        self._thread.start()

    def _spawn(self, *args: str) -> subprocess.Popen:
        """Start ``superset ARGS`` in its own process group (so ``stop`` can end it and its children)."""
        with self.log.open("a", encoding="utf-8") as log:
            log.write(f"\n$ superset {' '.join(args)}\n")
            log.flush()
            with self._lock:
                assert not self._stopping, "Superset was stopped during its setup"
                self.process = subprocess.Popen(
                    [str(self.exe), *args],
                    env=self.env,
                    cwd=self.home,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=_default_signals,
                )
        return self.process

    def _setup_and_start(self) -> None:
        admin = ["--username", ADMIN_USER, "--password", ADMIN_PASSWORD, "--firstname", "Sales", "--lastname", "Ops"]
        # `init` gives the Admin role its permissions on Superset's views and APIs.
        steps = [["db", "upgrade"], ["fab", "create-admin", *admin, "--email", "admin@salesops.invalid"], ["init"]]
        try:
            for step in steps:
                returncode = self._spawn(*step).wait(SETUP_TIMEOUT_S)
                if returncode != 0:
                    raise RuntimeError(f"superset {' '.join(step[:2])} exited {returncode}")
            self._spawn("run", "-h", "127.0.0.1", "-p", str(self.port), "--with-threads")
            self.serving = True
        except Exception as exc:  # reported by wait_ready, in the test's thread
            self.error = f"{type(exc).__name__}: {exc}"

    def _log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:] if self.log.exists() else ""

    def wait_ready(self, timeout_s: float = SETUP_TIMEOUT_S) -> None:
        """Block until ``/health`` answers OK; AssertionError with the server's log otherwise."""
        deadline = time.monotonic() + timeout_s
        self._thread.join(timeout_s)
        assert self.serving, f"Superset setup failed: {self.error or 'still running'}\n{self._log_tail()}"
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"Superset exited {self.process.returncode}:\n{self._log_tail()}"
            try:
                if requests.get(f"{self.base_url}/health", timeout=5).text == "OK":
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        raise AssertionError(f"Superset did not answer /health within {timeout_s:.0f}s:\n{self._log_tail()}")

    def stop(self) -> None:
        """End whatever runs (a setup step or the server) and keep the setup thread from starting more."""
        with self._lock:
            self._stopping = True
            process = self.process
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(STOP_TIMEOUT_S)
        self._thread.join(STOP_TIMEOUT_S)
