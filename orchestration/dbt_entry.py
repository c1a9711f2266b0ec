"""``salesops-dbt``: dbt's own command line, with two differences.

- ``--version`` answers from the installed package. dagster-dbt asks its dbt executable for the version before
  every invocation (``dbt --version``). dbt answers by importing all of itself and asking pypi.org for the
  latest release (a one-second timeout, and a name lookup before it that no timeout bounds): 1.6 s of every
  pipeline run on 2 cores, and a network call from every scheduled run. Only that exact call is answered here
  (``-v`` and ``--version`` with other arguments go to dbt).
- A warehouse given as the var ``salesops_warehouse`` (an absolute path: the Dagster dbt asset passes one when
  the warehouse is not the profile's default) is opened from its own folder: dbt runs there and the var holds
  ``./<file name>``. ``dbt_project/profiles.yml`` then renders the same profile for every warehouse so named,
  and dbt can start from the parse state another warehouse's run saved (orchestration/dbt_parse_cache.py): a
  partial parse (~1.6 s) instead of a full one (~8 s) the first time a folder is built. dbt opens the same file
  either way.
  Only when dbt's project, profiles, target and log folders come as absolute paths in the environment (as
  dagster-dbt passes them) and not as flags: nothing else the project's DuckDB builds read depends on the
  working folder then (``--state``, ``source freshness -o`` and the spark target's default folder would).

Every other command is dbt's, run exactly as its own ``dbt`` script runs it."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import NamedTuple


class DbtInvocation(NamedTuple):
    """What dbt runs: its arguments, the folder it runs in (None: where it was started) and the warehouse
    path its profile renders when that comes from the arguments (None: the profile's own)."""

    args: list[str]
    cwd: Path | None = None
    profile_warehouse: str | None = None


def in_warehouse_folder(args: Sequence[str]) -> DbtInvocation:
    """``args`` with the var ``salesops_warehouse`` cut to ``./<file name>``, and the file's folder to run
    in. Unchanged when there is no such var, when it is not an absolute path to a file in an existing folder,
    or when ``--vars`` is not one JSON object (dbt also reads YAML)."""
    from orchestration.settings import PROFILE_WAREHOUSE_VAR

    args = list(args)
    positions = [i for i, arg in enumerate(args[:-1]) if arg == "--vars"]
    if len(positions) != 1:
        return DbtInvocation(args)
    at = positions[0] + 1
    try:
        dbt_vars = json.loads(args[at])
    except ValueError:
        return DbtInvocation(args)
    warehouse = dbt_vars.get(PROFILE_WAREHOUSE_VAR) if isinstance(dbt_vars, dict) else None
    if not isinstance(warehouse, str) or not Path(warehouse).is_absolute() or not Path(warehouse).parent.is_dir():
        return DbtInvocation(args)
    # "./": a bare name could read as something else to dbt's rendering or DuckDB (":memory:", "md:x", "2024").
    relative = f"./{Path(warehouse).name}"
    args[at] = json.dumps({**dbt_vars, PROFILE_WAREHOUSE_VAR: relative}, sort_keys=True)
    return DbtInvocation(args, Path(warehouse).parent, relative)


# The folders dbt would otherwise look up from the working folder (dbt_project.yml, profiles.yml) or write
# below it, by environment variable and by flag.
_FOLDER_ENV = ("DBT_PROJECT_DIR", "DBT_PROFILES_DIR", "DBT_TARGET_PATH", "DBT_LOG_PATH")
_FOLDER_FLAGS = ("--project-dir", "--profiles-dir", "--target-path", "--log-path")


def folders_are_absolute(args: Sequence[str], env: Mapping[str, str]) -> bool:
    """True when dbt's folders come from the environment as absolute paths, none overridden by a flag."""
    flagged = any(arg.split("=")[0] in _FOLDER_FLAGS for arg in args)
    return not flagged and all(Path(env.get(name, "")).is_absolute() for name in _FOLDER_ENV)


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        # The shape of dbt's own first lines: "Core:" then "  - installed: <version>".
        print(f"Core:\n  - installed: {version('dbt-core')}")
        return
    invocation = in_warehouse_folder(sys.argv[1:])
    if invocation.cwd is not None and folders_are_absolute(sys.argv[1:], os.environ):
        os.chdir(invocation.cwd)
        sys.argv[1:] = invocation.args
    from dbt.cli.main import cli

    sys.exit(cli())


if __name__ == "__main__":
    main()
