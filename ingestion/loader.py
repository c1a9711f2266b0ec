"""Loading landing files into the warehouse's ``raw`` schema: one transaction per file.

Promises kept here (data-contract.md "Promises"):
- raw keeps every row received, verbatim, with ``_source_file``, ``_loaded_at``, ``_row_number`` and
  ``_row_hash``; rows failing a rule stay in raw flagged ``_is_quarantined`` and each failure is
  written to ``audit.quarantined_rows`` with file, row number, column and reason;
- a file whose bytes were already loaded is a no-op; a changed file at the same path replaces the
  earlier version (the old rows stay in raw, the ledger marks them superseded);
- a file is loaded again, as a new version of the same bytes, when its parents' later loads change the
  verdict on its foreign keys: rows quarantined as orphans whose parent has come since (an order fixed in
  orders.csv brings in its lines and payments, whose files did not change), rows accepted whose parent is
  quarantined or gone now (they become orphans, as on a first load);
- a missing required column rejects the whole file with an error naming file and column;
- each file loads in one transaction, so a crash leaves the warehouse as it was.
"""

from __future__ import annotations

import logging
import string
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from ingestion.contract import CONTRACT_BY_NAME, ContractFile, OrphanPolicy, contract_file, load_order
from ingestion.landing import (
    LandingFile,
    LandingFileError,
    discover_landing_files,
    landing_file_version,
    read_landing_file,
    unused_landing_input,
)
from ingestion.mapping import SOURCE_ROW_COLUMN
from ingestion.readers import header_key
from ingestion.row_rules import ORPHAN_REASON, describe_violation, row_violations
from ingestion.warehouse import ensure_audit_schema, scalar, table_columns, table_exists

log = logging.getLogger(__name__)

MAX_MESSAGES = 20


class MissingRequiredColumnError(LandingFileError):
    """The file lacks a column the contract marks required: nothing of it is loaded."""


@dataclass
class LoadResult:
    table: str
    source_file: str
    status: str  # "loaded" or "unchanged"
    load_id: str | None = None
    rows_received: int = 0
    rows_quarantined: int = 0
    violations_by_reason: dict[str, int] = field(default_factory=dict)
    extra_columns: list[str] = field(default_factory=list)
    missing_optional_columns: list[str] = field(default_factory=list)
    replaced_load_id: str | None = None
    messages: list[str] = field(default_factory=list)
    # Foreign keys not checked because their parent source delivered no rows ("orders.channel_id -> ...").
    unchecked_references: list[str] = field(default_factory=list)

    @property
    def rows_accepted(self) -> int:
        return self.rows_received - self.rows_quarantined


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def already_loaded(con: duckdb.DuckDBPyConnection, table: str, sha: str) -> bool:
    """Whether a current file of ``table`` holds these bytes (``landing_file_version``): loading it again is a
    no-op, wherever it lies (a dated drop re-sent under another date is the same file)."""
    return (
        scalar(
            con,
            "select count(*) from audit.load_ledger where table_name = ? and file_sha256 = ? and is_current",
            [table, sha],
        )
        > 0
    )


def _ledger_lookup(con: duckdb.DuckDBPyConnection, table: str, relative_path: str, sha: str):
    """(already-loaded?, current load id at this path, number of earlier loads at this path)."""
    current = con.execute(
        "select load_id from audit.load_ledger where source_file = ? and is_current",
        [relative_path],
    ).fetchall()
    versions = scalar(con, "select count(*) from audit.load_ledger where source_file = ?", [relative_path])
    return already_loaded(con, table, sha), (current[0][0] if current else None), versions


def _accepted_keys_sql(table: str, column: str) -> str:
    """The keys (column ``k``) of the current, accepted rows of ``raw.<table>``, trimmed: what a foreign key
    referencing ``table.column`` is checked against."""
    return f"""
        select trim(r.{column}) as k
        from raw.{table} r
        join audit.load_ledger l on l.load_id = r._load_id
        where l.is_current and not r._is_quarantined and r.{column} is not null
    """


