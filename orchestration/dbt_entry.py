"""``salesops-dbt``: dbt's own command line, except that ``--version`` answers from the installed package.

dagster-dbt asks its dbt executable for the version before every invocation (``dbt --version``). dbt answers
by importing all of itself and asking pypi.org for the latest release (a one-second timeout, and a name
lookup before it that no timeout bounds): 1.6 s of every pipeline run on 2 cores, and a network call from
every scheduled run. Only that exact call is answered here (``-v`` and ``--version`` with other arguments go
to dbt); every other command is dbt's, run exactly as its own ``dbt`` script runs it."""

from __future__ import annotations

import sys
from importlib.metadata import version


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        # The shape of dbt's own first lines: "Core:" then "  - installed: <version>".
        print(f"Core:\n  - installed: {version('dbt-core')}")
        return
    from dbt.cli.main import cli

    sys.exit(cli())


if __name__ == "__main__":
    main()
