"""Writes the dbt side of the input contract from ``ingestion/contract.py``.

    python -m ingestion.contract_codegen           # (re)write the generated files
    python -m ingestion.contract_codegen --check   # exit 1 naming every stale file, write nothing

The generated files are committed, so dbt runs without Python; ``--check`` (run by the test suite) fails
when one no longer matches the contract. Output depends only on the contract, so it is byte-stable.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from string import Template

from ingestion.contract import (
    AUDIT_SOURCE_DOC,
    AUDIT_TABLE_DOCS,
    COLUMN_DOCS,
    CONTRACT,
    DECIMAL_PRECISION,
    DECIMAL_SCALE,
    META_COLUMN_DOCS,
    RAW_SOURCE_DOC,
    VOCABULARIES,
    VOCABULARY_LABELS_ZH,
    Column,
    ColumnType,
    ContractFile,
)

REPO = Path(__file__).resolve().parents[1]
COMMAND = "python -m ingestion.contract_codegen"
SOURCES_YML = Path("dbt_project/models/staging/_sources.yml")
VOCABULARIES_MACRO = Path("dbt_project/macros/generated/contract_vocabularies.sql")
# dbt reads docs blocks from every resource path when the project sets no docs-paths (macros/ included).
VOCABULARIES_DOCS = Path("dbt_project/macros/generated/contract_vocabularies.md")
FILES_MACRO = Path("dbt_project/macros/generated/contract_files.sql")
RECONCILIATION_TESTS = Path("dbt_project/tests/quality")
RECONCILIATION_TEST_GLOB = "assert_raw_reconciles_to_stg_*.sql"


def _header(opening: str, closing: str = "") -> str:
    return f"{opening} generated from ingestion/contract.py by `{COMMAND}`; do not edit.{closing}\n"


def _q(value: object) -> str:
    """A JSON scalar or list is valid YAML and valid Jinja, and escapes quotes the same way every time."""
    return json.dumps(value, ensure_ascii=False)


def staging_model(cf: ContractFile) -> str:
    return f"stg_{cf.source}__{cf.name}"


def column_description(column: Column) -> str:
    try:
        doc = COLUMN_DOCS[column.name]
    except KeyError:
        raise KeyError(f"column {column.name!r} has no description in COLUMN_DOCS (ingestion/contract.py)") from None
    return f"{doc} Required." if column.required else doc


def table_description(cf: ContractFile) -> str:
    return (
        f"{cf.description} Loaded from <landing>/{cf.relative_path} (and dated drops); every column text, as received."
    )


# ---------------------------------------------------------------- sources


def _columns_yml(columns: Iterable[tuple[str, str]]) -> list[str]:
    lines = ["        columns:"]
    for name, description in columns:
        lines += [f"          - name: {name}", f"            description: {_q(description)}"]
    return lines


def _table_yml(name: str, description: str) -> list[str]:
    return [
        f"      - name: {name}",
        f"        description: {_q(description)}",
        "        meta:",
        "          dagster:",
        f"            asset_key: {_q(['raw', name])}",
    ]


def render_sources_yml() -> str:
    lines = ["version: 2", "", "sources:", "  - name: raw", "    schema: raw", f"    description: {_q(RAW_SOURCE_DOC)}"]
    lines.append("    tables:")
    for cf in CONTRACT:
        lines += _table_yml(cf.name, table_description(cf))
        contract_columns = [(c.name, column_description(c)) for c in cf.columns]
        lines += _columns_yml(contract_columns + list(META_COLUMN_DOCS.items()))
    lines += ["  - name: audit", "    schema: audit", f"    description: {_q(AUDIT_SOURCE_DOC)}", "    tables:"]
    for name, description in AUDIT_TABLE_DOCS.items():
        lines += _table_yml(name, description)
    return _header("#") + "\n".join(lines) + "\n"


# ---------------------------------------------------------------- vocabularies


def _labels(name: str) -> dict[str, str]:
    labels = VOCABULARY_LABELS_ZH[name]
    if tuple(labels) != VOCABULARIES[name]:
        raise ValueError(f"labels of {name!r} must name every value of the vocabulary, in its order")
    return labels


def render_vocabularies_macro() -> str:
    entries = ",\n".join(f"        {_q(name)}: {_q(list(values))}" for name, values in VOCABULARIES.items())
    label_entries = ",\n".join(f"        {_q(name)}: {_q(_labels(name))}" for name in VOCABULARY_LABELS_ZH)
    return (
        _header("{#", " #}")
        + """{#- The contract's vocabularies, for accepted_values tests and SQL:
    values: "{{ contract_values('channel_type') }}"
    values: "{{ contract_values('channel_type', extra=['unknown']) }}"   (a derived column adds a value)
    values: "{{ contract_values('order_status', exclude=['cancelled']) }}" (a model filtered some out)
    A test argument must be this one macro call: dbt parses test arguments without running the macros they
    call, so an expression such as contract_values(...) + [...] fails to parse. -#}
{% macro contract_vocabularies() -%}
    {{ return({
"""
        + entries
        + """
    }) }}
{%- endmacro %}


{% macro contract_values(name, extra=[], exclude=[]) -%}
    {%- set vocabularies = contract_vocabularies() -%}
    {%- if name not in vocabularies -%}
        {{ exceptions.raise_compiler_error('contract_values: no contract vocabulary ' ~ name) }}
    {%- endif -%}
    {{ return(vocabularies[name] | reject('in', exclude) | list + extra) }}
{%- endmacro %}


{#- Chinese labels of a vocabulary's values, for a label column:
    {{ contract_label_case('channel_type', 'channel_type', extra={'unknown': '未知'}) }} as channel_type_zh
    is a case expression mapping each value of the column to its label (extra adds values the model
    derives); any other value gives null. -#}
{% macro contract_vocabulary_labels() -%}
    {{ return({
"""
        + label_entries
        + """
    }) }}
{%- endmacro %}


{% macro contract_label_case(name, column, extra={}) -%}
    {%- set labels = contract_vocabulary_labels() -%}
    {%- if name not in labels -%}
        {{ exceptions.raise_compiler_error('contract_label_case: no labels for contract vocabulary ' ~ name) }}
    {%- endif -%}
    case {{ column }}
    {%- for value, label in labels[name].items() | list + extra.items() | list %}
        when '{{ value | replace("'", "''") }}' then '{{ label | replace("'", "''") }}'
    {%- endfor %}
    end
{%- endmacro %}
"""
    )


# ---------------------------------------------------------------- docs blocks


def _inline_code(values: Iterable[str]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def render_vocabularies_docs() -> str:
    """One docs block per vocabulary (and per labelled vocabulary), for column descriptions:
    ``description: "Channel type: {{ doc('contract_channel_type') }}."``"""
    blocks = [
        f"{{% docs contract_{name} %}}{_inline_code(values)}{{% enddocs %}}" for name, values in VOCABULARIES.items()
    ]
    for name in VOCABULARY_LABELS_ZH:
        labelled = ", ".join(f"`{value}` {label}" for value, label in _labels(name).items())
        blocks.append(f"{{% docs contract_{name}_zh %}}{labelled}{{% enddocs %}}")
    return _header("{#", " #}") + "\n".join(blocks) + "\n"


# ---------------------------------------------------------------- reconciliation


def staged_key_type(column: Column) -> str:
    """How staging casts a key part, so the reconciliation counts the distinct keys staging would keep."""
    if column.name == "currency":
        return "upper"  # staging upper-cases every currency code: 'cny' and 'CNY' are one key
    return {ColumnType.INTEGER: "int", ColumnType.DATE: "date", ColumnType.TIMESTAMP: "timestamp"}.get(
        column.type, "text"
    )


def _file_entry(cf: ContractFile) -> str:
    key = ", ".join(f"({_q(name)}, {_q(staged_key_type(cf.column(name)))})" for name in cf.primary_key)
    return f'        {{"table": {_q(cf.name)}, "model": {_q(staging_model(cf))}, "key": [{key}]}}'


def render_files_macro() -> str:
    entries = ",\n".join(_file_entry(cf) for cf in CONTRACT)
    return (
        _header("{#", " #}")
        + """{#- The contract files with their staging model and primary key (each key part with the cast staging
    applies to it), for the raw-to-staging reconciliation (macros/quality/reconciliation.sql). -#}
{% macro contract_files() -%}
    {{ return([
"""
        + entries
        + """
    ]) }}
{%- endmacro %}

{#- The type staging casts a contract decimal column to (macros/casts.sql decimal_col); the loader quarantines
    a value too large for it (ingestion/row_rules.py). -#}
{% macro contract_decimal_type() -%}
    {{ return(api.Column.numeric_type("numeric", """
        + f"{DECIMAL_PRECISION}, {DECIMAL_SCALE}"
        + """)) }}
{%- endmacro %}
"""
    )


_RECONCILIATION_TEST = Template(
    """-- Raw rows of $path = staged + quarantined + superseded (data-contract.md "Promises").
{{ config(severity='error', meta={'dq_rule': 'DQ37', 'dagster': {'ref': {'name': '$model'}}}) }}
{{ quality_reconcile_raw_to_staging('$table') }}
"""
)


def render_reconciliation_test(cf: ContractFile) -> str:
    body = _RECONCILIATION_TEST.substitute(path=cf.relative_path, model=staging_model(cf), table=cf.name)
    return _header("--") + body


# ---------------------------------------------------------------- writing and checking


def generated_files() -> dict[Path, Callable[[], str]]:
    """Every generated file (relative to the repository) and the function that renders it."""
    files: dict[Path, Callable[[], str]] = {
        SOURCES_YML: render_sources_yml,
        VOCABULARIES_MACRO: render_vocabularies_macro,
        VOCABULARIES_DOCS: render_vocabularies_docs,
        FILES_MACRO: render_files_macro,
    }
    for cf in CONTRACT:
        path = RECONCILIATION_TESTS / f"assert_raw_reconciles_to_{staging_model(cf)}.sql"
        files[path] = lambda cf=cf: render_reconciliation_test(cf)
    return files


def _orphans(root: Path, expected: Iterable[Path]) -> list[Path]:
    """Reconciliation tests of files no longer in the contract: left behind, they would fail to compile."""
    present = {p.relative_to(root) for p in (root / RECONCILIATION_TESTS).glob(RECONCILIATION_TEST_GLOB)}
    return sorted(present - set(expected))


def stale_files(root: Path = REPO) -> list[Path]:
    """Generated files whose content differs from what the contract renders, are missing, or are left over."""
    files = generated_files()
    stale = [path for path, render in files.items() if _read(root / path) != render()]
    return stale + _orphans(root, files)


def write_files(root: Path = REPO) -> list[Path]:
    """Rewrites what changed and removes left-over files; returns the paths touched."""
    files = generated_files()
    touched = []
    for path, render in files.items():
        text = render()
        if _read(root / path) != text:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
            touched.append(path)
    for path in _orphans(root, files):
        (root / path).unlink()
        touched.append(path)
    return touched


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is stale; write nothing")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"stale: {path} (run `{COMMAND}`)", file=sys.stderr)
        return 1 if stale else 0
    for path in write_files():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
