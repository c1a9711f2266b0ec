"""One dbt data test of each kind: what a portability build on a second engine runs instead of every test.

Most of the project's data tests are generic tests whose only arguments are names and literal values:
``not_null`` on a column, ``unique``, ``relationships`` to another model's key, ``accepted_values``. Their SQL
is the same on every column but for those names, so whether it runs on another engine is known after one of
them has run there. Such a test is of one kind with every other test of the same macro, the same argument
names, the same declared data type of its column, the same materialization of its model and the same types of
literal values; ``--data-tests each-kind`` runs the first of each kind (by unique id) and leaves the others
out. Every other data test runs: a singular test, and a generic test that carries SQL of its own (an
expression, a where clause, a comparison query, a fail_calc) or tests an expression rather than a column.

Whether the rows on the second engine pass those tests is what the row-by-row comparison of every mart and
core table (engines/mart_diff.py) answers, not the tests left out."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Which data tests a build on a second engine runs: every one (what a user's build there checks), or one of each
# kind (what a check that the project's SQL runs there needs).
ALL_DATA_TESTS = "all"
EACH_KIND = "each-kind"
DATA_TEST_CHOICES = (ALL_DATA_TESTS, EACH_KIND)
# Arguments that hold only names (columns, a model) or literal values, never SQL of their own.
NAME_OR_LITERAL_ARGUMENTS = frozenset(
    {"model", "column_name", "combination_of_columns", "field", "to", "values", "quote"}
)
# dbt's default; any other fail_calc is SQL.
DEFAULT_FAIL_CALC = "count(*)"
_IDENTIFIER = re.compile(r"^\w+$")


@dataclass(frozen=True)
class DataTestSelection:
    run: list[str]  # unique ids of the data tests that run
    left_out: list[str]  # unique ids of the data tests left out: another test of their kind runs


def kind_of_test(test: Mapping[str, Any], nodes: Mapping[str, Mapping[str, Any]]) -> tuple | None:
    """The kind of a data test whose SQL differs from its kind's only by names, or None: the test is its own
    kind (a singular test, or a generic test with SQL among its arguments or config)."""
    metadata = test.get("test_metadata")
    if not metadata:
        return None
    arguments = metadata.get("kwargs", {})
    config = test.get("config", {})
    if set(arguments) - NAME_OR_LITERAL_ARGUMENTS or config.get("where"):
        return None
    if (config.get("fail_calc") or DEFAULT_FAIL_CALC) != DEFAULT_FAIL_CALC:
        return None
    column = arguments.get("column_name")
    if column is not None and not _IDENTIFIER.match(str(column)):
        return None
    model = nodes.get(test.get("attached_node") or "", {})
    data_type = (model.get("columns", {}).get(column) or {}).get("data_type") if column else None
    values = arguments.get("values") or []
    return (
        metadata.get("namespace"),
        metadata["name"],
        tuple(sorted(name for name in arguments if name not in ("model", "column_name"))),
        (data_type or "").lower(),
        model.get("config", {}).get("materialized"),
        model.get("resource_type"),
        tuple(sorted({type(value).__name__ for value in values})),
        arguments.get("quote"),
    )


def one_test_of_each_kind(manifest: Mapping[str, Any]) -> DataTestSelection:
    """The enabled data tests of a dbt manifest, split into those a portability build runs (every test that is
    its own kind, and the first test of each other kind) and those it leaves out."""
    nodes = manifest["nodes"]
    run: list[str] = []
    left_out: list[str] = []
    seen: set[tuple] = set()
    for unique_id in sorted(nodes):
        node = nodes[unique_id]
        if node.get("resource_type") != "test":
            continue
        kind = kind_of_test(node, nodes)
        if kind is None or kind not in seen:
            run.append(unique_id)
            if kind is not None:
                seen.add(kind)
        else:
            left_out.append(unique_id)
    return DataTestSelection(run, left_out)