def known_parent_keys(
    con: duckdb.DuckDBPyConnection, cf: ContractFile, among: dict[str, pl.Series] | None = None
) -> dict[str, pl.Series]:
    """Keys of current, accepted parent rows for each rejecting foreign key of ``cf``; with ``among``
    (column -> candidate keys), only those of its columns and among its keys.

    A parent table without any accepted row is left out: every contract file is optional, so an order's
    channel cannot be checked against a channels file that was never delivered (see
    ``unchecked_references``). A parent that has rows but not this key is an orphan, as before.
    """
    keys: dict[str, pl.Series] = {}
    for column_name, fk in cf.foreign_keys:
        if fk.on_orphan != OrphanPolicy.REJECT or (among is not None and column_name not in among):
            continue
        if not table_exists(con, "raw", fk.table):
            continue
        candidates = ""
        if among is not None:
            con.register("candidate_keys", pl.DataFrame({"k": among[column_name]}).to_arrow())
            candidates = "where parent.k in (select k from candidate_keys)"
        frame = con.sql(
            f"select distinct parent.k from ({_accepted_keys_sql(fk.table, fk.column)}) as parent {candidates}"
        ).pl()
        if among is not None:
            con.unregister("candidate_keys")
        if frame.height:
            keys[column_name] = frame["k"]
    return keys


def _rejecting_parents(cf: ContractFile) -> list[tuple[str, str, str]]:
    """(column, parent table, parent column) of each foreign key of ``cf`` whose orphans are quarantined."""
    return [(c, fk.table, fk.column) for c, fk in cf.foreign_keys if fk.on_orphan == OrphanPolicy.REJECT]


def _parent_loads_since(con: duckdb.DuckDBPyConnection, cf: ContractFile, load_id: str) -> tuple[bool, bool]:
    """Since the load ``load_id`` (or its last check, ``audit.reference_checks``): whether a parent table of
    ``cf`` got a current file version, and whether one of its versions was replaced. A new file only adds
    parent keys (orphans may find their parent); only a replaced version can take keys away (accepted rows
    may lose theirs), which is the check that reads the child's rows."""
    parents = sorted({table for _, table, _ in _rejecting_parents(cf)})
    if not parents:
        return False, False
    tables = ", ".join("?" for _ in parents)
    newer, replaced = con.execute(
        f"""
        with since as (
            select greatest(this.loaded_at, coalesce(checked.checked_at, this.loaded_at)) as at
            from audit.load_ledger this
            left join audit.reference_checks checked on checked.load_id = this.load_id
            where this.load_id = ?
        )
        select
            count(*) filter (where parent.is_current and parent.loaded_at > since.at),
            count(*) filter (where successor.loaded_at > since.at)
        from audit.load_ledger parent
        cross join since
        left join audit.load_ledger successor on successor.load_id = parent.superseded_by
        where parent.table_name in ({tables})
        """,
        [load_id, *parents],
    ).fetchall()[0]
    return newer > 0, replaced > 0


def _checked_columns(con: duckdb.DuckDBPyConnection, cf: ContractFile) -> set[str]:
    """The foreign-key columns of ``cf`` the orphan rule checks now: their parent has current, accepted rows
    (``known_parent_keys``: a parent without any leaves the key unchecked)."""
    checked = set()
    for column, table, parent_column in _rejecting_parents(cf):
        if table_exists(con, "raw", table) and scalar(
            con, f"select count(*) from ({_accepted_keys_sql(table, parent_column)} limit 1) as parent"
        ):
            checked.add(column)
    return checked


def _rejected_now(
    con: duckdb.DuckDBPyConnection, cf: ContractFile, values: dict[str, pl.Series], checked: set[str]
) -> dict[str, pl.Series]:
    """Of the values of each checked foreign-key column, the keys the orphan rule (``ingestion/row_rules.py``)
    rejects now: stripped as the rule strips them, not blank, and not a current, accepted parent key."""
    stripped = {column: v.str.strip_chars() for column, v in values.items() if column in checked}
    stripped = {column: v.filter(v != "").unique() for column, v in stripped.items()}
    stripped = {column: v for column, v in stripped.items() if v.len()}
    found = known_parent_keys(con, cf, stripped)
    none = pl.Series([], dtype=pl.String)
    return {column: v.filter(~v.is_in(found.get(column, none).implode())) for column, v in stripped.items()}


