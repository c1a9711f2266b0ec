"""The dbt docs site of a built warehouse: every model's description, columns, tests and lineage.

``generate_docs`` runs ``dbt docs generate`` against the settings' warehouse; dbt reads the catalog
(tables, columns, types) from the file itself, so the warehouse must have been built first. The site is
one folder: ``index.html`` with ``manifest.json`` and ``catalog.json`` beside it (what ``serve_docs``
serves), plus ``static_index.html``, the same site with both embedded, which a browser opens as a plain
file without a server."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb

from orchestration.dbt_project import dbt_manifest
from orchestration.pipeline import run_dbt
from orchestration.settings import DBT_DOCS_PORT, Settings

SITE_FILES = ("index.html", "manifest.json", "catalog.json")
STATIC_SITE_FILE = "static_index.html"


class WarehouseNotBuiltError(RuntimeError):
    """The warehouse holds none of the dbt models: the docs would describe tables that do not exist."""


def _not_built(warehouse: Path, why: str) -> WarehouseNotBuiltError:
    return WarehouseNotBuiltError(
        f"cannot generate the dbt docs: warehouse {warehouse} {why}; build it first (salesops run or salesops demo)"
    )


def generate_docs(settings: Settings) -> Path:
    """Write the dbt docs site of ``settings.warehouse`` into ``settings.dbt_docs`` and return that folder.

    Raises WarehouseNotBuiltError naming the warehouse when the file does not exist (dbt would create an
    empty one) or holds none of the project's models."""
    warehouse = settings.warehouse
    if not warehouse.is_file():
        raise _not_built(warehouse, "does not exist")
    # Asked of the file before dbt starts: dbt would parse, open the warehouse and read its catalog first
    # (~10 s) to describe tables that are not there.
    if not holds_a_model(warehouse, dbt_manifest()):
        raise _not_built(warehouse, "holds none of the dbt models")
    args = ["docs", "generate", "--static"]
    if settings.dbt_vars:
        # The same vars the build had, so the compiled SQL in the docs is the SQL that built the tables.
        args += ["--vars", json.dumps(settings.dbt_vars, sort_keys=True)]
    folder = settings.dbt_docs
    # dbt's target folder also holds compiled SQL, run results and parse state: only the site is kept.
    with tempfile.TemporaryDirectory(prefix="dbt_docs_target_", dir=warehouse.parent) as target:
        run_dbt(args, warehouse, target_path=Path(target))
        folder.mkdir(parents=True, exist_ok=True)
        for name in (*SITE_FILES, STATIC_SITE_FILE):
            shutil.copyfile(Path(target) / name, folder / name)
    return folder


def model_ids(manifest: dict) -> list[str]:
    """The unique ids of the project's models in a dbt manifest."""
    return [uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"]


def holds_a_model(warehouse: Path, manifest: dict) -> bool:
    """Whether the DuckDB file holds a table or view of at least one of the manifest's models."""
    nodes = manifest["nodes"]
    relations = {(nodes[uid]["schema"], nodes[uid]["alias"] or nodes[uid]["name"]) for uid in model_ids(manifest)}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        found = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    finally:
        con.close()
    return not relations.isdisjoint(found)


def docs_server(folder: Path, host: str = "127.0.0.1", port: int = DBT_DOCS_PORT) -> ThreadingHTTPServer:
    """An HTTP server for the docs site in ``folder``, bound but not yet serving (port 0: any free port)."""
    folder = Path(folder)
    missing = [name for name in SITE_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder} is not a dbt docs site (no {', '.join(missing)}): generate the docs first")
    # index.html fetches manifest.json and catalog.json from its own folder: serving that folder is enough.
    handler = partial(SimpleHTTPRequestHandler, directory=str(folder))
    return ThreadingHTTPServer((host, port), handler)


def serve_docs(folder: Path, host: str = "127.0.0.1", port: int = DBT_DOCS_PORT) -> None:
    """Serve the docs site in ``folder`` on http://host:port/ until interrupted (loopback unless told)."""
    # Ctrl-C is how a user stops it: a normal return, not a traceback.
    with docs_server(folder, host, port) as server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
