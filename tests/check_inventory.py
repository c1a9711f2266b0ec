"""The checks a dbt build on the default (DuckDB) target makes, as sorted lines (tests/fixtures/dbt_checks.txt).

A data test is listed under its dbt name with its severity, and its ``where`` filter when it has one. A
``not_null`` constraint of an enforced contract on a table is a check as well (DuckDB rejects the row while it
builds the model; dbt applies no constraints to a view): it is listed as the ``not_null`` data test dbt would
name for that column, so a ``not_null`` test moved into a contract leaves the list as it was. dbt's unit tests
are not checks of the data and are not listed.

After adding or removing checks on purpose, write the list again::

    .venv/bin/python tests/check_inventory.py > tests/fixtures/dbt_checks.txt
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

LIST_FILE = Path(__file__).resolve().parent / "fixtures" / "dbt_checks.txt"
# The materializations dbt creates with the contract's constraints.
CONSTRAINED_MATERIALIZATIONS = ("table", "incremental")


def _line(name: str, severity: str, where: str | None = None) -> str:
    fields = [name, severity.lower()]
    if where:
        fields.append("where " + re.sub(r"\s+", " ", where).strip())
    return "\t".join(fields)


def enforces_constraints(model: dict[str, Any]) -> bool:
    """Whether dbt builds ``model`` with its contract's constraints."""
    config = model["config"]
    return bool(config.get("contract", {}).get("enforced")) and config["materialized"] in CONSTRAINED_MATERIALIZATIONS


def not_null_constrained_columns(model: dict[str, Any]) -> list[str]:
    """The columns of a manifest's ``model`` node that declare a not_null constraint."""
    return [
        column["name"]
        for column in model["columns"].values()
        if any(c["type"] == "not_null" for c in column.get("constraints", []))
    ]


def dbt_checks(manifest: dict[str, Any]) -> list[str]:
    """Every check of ``manifest``: its enabled data tests and its enforced not_null contract constraints."""
    lines = []
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test":
            lines.append(_line(node["name"], node["config"]["severity"], node["config"].get("where")))
        elif node["resource_type"] == "model" and enforces_constraints(node):
            lines += [_line(f"not_null_{node['name']}_{name}", "error") for name in not_null_constrained_columns(node)]
    return sorted(lines)


def listed_checks() -> list[str]:
    """The committed list."""
    return [line for line in LIST_FILE.read_text(encoding="utf-8").splitlines() if line]


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from orchestration.dbt_project import dbt_manifest

    print("\n".join(dbt_checks(dbt_manifest())))