def keys_whose_parents_changed(con: duckdb.DuckDBPyConnection, cf: ContractFile, load_id: str) -> int:
    """Foreign keys of the load ``load_id`` whose rows' verdict is not the one the orphan rule would give now:
    quarantined as orphans while the parent key has been accepted since (an order fixed in orders.csv), or
    accepted while the parent key is no longer (an order quarantined by a corrected orders.csv).

    The file then loads again: its bytes did not change, but what they are checked against did. Keys are
    compared as the rule compares them, so a reload settles every row counted here and the next run finds
    nothing to reload. Looked at once per later parent load (a check that finds nothing is recorded), the
    child's own rows only when a parent version was replaced, and only the keys SQL does not find among the
    parents' (few, none in most loads) reach Python."""
    newer, replaced = _parent_loads_since(con, cf, load_id)
    if not newer:
        return 0
    checked = _checked_columns(con, cf)
    raw_columns = set(table_columns(con, "raw", cf.name))
    candidates: dict[str, pl.Series] = {}
    for column, table, parent_column in _rejecting_parents(cf):
        if not replaced or column not in checked or column not in raw_columns:
            continue
        # SQL's trim takes spaces only, the rule strips all white space: a superset of the keys the rule
        # rejects, which _rejected_now narrows down.
        candidates[column] = con.sql(
            f"""
            select distinct c.{column} as v
            from raw.{cf.name} c
            where c._load_id = ? and not c._is_quarantined and c.{column} is not null
              and trim(c.{column}) not in (select k from ({_accepted_keys_sql(table, parent_column)}) as parent)
            """,
            params=[load_id],
        ).pl()["v"]
    accepted_without_parent = sum(v.len() for v in _rejected_now(con, cf, candidates, checked).values())

    orphans = con.sql(
        "select column_name, bad_value from audit.quarantined_rows where load_id = ? and reason = ?",
        params=[load_id, ORPHAN_REASON],
    ).pl()
    held = {str(column): group["bad_value"] for (column,), group in orphans.group_by("column_name")}
    still_rejected = _rejected_now(con, cf, held, checked)
    none = pl.Series([], dtype=pl.String)
    # A held key of a column no longer checked (its parent has no rows now) loads too.
    orphans_with_parent = sum(
        int((~keys.is_in(still_rejected.get(column, none).implode())).sum()) if column in checked else keys.len()
        for column, keys in ((c, v.str.strip_chars().unique()) for c, v in held.items())
    )
    changed = accepted_without_parent + orphans_with_parent
    if not changed:
        con.execute("insert or replace into audit.reference_checks values (?, ?)", [load_id, _utc_now()])
    return changed


def unchecked_references(cf: ContractFile, parent_keys: dict[str, pl.Series]) -> list[str]:
    """Rejecting foreign keys of ``cf`` whose parent source has no data, as ``column -> table.column``."""
    return [
        f"{column} -> {fk.table}.{fk.column}"
        for column, fk in cf.foreign_keys
        if fk.on_orphan == OrphanPolicy.REJECT and column not in parent_keys
    ]


def _checking_only(cf: ContractFile, parent_keys: dict[str, pl.Series]) -> ContractFile:
    """``cf`` without the rejecting foreign keys whose parent source has no data to check against."""
    columns = tuple(
        replace(c, references=None)
        if c.references is not None and c.references.on_orphan == OrphanPolicy.REJECT and c.name not in parent_keys
        else c
        for c in cf.columns
    )
    return replace(cf, columns=columns)


