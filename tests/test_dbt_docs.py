"""The dbt docs site (orchestration/dbt_docs.py): generated from a built warehouse, refused for an unbuilt one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt_docs import SITE_FILES, STATIC_SITE_FILE, WarehouseNotBuiltError, generate_docs
from orchestration.settings import load_settings


@pytest.fixture(scope="module")
def docs_site(docs_warehouse: Path) -> Path:
    return generate_docs(load_settings().with_paths(warehouse=docs_warehouse))


def test_docs_site_sits_beside_the_warehouse(docs_site: Path, docs_warehouse: Path):
    assert docs_site == docs_warehouse.parent / "dbt_docs"
    assert {p.name for p in docs_site.iterdir()} == {*SITE_FILES, STATIC_SITE_FILE}


def test_catalog_lists_every_mart_with_the_warehouse_columns(docs_site: Path, docs_warehouse: Path):
    manifest = json.loads((docs_site / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((docs_site / "catalog.json").read_text(encoding="utf-8"))
    marts = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model" and n["schema"] == "marts"}
    assert len(marts) > 10
    assert set(marts) <= set(catalog["nodes"])
    con = duckdb.connect(str(docs_warehouse), read_only=True)
    try:
        for uid, node in marts.items():
            columns = con.execute(
                "select lower(column_name) from information_schema.columns where table_schema = ? and table_name = ?",
                [node["schema"], node["alias"] or node["name"]],
            ).fetchall()
            assert {c.lower() for c in catalog["nodes"][uid]["columns"]} == {c for (c,) in columns}, uid
    finally:
        con.close()


def test_missing_warehouse_is_refused_and_not_created(tmp_path: Path):
    warehouse = tmp_path / "salesops.duckdb"
    with pytest.raises(WarehouseNotBuiltError, match=re.escape(f"warehouse {warehouse} does not exist")):
        generate_docs(load_settings().with_paths(warehouse=warehouse))
    assert not warehouse.exists()


def test_warehouse_without_models_is_refused(tmp_path: Path):
    """An empty file, then one holding a loaded raw table but no model: refused before dbt runs (no target
    folder was made beside the warehouse)."""
    warehouse = tmp_path / "salesops.duckdb"
    duckdb.connect(str(warehouse)).close()
    refused = re.escape(f"warehouse {warehouse} holds none of the dbt models")
    with pytest.raises(WarehouseNotBuiltError, match=refused):
        generate_docs(load_settings().with_paths(warehouse=warehouse))
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw; create table raw.orders (order_id varchar)")
    with pytest.raises(WarehouseNotBuiltError, match=refused):
        generate_docs(load_settings().with_paths(warehouse=warehouse))
    assert {p.name for p in tmp_path.iterdir()} == {warehouse.name}
