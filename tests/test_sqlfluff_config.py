"""The SQL lint config keeps the portability rules of stack-notes.md on (docs/sql-style.md); .ci/run lints
the dbt project with it. Reads the file only: linting itself compiles the whole dbt project (minutes)."""

from __future__ import annotations

import configparser
from pathlib import Path

SQLFLUFF_CONFIG = Path(__file__).resolve().parents[1] / ".sqlfluff"


def _config() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    assert parser.read(SQLFLUFF_CONFIG, encoding="utf-8"), f"{SQLFLUFF_CONFIG} is missing"
    return parser


def _rules(config: configparser.ConfigParser) -> set[str]:
    return {code.strip() for code in config["sqlfluff"]["rules"].split(",")}


def test_lints_through_dbt_with_the_duckdb_dialect() -> None:
    config = _config()
    assert config["sqlfluff"]["templater"] == "dbt"
    assert config["sqlfluff"]["dialect"] == "duckdb"
    assert config["sqlfluff:templater:dbt"]["project_dir"] == "dbt_project"


def test_portability_rules_are_on() -> None:
    config = _config()
    # cast() not `::`, no USING joins, join conditions in ON, no implicit cross joins, no quoted identifiers.
    assert {"CV11", "ST07", "CV12", "AM08", "RF06"} <= _rules(config)
    assert config["sqlfluff:rules:convention.casting_style"]["preferred_type_casting_style"] == "cast"
    assert config["sqlfluff:rules:references.quoting"]["prefer_quoted_identifiers"] == "False"


def test_no_rule_that_reorders_or_restructures_columns() -> None:
    # Mart contracts are enforced on column order: ST06 would move columns; the bundles would bring it in.
    rules = _rules(_config())
    assert not rules & {"ST06", "structure.column_order", "all", "core", "structure"}