def contract_names(df: pl.DataFrame, cf: ContractFile, source: str) -> pl.DataFrame:
    """``df`` with each header that matches a contract column up to case and surrounding blanks
    (``Order_ID `` for ``order_id``) renamed to it. Other names stay as received."""
    by_key = {header_key(c): c for c in cf.column_names}
    renames: dict[str, str] = {}
    for col in df.columns:
        target = by_key.get(header_key(col))
        if target is None:
            continue
        if target in renames.values():
            other = next(k for k, v in renames.items() if v == target)
            raise LandingFileError(f"{source}: columns {other!r} and {col!r} are both {target}: which one holds it?")
        renames[col] = target
    return df.rename({k: v for k, v in renames.items() if k != v})


# The columns raw adds to every row. A file's own column of one of these names (matched as headers are, up
# to case and surrounding blanks: wider than DuckDB's ASCII case) is kept as "<name> (source)": neither value
# may overwrite the other.
BOOKKEEPING_COLUMNS = {
    "_load_id": "varchar",
    "_source_file": "varchar",
    "_loaded_at": "timestamp",
    "_row_number": "bigint",
    "_row_hash": "varchar",
    "_is_quarantined": "boolean",
}


_BOOKKEEPING_KEYS = frozenset(header_key(c) for c in BOOKKEEPING_COLUMNS)


def keep_own_columns_apart(df: pl.DataFrame, landing_file: LandingFile) -> pl.DataFrame:
    """``df`` with the file's own columns named like raw's bookkeeping renamed ``"<name> (source)"``.
    An unmapped file's own ``_source_row`` too: in raw that name holds a mapped export's source row.
    Raises ``LandingFileError`` when the new name is one the file already has."""
    reserved = _BOOKKEEPING_KEYS if landing_file.mapping else _BOOKKEEPING_KEYS | {SOURCE_ROW_COLUMN}
    renames = {c: f"{c} (source)" for c in df.columns if header_key(c) in reserved}
    taken = {header_key(c): c for c in df.columns}
    for own, kept in renames.items():
        if header_key(kept) in taken:
            raise LandingFileError(
                f"{landing_file.relative_path}: column {own!r} would be kept as {kept!r}, which the file "
                f"already has as {taken[header_key(kept)]!r}; rename one of them. Nothing of the file was loaded."
            )
    return df.rename(renames)


def _prepare_frame(df: pl.DataFrame, cf: ContractFile, landing_file: LandingFile) -> tuple[pl.DataFrame, list, list]:
    df = keep_own_columns_apart(contract_names(df, cf, landing_file.relative_path), landing_file)
    missing_required = [c for c in cf.required_columns if c not in df.columns]
    if missing_required:
        cols = ", ".join(missing_required)
        raise MissingRequiredColumnError(
            f"{landing_file.relative_path}: required column(s) missing: {cols} "
            f"(the file has: {', '.join(df.columns)}). Nothing of the file was loaded."
        )
    extra = [c for c in df.columns if c not in cf.column_names]
    missing_optional = [c for c in cf.column_names if c not in df.columns]
    if missing_optional:
        df = df.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in missing_optional)
    row_hash = df.select(cf.column_names).hash_rows(seed=0)
    df = df.with_columns(
        pl.int_range(1, df.height + 1, dtype=pl.Int64).alias("_row_number"),
        # 64-bit content hash over the contract columns, stable for a given polars release.
        row_hash.cast(pl.String).alias("_row_hash"),
    )
    return df, extra, missing_optional


def _create_or_extend_raw_table(con: duckdb.DuckDBPyConnection, cf: ContractFile, extra: list[str]) -> None:
    if not table_exists(con, "raw", cf.name):
        cols = [f'"{c}" varchar' for c in cf.column_names]
        cols += [f"{name} {sql_type} not null" for name, sql_type in BOOKKEEPING_COLUMNS.items()]
        con.execute(f"create table raw.{cf.name} ({', '.join(cols)})")
    existing = {_duckdb_name_key(c) for c in table_columns(con, "raw", cf.name)}
    for col in extra:
        # DuckDB matches names up to ASCII case: a later file's "notes" fills the "Notes" an earlier one
        # added (the insert is by name), where adding it again would be refused.
        if _duckdb_name_key(col) not in existing:
            # Unknown columns are kept in raw (contract: never silently dropped) and reported.
            con.execute(f'alter table raw.{cf.name} add column "{col}" varchar')


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _duckdb_name_key(name: str) -> str:
    """A column name as DuckDB compares it: ASCII letters without case, every other character as it is."""
    return name.translate(_ASCII_LOWER)


