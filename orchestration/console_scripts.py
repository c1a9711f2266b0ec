"""The console scripts ``pyproject.toml`` installs. Each runs its command in a process that ends without the
interpreter's teardown (orchestration/process_exit.py), and imports the command only after that is set up:
the exit must come after the ``atexit`` handlers of everything the command imports (DuckDB's, dbt-duckdb's)."""

from __future__ import annotations

from typing import NoReturn

from orchestration.process_exit import run_and_exit


def _salesops() -> int:
    from orchestration.cli import main

    return main()


def _salesops_dbt() -> None:
    from orchestration.dbt_entry import main

    main()


def salesops() -> NoReturn:
    """``salesops``: orchestration/cli.py."""
    run_and_exit(_salesops)


def salesops_dbt() -> NoReturn:
    """``salesops-dbt``, the dbt executable the Dagster dbt asset runs: orchestration/dbt_entry.py."""
    run_and_exit(_salesops_dbt)
