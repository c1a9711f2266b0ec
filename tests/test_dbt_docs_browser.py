"""The dbt docs site in headless Chromium: a mart's page shows its description (with the Chinese term) and the
columns the warehouse table has, both served by ``serve_docs``'s server and opened as the static file."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from browser import artifact_path, chromium_page

from orchestration.dbt_docs import STATIC_SITE_FILE, docs_server, generate_docs
from orchestration.settings import load_settings

pytestmark = pytest.mark.browser

MART = "mart_win_rate"
# The metric's Chinese term, as domain.md names it and the model's YAML description carries it.
TERM = "赢单率"
PAGE = f"#!/model/model.salesops.{MART}"


@pytest.fixture(scope="module")
def docs_site(docs_warehouse: Path) -> Path:
    return generate_docs(load_settings().with_paths(warehouse=docs_warehouse))


@pytest.fixture(scope="module")
def mart_columns(docs_warehouse: Path) -> list[str]:
    """The mart's columns as the warehouse has them (not as dbt's catalog reports them)."""
    con = duckdb.connect(str(docs_warehouse), read_only=True)
    try:
        rows = con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?",
            [MART],
        ).fetchall()
    finally:
        con.close()
    assert len(rows) > 5
    return [name for (name,) in rows]


@pytest.fixture(scope="module")
def docs_url(docs_site: Path) -> Iterator[str]:
    server = docs_server(docs_site, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _check_mart_page(url: str, columns: list[str], screenshot: str) -> None:
    # Tall enough that the screenshot shows every column of the mart, not only the first few.
    with chromium_page(height=2400) as (page, errors):
        failed: list[str] = []
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
        page.goto(url)
        page.get_by_text(TERM, exact=False).first.wait_for(timeout=60_000)
        page.get_by_role("heading", name=MART).first.wait_for()
        body = page.inner_text("body")
        page.screenshot(path=artifact_path(screenshot))
        missing = [c for c in columns if c not in body]
        assert not missing, f"columns not shown on the {MART} page: {missing}"
        assert "Win rate (赢单率)" in body
        assert errors.exceptions == []
        # dbt's page asks for its favicon and icons through template expressions it never fills in
        # (".../${require('./assets/favicons/favicon.ico')}", ".../{{ getIcon(item.type, 'on') }}"): those
        # loads fail (and, from a file, are reported as unsafe), and only those.
        assert [u for u in failed if "%7B" not in u] == []
        unexpected = [m for m in errors.console if not (m.startswith("Failed to load resource") or "%7B%7B" in m)]
        assert unexpected == []


def test_served_docs_show_the_mart_description_and_columns(docs_url: str, mart_columns: list[str]):
    _check_mart_page(docs_url + PAGE, mart_columns, "dbt_docs_mart_win_rate.png")


def test_static_docs_file_opens_without_a_server(docs_site: Path, mart_columns: list[str]):
    _check_mart_page((docs_site / STATIC_SITE_FILE).as_uri() + PAGE, mart_columns, "dbt_docs_static_mart_win_rate.png")
