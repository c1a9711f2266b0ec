"""Source mappings: the format's checks, discovery of mapped exports, conversions and ``map --check``.

Expected values are written by hand from the small files each test creates.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ingestion.contract import contract_file
from ingestion.landing import discover_landing_files, read_landing_file
from ingestion.loader import load_table
from ingestion.mapping import MappingError, load_mapping
from ingestion.mapping_check import check_mapping
from ingestion.mapping_values import parse_number
from ingestion.warehouse import connect

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "mappings"

TEAMS_MAPPING = """
target: teams
files: {files}
columns:
  team_id: Code
  team_name: Name
"""


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


# ------------------------------------------------------------------------------------------ format


@pytest.mark.parametrize(
    ("body", "parts"),
    [
        ("target: teams\nfiles: a.csv\ncolumns: {team_id: A}\ncolour: red\n", ["colour", "unknown key"]),
        ("files: a.csv\ncolumns: {team_id: A}\n", ["target", "missing"]),
        ("target: teams\nfiles: a.csv\ncolumns: {team_id: {from: A, value: B}}\n", ["columns.team_id", "exactly one"]),
        (
            "target: teams\nfiles: a.csv\ncolumns: {team_id: {from: A, date_formats: ['%Y']}}\n",
            ["columns.team_id.date_formats", "not a date"],
        ),
        (
            "target: teams\nfiles: a.csv\ncolumns: {team_id: {expr: 'Code +'}}\n",
            ["columns.team_id.expr", "not a valid expression"],
        ),
        ("target: teams\nfiles: a.csv\nread: {sep: ';'}\ncolumns: {team_id: A}\n", ["read.sep", "unknown read option"]),
        (
            "target: order_lines\nfiles: a.csv\ncolumns: {unit_price: {from: P, decimal: ';'}}\n",
            ["columns.unit_price.decimal"],
        ),
        (
            "target: teams\nfiles: a.csv\ncolumns: {team_id: {from: A, id: true, colour: 1}}\n",
            ["columns.team_id.colour"],
        ),
    ],
)
def test_an_invalid_mapping_names_the_file_and_the_key(tmp_path, body, parts):
    path = _write(tmp_path / "bad.yaml", body)
    with pytest.raises(MappingError) as excinfo:
        load_mapping(path)
    message = str(excinfo.value)
    assert "bad.yaml" in message
    for part in parts:
        assert part in message


def test_value_map_keys_stay_exactly_as_typed(tmp_path):
    # Plain YAML would read 01 as 1, NULL as None and yes as True, and the keys would stop matching.
    path = _write(
        tmp_path / "m.yaml",
        "target: accounts\nfiles: a.csv\ncolumns:\n"
        "  credit_rating: {from: R, values: {01: A, NULL: B, yes: C, 2024-01-31: D}}\n",
    )
    (spec,) = load_mapping(path).columns
    assert spec.values == {"01": "A", "NULL": "B", "yes": "C", "2024-01-31": "D"}


def test_an_expression_naming_an_unknown_header_is_rejected(tmp_path):
    landing = tmp_path / "landing"
    _write(
        landing / "_mappings/teams.yaml", TEAMS_MAPPING.format(files="in/t.csv") + "  region:\n    expr: UPPER(Zone)\n"
    )
    _write(landing / "in/t.csv", "Code,Name\nT1,East\n")
    (lf,) = discover_landing_files(landing, contract_file("teams"))
    with pytest.raises(MappingError, match=r"columns\.region\.expr: header \"Zone\" not found"):
        read_landing_file(lf)


# --------------------------------------------------------------------------------------- discovery


def test_a_mapped_file_is_not_also_taken_as_a_plain_contract_file(tmp_path):
    landing = tmp_path / "landing"
    _write(landing / "_mappings/teams.yaml", TEAMS_MAPPING.format(files="crm/teams.csv"))
    _write(landing / "crm/teams.csv", "Code,Name\nT1,East\n")
    (found,) = discover_landing_files(landing, contract_file("teams"))
    assert found.relative_path == "crm/teams.csv" and found.mapping is not None
    # A mapping for another target claims crm/sales_reps.csv: it is no longer a sales_reps file.
    _write(
        landing / "_mappings/accounts.yaml", "target: accounts\nfiles: crm/sales_reps.csv\ncolumns: {account_id: A}\n"
    )
    _write(landing / "crm/sales_reps.csv", "A\nX\n")
    assert discover_landing_files(landing, contract_file("sales_reps")) == []
    assert [f.relative_path for f in discover_landing_files(landing, contract_file("accounts"))] == [
        "crm/sales_reps.csv"
    ]


def test_mapped_exports_in_dated_drop_folders_are_found_in_business_day_order(tmp_path):
    landing = tmp_path / "landing"
    _write(landing / "_mappings/teams.yaml", TEAMS_MAPPING.format(files='"crm/Team Export*.csv"'))
    _write(landing / "crm/2024-02-01/Team Export.csv", "Code,Name\nT1,East\n")
    _write(landing / "crm/Team Export 2023.csv", "Code,Name\nT1,East\n")
    _write(landing / "crm/2024-01-15/Team Export (1).csv", "Code,Name\nT1,East\n")
    _write(landing / "crm/notes/Team Export.csv", "Code,Name\nT1,East\n")
    found = discover_landing_files(landing, contract_file("teams"))
    assert [(f.relative_path, str(f.drop_date)) for f in found] == [
        ("crm/Team Export 2023.csv", "None"),
        ("crm/2024-01-15/Team Export (1).csv", "2024-01-15"),
        ("crm/2024-02-01/Team Export.csv", "2024-02-01"),
    ]


def test_a_config_folder_replaces_the_landings_mappings(tmp_path):
    landing, config = tmp_path / "landing", tmp_path / "config"
    _write(config / "teams.yaml", TEAMS_MAPPING.format(files="exports/teams.csv"))
    _write(landing / "exports/teams.csv", "Code,Name\nT1,East\n")
    assert discover_landing_files(landing, contract_file("teams")) == []
    (found,) = discover_landing_files(landing, contract_file("teams"), mappings_dir=config)
    assert found.relative_path == "exports/teams.csv"


def test_a_file_claimed_by_two_mappings_is_an_error(tmp_path):
    landing = tmp_path / "landing"
    _write(landing / "_mappings/a.yaml", TEAMS_MAPPING.format(files="in/*.csv"))
    _write(landing / "_mappings/b.yaml", TEAMS_MAPPING.format(files="in/t.csv"))
    _write(landing / "in/t.csv", "Code,Name\nT1,East\n")
    with pytest.raises(MappingError, match=r"in/t.csv is matched by two mappings: .*a.yaml and .*b.yaml"):
        discover_landing_files(landing, contract_file("teams"))


# ------------------------------------------------------------------------------------- conversions


@pytest.mark.parametrize(
    ("text", "decimal", "thousands", "expected"),
    [
        ("$1,001.18", ".", ",", "1001.18"),
        ("¥1,234.00", ".", ",", "1234"),
        ("1.234,56 €", ",", ".", "1234.56"),
        ("-1.234,56 €", ",", ".", "-1234.56"),
        ("USD 2,000", ".", ",", "2000"),
        ("1 234 567,5", ",", " ", "1234567.5"),
        ("(45.50)", ".", ",", "-45.5"),
        ("45.50-", ".", ",", "-45.5"),
        ("12.5%", ".", ",", "0.125"),
        ("0%", ".", ",", "0"),
        ("7 %", ".", ",", "0.07"),
        ("12,5 %", ",", ".", "0.125"),
        ("0042", ".", ",", "42"),
        ("12,5", ".", ",", None),  # a thousands separator must group by three
        ("1.2.3", ".", ",", None),
        ("TBD", ".", ",", None),
    ],
)
def test_number_formats(text, decimal, thousands, expected):
    frame = pl.DataFrame({"x": [text]}).select(parse_number(pl.col("x"), decimal, thousands, percent=False))
    assert frame.item() == expected


def test_percent_option_reads_plain_numbers_as_percentages():
    frame = pl.DataFrame({"x": ["12.5", "100", "3"]}).select(parse_number(pl.col("x"), ".", ",", percent=True))
    assert frame["x"].to_list() == ["0.125", "1", "0.03"]


def test_raw_keeps_each_source_row_verbatim_as_a_text_column(tmp_path):
    landing = tmp_path / "landing"
    _write(landing / "_mappings/teams.yaml", TEAMS_MAPPING.format(files="in/t.csv"))
    _write(landing / "in/t.csv", 'Code,Name,Cost Center\nT1,"East, coastal",CC-1\n')
    con = connect(tmp_path / "wh.duckdb")
    try:
        (result,) = load_table(con, landing, "teams")
        assert result.extra_columns == ["Cost Center", "_source_row"]
        kinds = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw' and table_name = 'teams'"
            ).fetchall()
        )
        assert kinds["_source_row"] == "VARCHAR" and kinds["Cost Center"] == "VARCHAR"
        row = con.execute('select team_id, team_name, "Cost Center", _source_row from raw.teams').fetchall()
        assert row == [("T1", "East, coastal", "CC-1", '{"Code":"T1","Name":"East, coastal","Cost Center":"CC-1"}')]
    finally:
        con.close()


# ----------------------------------------------------------------------------------- map --check


def test_check_mapping_on_a_clean_export_prints_a_preview_and_returns_0(capsys):
    landing = EXAMPLES / "hubspot_deals" / "landing"
    code = check_mapping(
        landing / "_mappings" / "hubspot_deals.yaml", landing / "crm" / "hubspot" / "2017-03-31" / "all-deals.csv", 3
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "| 4185520101" in out and "| 4185520103" in out and "4185520104" not in out
    assert "no problems" in out


def test_check_mapping_lists_every_problem_and_returns_1(tmp_path, capsys):
    mapping = _write(
        tmp_path / "_mappings" / "opps.yaml",
        "target: opportunities\nfiles: opps.csv\ncolumns:\n"
        "  opportunity_id: Id\n  rep_id: Owner\n  stage: Stage\n  status: Status\n"
        "  created_at: {from: Created, date_formats: ['%d/%m/%Y']}\n"
        "  amount: Amount\n  lost_reason: Why\n",
    )
    export = _write(
        tmp_path / "opps.csv",
        "Id,Owner,Stage,Status,Created,Amount\nO1,R1,Won,won,01/02/2024,100\nO2,R1,Lost,gone,31/02/2024,12x\n",
    )
    code = check_mapping(mapping, export)
    out = capsys.readouterr().out
    assert code == 1
    assert 'columns.lost_reason.from: header "Why" not found in the file (optional, left empty)' in out
    assert 'row 2 (line 3), column created_at: source column "Created": "31/02/2024" matches none' in out
    assert 'column amount: source column "Amount": "12x" is not a number' in out
    assert "[not_accepted_value]" in out and "status must be one of: open, won, lost (got 'gone')" in out
    # The type rule repeating a conversion failure is left out of the listing.
    assert "invalid_timestamp" not in out and "invalid_decimal" not in out


def test_check_mapping_reports_an_unmapped_required_column(tmp_path, capsys):
    mapping = _write(tmp_path / "m.yaml", "target: teams\nfiles: t.csv\ncolumns:\n  team_id: Code\n")
    export = _write(tmp_path / "t.csv", "Code,Label\nT1,East\n")
    assert check_mapping(mapping, export) == 1
    out = capsys.readouterr().out
    assert "required contract column team_name is not mapped" in out


def test_mappings_kept_outside_the_landing(tmp_path, monkeypatch):
    """SALESOPS_MAPPINGS (or --mappings) names a config folder that replaces <landing>/_mappings."""
    from orchestration.code_location import build_definitions
    from orchestration.landing_watch import landing_fingerprint
    from orchestration.settings import LANDING_ENV, MAPPINGS_ENV, load_settings

    landing, config = tmp_path / "landing", tmp_path / "config" / "mappings"
    _write(config / "teams.yaml", TEAMS_MAPPING.format(files="in/t.csv"))
    _write(landing / "in/t.csv", "Code,Name,Cost Center\nT1,East,CC-1\nT2,West,CC-2\n")
    # Without the folder the export is no contract file: nothing loads and the sensor sees nothing.
    assert landing_fingerprint(landing) == {}
    con = connect(tmp_path / "wh.duckdb")
    try:
        (result,) = load_table(con, landing, "teams", mappings_dir=config)
        assert (result.rows_received, result.rows_quarantined) == (2, 0)
        assert con.execute("select team_id, team_name from raw.teams order by 1").fetchall() == [
            ("T1", "East"),
            ("T2", "West"),
        ]
    finally:
        con.close()
    assert list(landing_fingerprint(landing, config)) == ["in/t.csv"]
    monkeypatch.setenv(LANDING_ENV, str(landing))
    monkeypatch.setenv(MAPPINGS_ENV, str(config))
    resource = build_definitions(load_settings()).resources["landing"].process_config_and_initialize()
    assert resource.mappings_path == config


def test_a_zero_byte_mapped_export_is_no_data_not_an_error(tmp_path):
    landing = tmp_path / "landing"
    _write(landing / "_mappings/teams.yaml", TEAMS_MAPPING.format(files="in/t.csv"))
    _write(landing / "in/t.csv", "")
    con = connect(tmp_path / "wh.duckdb")
    try:
        (result,) = load_table(con, landing, "teams")
        assert (result.rows_received, result.rows_quarantined) == (0, 0)
        assert con.execute("select count(*) from raw.teams").fetchall() == [(0,)]
    finally:
        con.close()


def test_a_corrected_mapping_reloads_the_export(tmp_path, caplog):
    landing = tmp_path / "landing"
    mapping = _write(landing / "_mappings/teams.yaml", TEAMS_MAPPING.format(files="in/t.csv"))
    _write(landing / "in/t.csv", "Code,Name,Region Name\nT1,East,Coast\n")
    con = connect(tmp_path / "wh.duckdb")
    try:
        (first,) = load_table(con, landing, "teams")
        (again,) = load_table(con, landing, "teams")
        assert (first.status, again.status) == ("loaded", "unchanged")
        # A typo in an optional column's header is named, not silently empty.
        _write(mapping, TEAMS_MAPPING.format(files="in/t.csv") + "  region: Region Nam\n")
        with caplog.at_level("WARNING"):
            (typo,) = load_table(con, landing, "teams")
        assert typo.status == "loaded"
        assert "'Region Nam' of optional column region is not in the export" in caplog.text
        _write(mapping, TEAMS_MAPPING.format(files="in/t.csv") + "  region: Region Name\n")
        (fixed,) = load_table(con, landing, "teams")
        assert fixed.status == "loaded"
        current = (
            "select team_id, region from raw.teams r "
            "join audit.load_ledger l on l.load_id = r._load_id where l.is_current"
        )
        assert con.execute(current).fetchall() == [("T1", "Coast")]
    finally:
        con.close()
