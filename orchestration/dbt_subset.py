"""The dbt selection that builds exactly the dbt assets, and runs exactly the tests of the checks, one Dagster run
selected.

dagster-dbt computes such a selection itself, but past 200 names it copies the whole dbt project, target folders
included (~440 MB here), into a temporary folder it never removes, to write a selector file there; dbt then
resolves the 652 names one by one. A run of every check (``salesops check``, ``publish``) took that path on every
call. Here a selection is written either as its nodes or, when that is shorter, as their resource types minus
what is left out: a run of every check is ``--select resource_type:test`` minus the two tests that are no check.
"""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg

# What ``dbt build`` builds or runs; unit tests are left to the test suite (orchestration/dbt_project.py).
BUILT_TYPES = ("model", "seed", "snapshot", "test")


@dataclass(frozen=True)
class DbtNodes:
    """The manifest's built nodes, each by its fully qualified name as a dbt selector (``salesops.core.dim_date``).
    A full name selects its node alone: dbt's fqn method also matches longer names it is a prefix of, and
    the project has no folder named like a node beside it (``tests/test_dbt_subset.py`` checks); a model's
    unit tests are named under it, and every build leaves unit tests out (``WITHOUT_UNIT_TESTS``)."""

    asset_nodes: Mapping[dg.AssetKey, str]  # model, seed or snapshot of each asset key
    test_nodes: Mapping[str, str]  # data test of each name; a dbt check is named after its test (dagster-dbt)
    node_types: Mapping[str, str]  # resource type of every built node


def dbt_nodes(manifest: Mapping[str, Any], asset_key_of: Callable[[Mapping[str, Any]], dg.AssetKey]) -> DbtNodes:
    """The built nodes of ``manifest``; ``asset_key_of`` is the translator's ``get_asset_key``."""
    built = [node for node in manifest["nodes"].values() if node["resource_type"] in BUILT_TYPES]
    return DbtNodes(
        asset_nodes={asset_key_of(node): _selector(node) for node in built if node["resource_type"] != "test"},
        test_nodes={node["name"]: _selector(node) for node in built if node["resource_type"] == "test"},
        node_types={_selector(node): node["resource_type"] for node in built},
    )


def subset_args(
    nodes: DbtNodes,
    assets: Collection[dg.AssetKey],
    checks: Collection[dg.AssetCheckKey],
    every_asset: Collection[dg.AssetKey],
    every_check: Collection[dg.AssetCheckKey],
) -> list[str]:
    """dbt's selection arguments for a run of ``assets`` and ``checks`` out of ``every_asset`` and
    ``every_check``: none for the whole build (dbt's default then also runs the tests that are no check: tests
    of macros), else exactly these nodes with dbt's indirect selection off. dbt's default (eager) would also
    run every test reading a selected model: tests of models left out, failing on their tables when those were
    not rebuilt."""
    if set(assets) == set(every_asset) and set(checks) == set(every_check):
        return []
    chosen = {nodes.asset_nodes[key] for key in assets} | {nodes.test_nodes[key.name] for key in checks}
    if not chosen:
        raise ValueError("nothing selected: a run selects at least one dbt asset or check")
    types = sorted({nodes.node_types[node] for node in chosen})
    left_out = sorted(node for node, kind in nodes.node_types.items() if kind in types and node not in chosen)
    if len(left_out) < len(chosen):
        selection = ["--select", " ".join(f"resource_type:{kind}" for kind in types)]
        selection += ["--exclude", " ".join(left_out)] if left_out else []
    else:
        selection = ["--select", " ".join(sorted(chosen))]
    return ["--indirect-selection", "empty", *selection]


def _selector(node: Mapping[str, Any]) -> str:
    return ".".join(node["fqn"])
