"""The dbt project knows which engine it runs on in a few listed places only (docs/deployment.md,
"Engine branches"), and its contracts use type names every adapter understands."""

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
DBT = REPO / "dbt_project"
DOC = (REPO / "docs" / "deployment.md").read_text(encoding="utf-8")
# target.type, an adapter-prefixed macro (spark__x, duckdb__x, postgres__x), a materialization of one adapter
# or a table-format config.
ENGINE_AWARE = re.compile(r"target\.type|\b(?:spark|duckdb|postgres)__\w+|adapter\s*=\s*['\"]|file_format")
# What dbt's type macros translate on every adapter (Column.translate_type): dbt.type_string() is `string`
# on Spark and `text` elsewhere, and so on; `varchar` or `double` would not parse on Spark or PostgreSQL.
PORTABLE_TYPE = re.compile(r"string|integer|bigint|boolean|date|timestamp|decimal\(\d+,\s*\d+\)")


def _project_files() -> list[Path]:
    files = [DBT / "profiles.yml", DBT / "dbt_project.yml"]
    for folder in ("macros", "models", "seeds", "tests", "snapshots"):
        files += sorted(p for p in (DBT / folder).rglob("*") if p.suffix in (".sql", ".yml") and p.is_file())
    return files


def test_every_engine_branch_is_listed_in_the_deployment_doc():
    branching = [p for p in _project_files() if ENGINE_AWARE.search(p.read_text(encoding="utf-8"))]
    assert len(branching) >= 5, branching
    table = DOC[DOC.index("### Engine branches") : DOC.index("### On a cluster")]
    unlisted = [str(p.relative_to(REPO)) for p in branching if p.name not in table]
    assert unlisted == []


def test_contract_types_are_portable_names():
    wrong = []
    for path in (DBT / "models").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            for column in model.get("columns", []):
                data_type = column.get("data_type")
                if data_type is not None and not PORTABLE_TYPE.fullmatch(str(data_type).strip().lower()):
                    wrong.append(f"{path.name}: {model['name']}.{column['name']} {data_type}")
    assert wrong == []
