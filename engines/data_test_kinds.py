"""One dbt data test of each kind: what a portability build on a second engine runs instead of every test.

Most of the project's data tests are generic tests whose only arguments are names and literal values:
``not_null`` on a column, ``unique``, ``relationships`` to another model's key, ``accepted_values``. Their SQL
is the same on every column but for those names and values (tests/test_data_test_kinds.py compares the
compiled SQL), so whether it runs on another engine is known after one of them has run there. Such a test is
of one kind with every other test of the same macro, the same argument names, the same declared data type of
its column, the same materialization of its model and the same types of literal values; ``--data-tests
each-kind`` runs the first of each kind (by unique id) and leaves the others out. Every other data test
runs: a singular test, and a generic test with SQL of its own (an expression, a where clause, a comparison
query, a fail_calc, a column that is an expression, unquoted text values, a non-default config that changes
its SQL).

Whether the second engine's rows would pass the tests left out is what the row-by-row comparison of every
table dbt builds answers (engines/engine_diff.py)."""

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
NAME_ARGUMENTS = frozenset({"column_name", "field"})
NAMES_ARGUMENTS = frozenset({"combination_of_columns"})
LITERAL_ARGUMENTS = frozenset({"model", "to", "values", "quote"})
# Test configs with their dbt defaults: any other value changes the test's SQL or what dbt does with it.
DEFAULT_CONFIG = {"fail_calc": "count(*)", "warn_if": "!= 0", "error_if": "!= 0"}
UNSET_CONFIGS = ("where", "limit", "sql_header", "store_failures", "store_failures_as")
# Values that are literals of their own when not quoted; any other unquoted value is SQL.
UNQUOTED_LITERALS = frozenset({"int", "float", "bool"})
_NAME = re.compile(r"^\w+$")

# (macro namespace, macro, argument names, declared column type, materialization, resource type, value types,
# quote): tests of one kind compile to the same SQL but for names and literal values.
Kind = tuple[str | None, str, tuple[str, ...], str, str | None, str | None, tuple[str, ...], bool | None]


@dataclass(frozen=True)
class DataTestSelection:
    run: list[str]  # unique ids of the data tests that run
    left_out: list[str]  # unique ids of the data tests left out: another test of their kind runs
    chosen: dict[str, str]  # unique id of each test left out -> the test of its kind that runs


def kind_of_test(test: Mapping[str, Any], nodes: Mapping[str, Mapping[str, Any]]) -> Kind | None:
    """The kind of a data test whose SQL differs from its kind's only by names and literal values, or None: the
    test is its own kind (a singular test, or a generic test with SQL among its arguments or config)."""
    metadata = test.get("test_metadata")
    if not metadata:
        return None
    arguments = metadata.get("kwargs", {})
    config = test.get("config", {})
    if set(arguments) - NAME_ARGUMENTS - NAMES_ARGUMENTS - LITERAL_ARGUMENTS:
        return None
    if any(config.get(key) is not None for key in UNSET_CONFIGS):
        return None
    if any((config.get(key) or default) != default for key, default in DEFAULT_CONFIG.items()):
        return None
    names = [arguments[key] for key in NAME_ARGUMENTS if key in arguments]
    for key in NAMES_ARGUMENTS & set(arguments):
        if not isinstance(arguments[key], list):
            return None
        names += arguments[key]
    if not all(isinstance(name, str) and _NAME.match(name) for name in names):
        return None
    values = arguments.get("values") or []
    # A Jinja expression (a macro that lists the values) is kept as a string in the manifest.
    value_types = tuple(sorted({type(v).__name__ for v in values})) if isinstance(values, list) else ("template",)
    quote = arguments.get("quote")
    if quote not in (None, True, False) or (quote is False and not UNQUOTED_LITERALS.issuperset(value_types)):
        return None  # unquoted text is SQL
    column = arguments.get("column_name")
    model = nodes.get(test.get("attached_node") or "", {})
    data_type = (model.get("columns", {}).get(column) or {}).get("data_type") if column else None
    return (
        metadata.get("namespace"),
        metadata["name"],
        tuple(sorted(name for name in arguments if name not in ("model", "column_name"))),
        (data_type or "").lower(),
        model.get("config", {}).get("materialized"),
        model.get("resource_type"),
        value_types,
        arguments.get("quote"),
    )


def one_test_of_each_kind(manifest: Mapping[str, Any]) -> DataTestSelection:
    """The enabled data tests of a dbt manifest, split into those a portability build runs (every test that is
    its own kind, and the first test of each other kind) and those it leaves out."""
    nodes = manifest["nodes"]
    run: list[str] = []
    chosen: dict[str, str] = {}
    first_of: dict[Kind, str] = {}
    # dbt's fqn selector matches a prefix: a test whose whole name begins another node's could not be left
    # out alone, so it runs.
    beginnings = {tuple(fqn[:end]) for fqn in _every_fqn(manifest) for end in range(1, len(fqn))}
    for unique_id in sorted(nodes):
        node = nodes[unique_id]
        if node.get("resource_type") != "test":
            continue
        kind = kind_of_test(node, nodes) if tuple(node["fqn"]) not in beginnings else None
        if kind is not None and kind in first_of:
            chosen[unique_id] = first_of[kind]
            continue
        run.append(unique_id)
        if kind is not None:
            first_of[kind] = unique_id
    return DataTestSelection(run, sorted(chosen), chosen)


def exact_selector(node: Mapping[str, Any]) -> str:
    """A dbt selector for a test left out: its whole fully qualified name. dbt matches it against the start of
    every node's (a bare name would be matched against folder names too); a test left out begins no other
    node's (one_test_of_each_kind), so it selects that test alone."""
    return "fqn:" + ".".join(node["fqn"])


def _every_fqn(manifest: Mapping[str, Any]) -> list[list[str]]:
    """The fully qualified names of every resource dbt's selectors can select."""
    kinds = ("nodes", "sources", "exposures", "metrics", "semantic_models", "saved_queries", "unit_tests")
    return [resource["fqn"] for kind in kinds for resource in (manifest.get(kind) or {}).values() if "fqn" in resource]
