"""No personal data of customers reaches the serving file unless masking is explicitly switched off (DQ36).

The hand-made landing is built by dbt and published exactly as the publish asset does (every mart and
core dimension). The personal columns are the ones tagged ``meta: {pii: true}`` in the dbt YAML, read
from the manifest; their raw values are read from the landing CSV files with the csv module (not the
loader), and every text column of every table in the serving file is searched for them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from conftest import SMALL_LANDING, build_fixture_warehouse

from orchestration.dbt_project import WITHOUT_UNIT_TESTS

MASK_PII_ENV = "SALESOPS_MASK_PII"
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class PiiColumn:
    schema: str
    table: str
    column: str
    where: dict[str, str]  # only rows with these values are personal data (meta pii_where)


@dataclass(frozen=True)
class Published:
    serving: Path
    pii_columns: list[PiiColumn]


def _publish(root: Path, mask_setting: str | None, built: Path | None = None) -> Published:
    """Build the fixture landing with the user's setting as the Dagster asset passes it, then publish.
    ``built``: a warehouse the session already built from the fixture landing with no vars at all, used
    when the setting adds none either (the build would be the same)."""
    from orchestration import settings
    from orchestration.assets.dbt import DbtBuildConfig, dbt_build_args
    from orchestration.assets.publish import PUBLISHED_DEPS, publish_to_serving

    with pytest.MonkeyPatch.context() as mp:
        for setting in settings.SETTINGS:
            mp.delenv(setting.env, raising=False)
        mp.delenv(settings.CONFIG_ENV, raising=False)
        mp.chdir(root)  # no ./salesops.toml
        if mask_setting is not None:
            mp.setenv(MASK_PII_ENV, mask_setting)
        args = dbt_build_args(DbtBuildConfig(), settings.dbt_vars(), settings.DEFAULT_WAREHOUSE)
    if built is not None and args == ["build", *WITHOUT_UNIT_TESTS]:
        warehouse = built
    else:
        warehouse = root / "salesops.duckdb"
        build_fixture_warehouse(SMALL_LANDING, warehouse, dbt_args=args[1:])
    tables = [(k.path[0], k.path[1]) for k in PUBLISHED_DEPS]
    serving = root / "serving.duckdb"
    publish_to_serving(warehouse, serving, tables, run_id=f"pii-{mask_setting}")

    manifest = json.loads((warehouse.parent / "dbt_target" / "manifest.json").read_text(encoding="utf-8"))
    published = {name for _, name in tables}
    pii = [
        PiiColumn(node["schema"], node["name"], column["name"], dict(column["meta"].get("pii_where") or {}))
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"] in published
        for column in node["columns"].values()
        if column.get("meta", {}).get("pii") is True
    ]
    return Published(serving, sorted(pii, key=lambda c: (c.schema, c.table, c.column)))


@pytest.fixture(scope="module")
def masked(tmp_path_factory: pytest.TempPathFactory, fixture_build: Path) -> Published:
    """Nothing set: the default (no vars: the session's build of the fixture landing is that build)."""
    return _publish(tmp_path_factory.mktemp("pii_default"), None, built=fixture_build)


@pytest.fixture(scope="module")
def unmasked(tmp_path_factory: pytest.TempPathFactory) -> Published:
    return _publish(tmp_path_factory.mktemp("pii_off"), "false")


def landing_values(column: PiiColumn) -> set[str]:
    """Raw values of the column in every landing CSV that has it, straight from the files."""
    values: set[str] = set()
    for path in sorted(SMALL_LANDING.rglob("*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if column.column not in row:
                    break
                if any((row.get(k) or "").strip().lower() != v.lower() for k, v in column.where.items()):
                    continue
                value = (row[column.column] or "").strip()
                if value:
                    values.add(value)
    return values


def serving_text_values(serving: Path) -> Iterator[tuple[str, str]]:
    """(schema.table.column, value) for every text value of every table in the serving file."""
    con = duckdb.connect(str(serving), read_only=True)
    try:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type like '%VARCHAR%' order by 1, 2, 3"
        ).fetchall()
        assert columns, "no text column in the serving file"
        for schema, table, column in columns:
            rows = con.execute(
                f'select distinct cast("{column}" as varchar) from "{schema}"."{table}" where "{column}" is not null'
            ).fetchall()
            for (value,) in rows:
                yield f"{schema}.{table}.{column}", value
    finally:
        con.close()


def leaks(published: Published) -> dict[str, set[str]]:
    """Raw personal values found anywhere in the serving file, by where they were found."""
    raw = {v.lower() for c in published.pii_columns for v in landing_values(c)}
    found: dict[str, set[str]] = {}
    for where, value in serving_text_values(published.serving):
        text = value.lower()
        hits = {r for r in raw if r in text}
        if hits:
            found.setdefault(where, set()).update(hits)
    return found


def published_column(published: Published, column: PiiColumn) -> list[str | None]:
    con = duckdb.connect(str(published.serving), read_only=True)
    try:
        where = " and ".join(f"lower(\"{k}\") = '{v.lower()}'" for k, v in column.where.items()) or "true"
        return [
            r[0]
            for r in con.execute(
                f'select "{column.column}" from "{column.schema}"."{column.table}" where {where}'
            ).fetchall()
        ]
    finally:
        con.close()


def test_personal_columns_are_found_in_the_manifest_and_in_the_landing(masked: Published):
    names = {(c.table, c.column) for c in masked.pii_columns}
    assert {
        ("dim_account", "contact_name"),
        ("dim_account", "contact_phone"),
        ("dim_account", "contact_email"),
    } <= names
    for column in masked.pii_columns:
        assert landing_values(column), f"{column}: no raw value in the landing, the scan would prove nothing"


def test_no_raw_personal_value_reaches_the_serving_file(masked: Published):
    assert leaks(masked) == {}


def test_masked_values_are_sha256_tokens_that_keep_distinct_counts(masked: Published):
    for column in masked.pii_columns:
        values = [v for v in published_column(masked, column) if v is not None]
        assert values and all(SHA256_HEX.fullmatch(v) for v in values), f"{column}: {values}"
        assert len(set(values)) == len(landing_values(column)), column
    # The documented rule: hex SHA-256 of the trimmed value (lowercased for e-mails), so BI can match it.
    emails = PiiColumn("core", "dim_account", "contact_email", {})
    expected = {hashlib.sha256(e.lower().encode()).hexdigest() for e in landing_values(emails)}
    assert {v for v in published_column(masked, emails) if v} == expected
    names = PiiColumn("core", "dim_account", "contact_name", {})
    expected = {hashlib.sha256(n.encode()).hexdigest() for n in landing_values(names)}
    assert {v for v in published_column(masked, names) if v} == expected


def test_with_masking_off_the_raw_values_are_published_and_the_scan_finds_them(masked: Published, unmasked):
    assert unmasked.pii_columns == masked.pii_columns
    for column in unmasked.pii_columns:
        assert {v for v in published_column(unmasked, column) if v} == landing_values(column), column
    found = leaks(unmasked)
    assert found, "the scan found nothing although masking was off"
    every_raw = {v.lower() for c in unmasked.pii_columns for v in landing_values(c)}
    assert set().union(*found.values()) == every_raw


def test_masking_changes_values_not_rows(masked: Published, unmasked: Published):
    def counts(serving: Path) -> list[tuple]:
        con = duckdb.connect(str(serving), read_only=True)
        try:
            return con.execute(
                "select table_schema, table_name, row_count from meta.published_tables order by 1, 2"
            ).fetchall()
        finally:
            con.close()

    assert counts(masked.serving) == counts(unmasked.serving)
