"""``salesops map --check <mapping> <file>``: preview what a mapping makes of an export, before loading.

Prints the first mapped rows as a table, then every problem the load would meet: required contract
columns the mapping leaves unmapped, source headers it names that the file lacks, values that do not
convert (row, column, value) and the contract's row rules on the mapped rows. Foreign keys are left
out: they are checked against the warehouse at load time.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingestion.contract import ContractFile
from ingestion.mapping import (
    MAPPINGS_FOLDER,
    SOURCE_ROW_COLUMN,
    MappingError,
    SourceMapping,
    apply_mapping,
    file_matches,
    load_mapping,
)
from ingestion.readers import LandingFileError, read_text_table
from ingestion.row_rules import describe_violation, row_violations

MAX_LISTED = 50


def _header_problems(mapping: SourceMapping, headers: list[str]) -> list[str]:
    problems = []
    cf = mapping.contract_file
    for spec in mapping.columns:
        if spec.source is not None and spec.source not in headers:
            need = "required" if cf.column(spec.column).required else "optional, left empty"
            problems.append(f'columns.{spec.column}.from: header "{spec.source}" not found in the file ({need})')
    mapped = {spec.column for spec in mapping.columns}
    for name in cf.required_columns:
        if name not in mapped and name not in headers:
            problems.append(f"required contract column {name} is not mapped")
    return problems


def _rule_violations(frame: pl.DataFrame, cf: ContractFile) -> pl.DataFrame:
    missing = [c for c in cf.column_names if c not in frame.columns]
    frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in missing)
    frame = frame.with_columns(
        pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_row_number"),
        frame.select(cf.column_names).hash_rows(seed=0).cast(pl.String).alias("_row_hash"),
    )
    found = row_violations(frame, cf)
    return found.filter(pl.col("reason") != "orphan_foreign_key")


def _landing_note(mapping: SourceMapping, file_path: Path) -> str | None:
    # A mapping kept in <landing>/_mappings names its files relative to that landing.
    if mapping.path.resolve().parent.name != MAPPINGS_FOLDER:
        return None
    landing = mapping.path.resolve().parent.parent
    try:
        rel = file_path.resolve().relative_to(landing).as_posix()
    except ValueError:
        return None
    if file_matches(mapping, landing, file_path):
        return None
    patterns = ", ".join(mapping.files)
    return f"note: {rel} does not match the mapping's files ({patterns}), so a load would not pick it up"


def _preview(frame: pl.DataFrame, rows: int) -> str:
    shown = frame.drop(SOURCE_ROW_COLUMN, strict=False).head(rows)
    with pl.Config(
        tbl_rows=rows,
        tbl_cols=-1,
        fmt_str_lengths=40,
        tbl_width_chars=10_000,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        tbl_formatting="ASCII_MARKDOWN",
    ):
        return str(shown)


def check_mapping(mapping_path: Path, file_path: Path, rows: int = 10) -> int:
    """Print a preview of the first ``rows`` mapped rows and every problem; 0 when clean, 1 otherwise."""
    mapping_path, file_path = Path(mapping_path), Path(file_path)
    try:
        mapping = load_mapping(mapping_path)
        read = read_text_table(file_path, mapping.read_options)
    except LandingFileError as exc:
        print(f"problem: {exc}")
        return 1
    cf = mapping.contract_file
    headers = list(read.frame.columns)
    print(f"{file_path.name} -> {cf.name} with {mapping_path.name}: {read.frame.height} rows, headers: {headers}")
    note = _landing_note(mapping, file_path)
    if note:
        print(note)
    problems = _header_problems(mapping, headers)
    try:
        mapped = apply_mapping(mapping, read.frame, file_path.name)
    except MappingError as exc:
        for line in [*problems, str(exc)]:
            print(f"problem: {line}")
        return 1

    print()
    print(_preview(mapped.frame, rows))
    if mapped.extra_columns:
        print(f"\nunmapped source columns kept as extra columns in raw: {', '.join(mapped.extra_columns)}")
    mapping_problems = pl.concat([read.row_problems, mapped.row_problems], how="vertical")
    # A value that did not convert also fails its type rule; the mapping's reason is the one to act on.
    rules = _rule_violations(mapped.frame, cf).join(
        mapping_problems.select("_row_number", "column_name"), on=["_row_number", "column_name"], how="anti"
    )
    violations = pl.concat([mapping_problems, rules], how="vertical").sort("_row_number", "column_name")
    lines = [f"problem: {p}" for p in problems]
    for row in violations.head(MAX_LISTED).iter_rows(named=True):
        described = describe_violation(
            file_path.name, row["_row_number"], row["column_name"], row["detail"], row["bad_value"]
        )
        lines.append(f"row problem [{row['reason']}]: {described}")
    if violations.height > MAX_LISTED:
        lines.append(f"... and {violations.height - MAX_LISTED} more row problems")
    print()
    if not lines:
        print("no problems: every row maps and passes the contract's row rules (foreign keys are checked at load)")
        return 0
    bad_rows = violations["_row_number"].n_unique()
    print(f"{len(problems)} mapping problem(s); {bad_rows} of {mapped.frame.height} rows would be quarantined:")
    for line in lines:
        print(line)
    return 1
