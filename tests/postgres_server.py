"""A throwaway PostgreSQL server for the tests marked ``postgres``: a new cluster (``initdb``) in a temp
folder, served on a free port of 127.0.0.1 (``pg_ctl``), with password authentication, stopped and removed
when the test is done.

``initdb`` and ``pg_ctl`` come from Debian's ``postgresql`` package, which installs them under
``/usr/lib/postgresql/<version>/bin`` (not on PATH); a PATH entry wins. PostgreSQL refuses to run as root,
so as root (CI and the dev machines) both run as the ``postgres`` user the package creates, on a folder that
user owns."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dagster_dev import free_port

DEBIAN_PG_ROOT = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"  # the system user Debian's package creates; the server runs as it under root
START_TIMEOUT_S = 60


def pg_program(name: str) -> Path:
    """``initdb`` or ``pg_ctl``: on PATH, else from the newest Debian PostgreSQL; an AssertionError saying
    how to install it otherwise (the tests fail, they do not skip)."""
    found = shutil.which(name)
    if found:
        return Path(found)
    versions = sorted(DEBIAN_PG_ROOT.glob(f"*/bin/{name}"), key=lambda p: int(p.parent.parent.name))
    assert versions, (
        f"{name} not found on PATH nor in {DEBIAN_PG_ROOT}/<version>/bin: the tests marked postgres need a "
        "PostgreSQL server: `apt-get install postgresql` (what .ci/run does)"
    )
    return versions[-1]


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str
    database: str
    data_dir: Path

    def connect(self, database: str | None = None):
        # Imported here: the module is collected by the README's test command, where the extra [postgres]
        # (psycopg2) is not installed; only the tests marked postgres connect.
        import psycopg2

        return psycopg2.connect(
            host=self.host, port=self.port, user=self.user, password=self.password, dbname=database or self.database
        )

    def dagster_env(self) -> dict[str, str]:
        """The variables deploy/dagster-postgres/dagster.yaml reads its connection from."""
        return {
            "DAGSTER_PG_HOST": self.host,
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USER": self.user,
            "DAGSTER_PG_PASSWORD": self.password,
            "DAGSTER_PG_DB": self.database,
        }


def _as_server_user() -> tuple[list[str], tuple[int, int] | None]:
    """The command prefix that runs a program as the server's user, and that user's uid and gid (None
    when this process is not root and runs the server itself)."""
    if os.geteuid() != 0:
        return [], None
    try:
        user = pwd.getpwnam(SERVER_USER)
    except KeyError as exc:
        raise AssertionError(
            f"running as root and there is no {SERVER_USER!r} user to run PostgreSQL as: install Debian's "
            "postgresql package, which creates it"
        ) from exc
    runuser = shutil.which("runuser")  # util-linux, on every Debian
    assert runuser, "running as root and runuser is missing: cannot start PostgreSQL as another user"
    return [runuser, "-u", SERVER_USER, "--"], (user.pw_uid, user.pw_gid)


def _run(prefix: list[str], args: list[str], root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, *args], cwd=root, capture_output=True, text=True, timeout=START_TIMEOUT_S * 2)


@contextmanager
def postgres_server(database: str = "dagster", user: str = "salesops") -> Iterator[PostgresServer]:
    """A new PostgreSQL cluster on 127.0.0.1 holding an empty ``database``; stopped and deleted on exit."""
    initdb, pg_ctl = pg_program("initdb"), pg_program("pg_ctl")
    prefix, owner = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="salesops-pg-"))
    data, log, password_file = root / "data", root / "server.log", root / "password"
    password = "salesops-test-only"
    password_file.write_text(password + "\n")
    if owner:
        for path in (root, password_file):
            os.chown(path, *owner)
    server = PostgresServer("127.0.0.1", free_port(), user, password, database, data)
    started = False
    try:
        init = _run(
            prefix,
            [str(initdb), "-D", str(data), "-U", user, f"--pwfile={password_file}", "--auth=scram-sha-256"]
            + ["--encoding=UTF8", "--no-locale"],
            root,
        )
        assert init.returncode == 0, f"initdb failed:\n{init.stdout[-3000:]}\n{init.stderr[-3000:]}"
        # Unix socket in the cluster's own folder: Debian's /var/run/postgresql may not exist in a container.
        options = f"-h {server.host} -p {server.port} -k {root}"
        start_args = ["-D", str(data), "-l", str(log), "-o", options, "-w", "-t", str(START_TIMEOUT_S), "start"]
        start = _run(prefix, [str(pg_ctl), *start_args], root)
        started = start.returncode == 0
        server_log = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        assert started, f"pg_ctl start failed:\n{start.stdout[-2000:]}\n{start.stderr[-2000:]}\n{server_log}"
        con = server.connect("postgres")
        try:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute(f'create database "{database}"')
        finally:
            con.close()
        yield server
    finally:
        if started:
            stop = _run(prefix, [str(pg_ctl), "-D", str(data), "-m", "fast", "-w", "stop"], root)
            if stop.returncode != 0:
                _run(prefix, [str(pg_ctl), "-D", str(data), "-m", "immediate", "-w", "stop"], root)
        shutil.rmtree(root, ignore_errors=True)
