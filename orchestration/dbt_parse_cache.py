"""dbt's parse state kept between runs, one file per set of vars and connection settings.

dbt parses the whole project again (about 10 s) unless the target folder it is given holds a
``partial_parse.msgpack`` saved under the same command-line vars and the same profile connection values
(the DuckDB file's path among them). dagster-dbt seeds a run only from a state left in the project's target
folder, which the manifest's ``dbt parse`` does not leave there (orchestration/dbt_project.py: it keeps its
state here instead), and every test or script run uses a fresh target folder, so both would parse in full
every time. Each run therefore starts from the state saved by the last run with the same key and saves its
own back. dbt checks the state itself (project files, vars, profile, its own version): a stale file costs a
full parse, never a wrong manifest."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR

PARTIAL_PARSE_FILE = "partial_parse.msgpack"
CACHE_DIR = DBT_PROJECT_DIR / "target" / "partial_parse"


def state_key(args: Sequence[str], profile_warehouse: str) -> list[str]:
    """What a dbt invocation's parse state depends on beyond the project's files: the values of its ``--vars``
    and the warehouse path its profile renders (the command and its other flags do not change the manifest)."""
    return [*(args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--vars"), profile_warehouse]


def cache_file(key: Sequence[str]) -> Path:
    """Where the parse state of dbt runs identified by ``key`` (their vars, the database file) is kept."""
    digest = hashlib.sha256(json.dumps(list(key)).encode()).hexdigest()[:16]
    return CACHE_DIR / f"{digest}.msgpack"


def restore(cached: Path, target_path: Path) -> None:
    """Put the saved parse state into a target folder that has none yet."""
    state = Path(target_path) / PARTIAL_PARSE_FILE
    if cached.exists() and not state.exists():
        state.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, state)


def save(target_path: Path, cached: Path) -> None:
    """Keep the parse state a run left in its target folder for the next run with the same key."""
    state = Path(target_path) / PARTIAL_PARSE_FILE
    if not state.exists():
        return
    cached.parent.mkdir(parents=True, exist_ok=True)
    # Copied aside and renamed: a concurrent run (another test worker) never reads half a file.
    partial = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
    shutil.copyfile(state, partial)
    os.replace(partial, cached)
