"""How a BI tool connects to the serving file: one SQLAlchemy URL and one set of engine arguments.

Read-only because each publish replaces ``serving.duckdb`` with ``os.replace`` (orchestration/assets/
publish.py): a read-write holder would lock the file and block the publish's verification and every
other reader, while read-only readers coexist. A connection keeps reading the file it opened, so BI
tools should open one per query (Superset does: NullPool) to see each new publish."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# duckdb-engine passes connect_args to duckdb.connect(path, read_only=True).
READ_ONLY_CONNECT_ARGS: dict[str, Any] = {"read_only": True}


def serving_url(serving: Path) -> str:
    """The SQLAlchemy URL (duckdb-engine) of a serving file: always an absolute path, since a BI server's
    working directory is not the checkout."""
    return f"duckdb:///{Path(serving).resolve()}"


def engine_params() -> dict[str, Any]:
    """Keyword arguments for ``sqlalchemy.create_engine`` (Superset: the database's ``engine_params``)."""
    return {"connect_args": dict(READ_ONLY_CONNECT_ARGS)}