def load_landing_file(
    con: duckdb.DuckDBPyConnection,
    landing_file: LandingFile,
    loaded_at: datetime | None = None,
) -> LoadResult:
    """Load one landing file atomically. Raises ``LandingFileError`` when the file is unusable."""
    cf = contract_file(landing_file.table)
    ensure_audit_schema(con)
    sha = landing_file_version(landing_file)
    already, current_load, versions = _ledger_lookup(con, cf.name, landing_file.relative_path, sha)
    # Bytes already loaded are a no-op, unless the parents' later loads changed the verdict on their foreign
    # keys. Only the version at this path is checked again: bytes current at another path (a drop re-sent
    # under another date) stay that path's rows.
    holds_these_bytes = current_load is not None and (
        scalar(con, "select file_sha256 from audit.load_ledger where load_id = ?", [current_load]) == sha
    )
    changed = keys_whose_parents_changed(con, cf, current_load) if already and holds_these_bytes else 0
    if already and not changed:
        return LoadResult(cf.name, landing_file.relative_path, "unchanged", load_id=current_load)
    if changed:
        log.warning(
            "%s: loaded again: its parents' later loads changed the verdict on %d of its foreign keys (orphans "
            "whose parent has come, or accepted rows whose parent is no longer accepted)",
            landing_file.relative_path,
            changed,
        )

    read = read_landing_file(landing_file)
    frame = read.frame
    if read.is_empty_file:
        # Not even a header: "no data from this source", like a header-only file, recorded with 0 rows.
        frame = pl.DataFrame(schema=dict.fromkeys(cf.column_names, pl.String))
    df, extra, missing_optional = _prepare_frame(frame, cf, landing_file)
    parent_keys = known_parent_keys(con, cf)
    violations = row_violations(
        df, _checking_only(cf, parent_keys), parent_keys, already_quarantined=read.row_problems["_row_number"]
    )
    unchecked = unchecked_references(cf, parent_keys)
    # The parents' keys (3.7M order ids under 10M order lines: 0.4 GB) are not held through the insert.
    del parent_keys
    if read.row_problems.height:
        # Rows the reader or the source mapping could not take as they came (ragged, unparseable). When
        # the whole row is broken ("*"), its fields are padding or guesswork: rule failures on them would
        # only repeat the one real reason.
        broken = read.row_problems.filter(pl.col("column_name") == "*")["_row_number"]
        violations = violations.filter(~pl.col("_row_number").is_in(broken.implode()))
        violations = pl.concat([read.row_problems, violations], how="vertical").sort("_row_number", "column_name")
    bad_rows = violations["_row_number"].unique()
    df = df.with_columns(pl.col("_row_number").is_in(bad_rows.implode()).alias("_is_quarantined"))

    loaded_at = loaded_at or _utc_now()
    load_id = f"{landing_file.relative_path}#{versions + 1}"
    result = LoadResult(
        table=cf.name,
        source_file=landing_file.relative_path,
        status="loaded",
        load_id=load_id,
        rows_received=df.height,
        rows_quarantined=bad_rows.len(),
        violations_by_reason=dict(violations.group_by("reason").len().sort("reason").iter_rows()),
        extra_columns=extra,
        missing_optional_columns=missing_optional,
        replaced_load_id=current_load,
        unchecked_references=unchecked,
    )
    for row in violations.head(MAX_MESSAGES).iter_rows(named=True):
        result.messages.append(
            describe_violation(
                landing_file.relative_path, row["_row_number"], row["column_name"], row["detail"], row["bad_value"]
            )
        )

    # polars' own string layout (Arrow string views) goes to DuckDB as it is: the default conversion copies
    # every value into a large_string buffer (+1.4 GB held through the insert on a 10M-line file). The
    # file's constants are added by the insert: as polars columns they were 10M copies each (+0.6 GB).
    incoming = df.to_arrow(compat_level=pl.CompatLevel.newest())
    # Nothing of the frames as read and prepared is needed past this point but what ``incoming`` shares.
    del read, frame, df
    quarantine = (
        violations.with_columns(
            pl.lit(load_id).alias("load_id"),
            pl.lit(cf.name).alias("table_name"),
            pl.lit(landing_file.relative_path).alias("source_file"),
            pl.lit(loaded_at).alias("quarantined_at"),
        )
        .rename({"_row_number": "row_number"})
        .to_arrow()
    )

    con.execute("begin transaction")
    try:
        _create_or_extend_raw_table(con, cf, extra)
        if current_load is not None:
            con.execute(
                "update audit.load_ledger set is_current = false, superseded_by = ? where load_id = ?",
                [load_id, current_load],
            )
        con.register("incoming_rows", incoming)
        con.execute(
            f"""
            insert into raw.{cf.name} by name
            select *, $load_id as _load_id, $source_file as _source_file, $loaded_at as _loaded_at
            from incoming_rows
            """,
            {"load_id": load_id, "source_file": landing_file.relative_path, "loaded_at": loaded_at},
        )
        con.unregister("incoming_rows")
        con.register("incoming_quarantine", quarantine)
        con.execute("insert into audit.quarantined_rows by name select * from incoming_quarantine")
        con.unregister("incoming_quarantine")
        con.execute(
            "insert into audit.load_ledger values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true, null)",
            [
                load_id,
                cf.name,
                landing_file.relative_path,
                landing_file.drop_date,
                sha,
                landing_file.path.stat().st_size,
                result.rows_received,
                result.rows_quarantined,
                ",".join(extra) or None,
                ",".join(missing_optional) or None,
                loaded_at,
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise

    if result.rows_quarantined:
        log.warning(
            "%s: %d of %d rows quarantined (%s); first: %s",
            landing_file.relative_path,
            result.rows_quarantined,
            result.rows_received,
            result.violations_by_reason,
            result.messages[0],
        )
    sent_extra = [c for c in extra if c != SOURCE_ROW_COLUMN]
    if sent_extra:
        log.warning("%s: columns not in the contract kept in raw: %s", landing_file.relative_path, sent_extra)
    if result.unchecked_references:
        log.warning(
            "%s: references not checked, their source delivered no rows: %s",
            landing_file.relative_path,
            ", ".join(result.unchecked_references),
        )
    return result


def ensure_raw_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Create ``raw.<table>`` empty when no file has ever delivered it: a missing file means "no data
    from this source", and staging must still find a table with the contract's columns."""
    ensure_audit_schema(con)
    if not table_exists(con, "raw", table):
        con.execute("begin transaction")
        try:
            _create_or_extend_raw_table(con, contract_file(table), [])
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise


def load_table(
    con: duckdb.DuckDBPyConnection, landing_root: Path, table: str, mappings_dir: Path | None = None
) -> list[LoadResult]:
    """Load every landing file of one contract table, oldest drop first. ``mappings_dir`` replaces
    ``<landing>/_mappings`` as the folder of source mappings."""
    cf = contract_file(table)
    files = discover_landing_files(Path(landing_root), cf, mappings_dir)
    results = [load_landing_file(con, lf) for lf in files]
    ensure_raw_table(con, table)
    return results


def load_landing(
    con: duckdb.DuckDBPyConnection, landing_root: Path, mappings_dir: Path | None = None
) -> list[LoadResult]:
    """Load the whole landing folder, parents before children so orphan checks see their parents."""
    results: list[LoadResult] = []
    for cf in load_order():
        results.extend(load_table(con, landing_root, cf.name, mappings_dir))
    for message in unused_landing_input(landing_root, mappings_dir).messages():
        log.warning(message)
    return results


__all__ = [
    "CONTRACT_BY_NAME",
    "LoadResult",
    "ensure_raw_table",
    "MissingRequiredColumnError",
    "contract_names",
    "known_parent_keys",
    "load_landing",
    "load_landing_file",
    "load_table",
]
