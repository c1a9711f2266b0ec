"""The checks a dbt build on the default (DuckDB) target makes, as sorted lines (tests/fixtures/dbt_checks.txt).

A data test is listed under its dbt name with its severity, and its ``where`` filter when it has one. The
``not_null`` and ``check`` constraints of an enforced contract on a table are checks as well (DuckDB rejects the
row while it builds the model; dbt applies no constraints to a view). Each is listed as the data test dbt would
name for it: a ``not_null`` constraint as the ``not_null`` test of its column, a ``check`` constraint as the
``expression_is_true`` test of its expression (on its column when it is a column's constraint). So a
``not_null`` or ``expression_is_true`` test moved into a contract leaves the list as it was; an
``accepted_values`` test becomes the line of its ``<column> in (...)`` check. dbt's unit tests are not checks of
the data and are not listed.

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


def check_constraints(model: dict[str, Any]) -> list[tuple[str | None, str]]:
    """The check constraints of a manifest's ``model`` node: (its column, or None for the model's, expression)."""
    checks = [c for c in model.get("constraints", []) if c["type"] == "check"]
    found: list[tuple[str | None, str]] = [(None, c["expression"]) for c in checks]
    for column in model["columns"].values():
        found += [(column["name"], c["expression"]) for c in column.get("constraints", []) if c["type"] == "check"]
    return found


def _test_name(test: str, model: str, *args: str) -> str:
    """The name dbt gives a generic test on ``model`` with these arguments (in the order of their names)."""
    return f"{test}_{model}_" + "__".join(re.sub(r"[^0-9a-zA-Z_]+", "_", arg) for arg in args)


def dbt_checks(manifest: dict[str, Any]) -> list[str]:
    """Every check of ``manifest``: its enabled data tests and the not_null and check constraints of its
    enforced contracts."""
    lines = []
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test":
            lines.append(_line(node["name"], node["config"]["severity"], node["config"].get("where")))
        elif node["resource_type"] == "model" and enforces_constraints(node):
            name = node["name"]
            lines += [_line(_test_name("not_null", name, c), "error") for c in not_null_constrained_columns(node)]
            lines += [
                _line(_test_name("expression_is_true", name, *([column] if column else []), expression), "error")
                for column, expression in check_constraints(node)
            ]
    return sorted(lines)


def listed_checks() -> list[str]:
    """The committed list."""
    return [line for line in LIST_FILE.read_text(encoding="utf-8").splitlines() if line]


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from orchestration.dbt_project import dbt_manifest

    print("\n".join(dbt_checks(dbt_manifest())))
