"""The dbt side of the input contract is generated from ingestion/contract.py and committed."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from ingestion import contract_codegen as codegen
from ingestion.contract import CONTRACT, META_COLUMN_DOCS, VOCABULARIES, VOCABULARY_LABELS_ZH, contract_file

REPO = Path(__file__).resolve().parents[1]


def test_generated_files_are_up_to_date():
    """CI fails here when someone edits the contract without running the generator, or a generated file."""
    done = subprocess.run(
        [sys.executable, "-m", "ingestion.contract_codegen", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def _generated_copy(tmp_path: Path) -> Path:
    codegen.write_files(tmp_path)
    assert codegen.stale_files(tmp_path) == []
    return tmp_path


def test_check_names_an_edited_a_missing_and_a_left_over_file(tmp_path):
    root = _generated_copy(tmp_path)
    edited = root / codegen.SOURCES_YML
    edited.write_text(edited.read_text().replace("cross_border", "crossborder"))
    (root / codegen.VOCABULARIES_MACRO).unlink()
    left_over = codegen.RECONCILIATION_TESTS / "assert_raw_reconciles_to_stg_crm__retired_file.sql"
    shutil.copy(root / codegen.RECONCILIATION_TESTS / "assert_raw_reconciles_to_stg_crm__teams.sql", root / left_over)

    assert codegen.stale_files(root) == [codegen.SOURCES_YML, codegen.VOCABULARIES_MACRO, left_over]
    codegen.write_files(root)
    assert codegen.stale_files(root) == []
    assert not (root / left_over).exists()


def test_output_is_deterministic():
    first = {path: render() for path, render in codegen.generated_files().items()}
    assert first == {path: render() for path, render in codegen.generated_files().items()}


def test_generated_sources_list_exactly_the_contract_files_and_columns():
    sources = yaml.safe_load(codegen.render_sources_yml())
    raw = next(s for s in sources["sources"] if s["name"] == "raw")
    assert [t["name"] for t in raw["tables"]] == [cf.name for cf in CONTRACT]
    for table, cf in zip(raw["tables"], CONTRACT, strict=True):
        assert [c["name"] for c in table["columns"]] == cf.column_names + list(META_COLUMN_DOCS), cf.name
        assert all(c["description"].strip() for c in table["columns"]), cf.name
        assert table["meta"]["dagster"]["asset_key"] == ["raw", cf.name]
        required = [c["name"] for c in table["columns"] if c["description"].endswith(" Required.")]
        assert required == cf.required_columns, cf.name


def test_every_column_vocabulary_is_reachable_from_dbt_by_name():
    """dbt tests name a vocabulary (contract_values('channel_type')); a column list without a name would
    have to be copied into the YAML by hand."""
    named = set(VOCABULARIES.values())
    for cf in CONTRACT:
        for column in cf.columns:
            if column.accepted_values is not None:
                assert column.accepted_values in named, (cf.name, column.name)


def test_reconciliation_keys_are_cast_as_staging_casts_them():
    """The reconciliation counts distinct keys the way staging dedupes them, or superseded rows miscount."""
    key_types = {
        name: [codegen.staged_key_type(contract_file(name).column(c)) for c in contract_file(name).primary_key]
        for name in ("fx_rates", "order_lines", "opportunity_stage_history", "quotas")
    }
    # Staging upper-cases currency codes, so the 'cny' and 'CNY' rates of one day are one key.
    assert key_types == {
        "fx_rates": ["upper", "date"],
        "order_lines": ["text", "int"],
        "opportunity_stage_history": ["text", "timestamp"],
        "quotas": ["date", "text", "text", "text", "text"],
    }


def test_labels_name_every_value_of_their_vocabulary_in_its_order():
    for name, labels in VOCABULARY_LABELS_ZH.items():
        assert tuple(labels) == VOCABULARIES[name], name
        assert all(label.strip() for label in labels.values()), name


def test_every_vocabulary_has_a_docs_block():
    docs = codegen.render_vocabularies_docs()
    for name, values in VOCABULARIES.items():
        assert f"{{% docs contract_{name} %}}{', '.join(f'`{v}`' for v in values)}{{% enddocs %}}" in docs
    for name in VOCABULARY_LABELS_ZH:
        assert f"{{% docs contract_{name}_zh %}}" in docs


# Vocabularies made of everyday words (open/won/lost, month/quarter/year, A-D) also appear in prose that
# does not list them, so the check below leaves them out.
_PROSE_WORD_VOCABULARIES = {"opportunity_status", "period_grain", "credit_rating"}


def _column_descriptions(node: object):
    if isinstance(node, dict):
        for column in node.get("columns") or []:
            if isinstance(column, dict) and isinstance(column.get("description"), str):
                yield column.get("name"), column["description"]
        for value in node.values():
            yield from _column_descriptions(value)
    elif isinstance(node, list):
        for value in node:
            yield from _column_descriptions(value)


def test_hand_written_column_descriptions_cite_vocabularies_instead_of_listing_them():
    """A column description names a contract vocabulary with {{ doc('contract_<name>') }}: a copied list goes
    stale when the contract changes."""
    copies = []
    for path in sorted((REPO / "dbt_project").glob("*/**/*.yml")):
        if path.name == codegen.SOURCES_YML.name or {"target", "dbt_packages", "logs"} & set(path.parts):
            continue
        for column, description in _column_descriptions(yaml.safe_load(path.read_text(encoding="utf-8"))):
            for name, values in VOCABULARIES.items():
                if name in _PROSE_WORD_VOCABULARIES:
                    continue
                if all(re.search(rf"(?<!\w){re.escape(v)}(?!\w)", description) for v in values):
                    copies.append((path.relative_to(REPO).as_posix(), column, name))
    assert copies == []
