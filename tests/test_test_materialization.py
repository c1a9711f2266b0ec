"""The project's test materialization on DuckDB is dbt-core's, less the transaction around a test's query
(dbt_project/macros/materializations/test_without_transaction.sql)."""

from __future__ import annotations

from pathlib import Path

import dbt.include.global_project

REPO_ROOT = Path(__file__).resolve().parents[1]
OURS = REPO_ROOT / "dbt_project" / "macros" / "materializations" / "test_without_transaction.sql"
DBT_CORE = Path(dbt.include.global_project.__file__).parent / "macros" / "materializations" / "tests" / "test.sql"

# The two lines that differ, dbt-core's first.
CHANGES = {
    "{%- materialization test, default -%}": "{%- materialization test, adapter='duckdb' -%}",
    "  {% call statement('main', fetch_result=True) -%}": (
        "  {% call statement('main', fetch_result=True, auto_begin=False) -%}"
    ),
}


def _without_leading_comment(text: str) -> str:
    assert text.startswith("{#-"), "the file starts with the comment that says why it exists"
    return text[text.index("-#}") + len("-#}") :].lstrip("\n")


def test_it_is_dbt_cores_test_materialization_with_only_the_transaction_left_out():
    core_lines = DBT_CORE.read_text().splitlines()
    for line in CHANGES:
        assert core_lines.count(line) == 1, f"dbt-core's test materialization changed: {line!r} is not there once"
    expected = [CHANGES.get(line, line) for line in core_lines]
    assert _without_leading_comment(OURS.read_text()).splitlines() == expected, (
        f"{OURS.name} is not dbt-core's {DBT_CORE} with the two lines of CHANGES: copy it again from there"
    )


def test_the_project_registers_it_for_duckdb_beside_dbt_cores_default():
    # dbt ranks an adapter's materialization above the default one, and the root project's above dbt-core's.
    from orchestration.dbt_project import dbt_manifest

    macros = dbt_manifest()["macros"]
    assert macros["macro.salesops.materialization_test_duckdb"]["original_file_path"] == str(
        OURS.relative_to(REPO_ROOT / "dbt_project")
    )
    assert "macro.dbt.materialization_test_default" in macros
