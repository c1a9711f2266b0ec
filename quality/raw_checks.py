"""Validating one raw table: build its frames and suite, run them through GX, and give the verdict; or,
when nothing the suite reads has changed, take the verdict of the run that validated it (quality/suite_reuse.py).

Plain functions (no Dagster): ``orchestration/assets/quality_checks.py`` wraps them in asset checks, and
tests call them directly. What is checked and why: ``quality/README.md``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from ingestion.contract import DEFAULT_BUSINESS_TIMEZONE, contract_file
from quality.cross_file import cross_file_check
from quality.drift import (
    category_share_specs,
    category_shares,
    drift_columns,
    null_share_specs,
    quantile_specs,
    row_count_spec,
)
from quality.expectations import (
    CROSS,
    ERROR,
    LATEST,
    LOADS,
    ROWS,
    SHARES,
    STORAGE,
    WARN,
    ExpectationSpec,
    storage_specs,
)
from quality.frames import (
    LoadedFile,
    accepted_rows,
    current_loads,
    loads_frame,
    previous_load,
    release_frame_memory,
    stored_columns_frame,
)
from quality.gx_suites import ERROR_STATUS, ExpectationOutcome, validate
from quality.plausibility import plausibility_specs, vocabulary_specs
from quality.results import GX_SOURCE, CheckResultRow, details_json, utc_now, write_check_results
from quality.suite_reuse import inputs_fingerprint, remember_validation, reusable_results, reused_from

# Naive timestamps in the files are business time (data-contract.md); the user's setting overrides it.
DEFAULT_TZ = ZoneInfo(DEFAULT_BUSINESS_TIMEZONE)
# The result row of a table without a current file: recorded as a warning, not an expectation of the suite.
NO_FILE_CHECK = "accepted__current_file_exists"


def business_now(tz: ZoneInfo = DEFAULT_TZ) -> datetime:
    return datetime.now(tz).replace(tzinfo=None)


def business_time(utc_naive: datetime | None, tz: ZoneInfo = DEFAULT_TZ) -> datetime:
    """A UTC timestamp of the ledger as naive business time (how the files' own timestamps read)."""
    if utc_naive is None:
        return business_now(tz)
    return utc_naive.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)


@dataclass
class TableValidation:
    table: str
    files: list[LoadedFile] = field(default_factory=list)  # current file versions, oldest drop first
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    def failures(self, blocking: bool) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.passed and o.spec.blocking == blocking]

    @property
    def blocking_passed(self) -> bool:
        # No current file means "no data from this source" (data-contract.md), not a failure: the
        # marts that need the source are built empty and listed in marts.mart_coverage.
        return not self.failures(blocking=True)

    @property
    def warnings_passed(self) -> bool:
        return not self.failures(blocking=False)

    def source_files(self, spec: ExpectationSpec) -> str | None:
        """The file versions an expectation judged (the newest one for comparisons with history)."""
        if spec.frame in (LATEST, SHARES):
            return self.files[-1].source_file
        if spec.frame in (ROWS, LOADS):
            return ", ".join(f.source_file for f in self.files)
        return None  # the stored table, or several tables

    def result_rows(self, run_id: str, checked_at: datetime | None = None) -> list[CheckResultRow]:
        checked_at = checked_at or utc_now()
        rows = [
            CheckResultRow(
                run_id=run_id,
                layer="raw",
                asset=f"raw.{self.table}",
                check_name=o.spec.check_name,
                status=o.status,
                severity=o.spec.severity,
                failing_rows=o.failing_rows,
                observed_value=o.observed_value,
                checked_at=checked_at,
                check_source=GX_SOURCE,
                dq_rule=o.spec.dq_rule,
                source_file=self.source_files(o.spec),
                details=details_json({"expectation": o.spec.gx_type, "description": o.spec.description, **o.details}),
            )
            for o in self.outcomes
        ]
        if not self.files:
            rows.append(
                CheckResultRow(
                    run_id=run_id,
                    layer="raw",
                    asset=f"raw.{self.table}",
                    check_name=NO_FILE_CHECK,
                    status="fail",
                    severity=WARN,
                    failing_rows=None,
                    observed_value="no landing file: no data from this source",
                    checked_at=checked_at,
                    check_source=GX_SOURCE,
                    dq_rule="DQ37",
                )
            )
        return rows


def validate_raw_table(
    con: duckdb.DuckDBPyConnection, table: str, reference_time: datetime | None = None, tz: ZoneInfo = DEFAULT_TZ
) -> TableValidation:
    """Run the raw suite of ``raw.<table>`` over its current file versions.

    Freshness and "no future dates" are judged against ``reference_time``, by default the moment the
    newest file version was loaded: a file delivered today whose newest order is a month old is a stale
    export, whenever the check runs. Whether the asset itself was refreshed lately is the Dagster freshness
    policy's question (``orchestration/freshness.py``).
    """
    try:
        return _validate_raw_table(con, table, reference_time, tz)
    finally:
        # The table's frames are dropped by now; their memory goes back before the next table or dbt.
        release_frame_memory()


def _validate_raw_table(
    con: duckdb.DuckDBPyConnection, table: str, reference_time: datetime | None, tz: ZoneInfo
) -> TableValidation:
    cf = contract_file(table)
    loads = current_loads(con, table)
    validation = TableValidation(table, loads)
    if not loads:
        return validation
    reference = reference_time or business_time(loads[-1].loaded_at, tz)
    rows = accepted_rows(con, cf, [f.load_id for f in loads])
    newest = loads[-1]
    latest = rows if len(loads) == 1 else rows[rows["_source_file"] == newest.source_file]
    before = previous_load(con, newest)
    # Read for its shares, quantiles and filled shares only: no key check runs on it, no other column is read.
    previous = (
        accepted_rows(con, cf, [before.load_id], with_key=False, only=drift_columns(cf)) if before else pd.DataFrame()
    )
    shares = category_shares(cf, latest, previous)

    specs = [*storage_specs(cf), row_count_spec()]
    if not rows.empty:
        # An empty table has no values to judge: a header-only file is "no data from this source".
        specs += [*plausibility_specs(cf, reference), *vocabulary_specs(cf)]
    specs += [*quantile_specs(cf, latest, previous), *null_share_specs(cf, latest, previous)]
    specs += category_share_specs(cf, shares)
    frames = {
        STORAGE: stored_columns_frame(con, table),
        ROWS: rows,
        LOADS: loads_frame(con, loads),
        LATEST: latest,
        SHARES: shares,
    }
    cross = cross_file_check(con, table)
    if cross is not None:
        specs.append(cross[0])
        frames[CROSS] = cross[1]
    suite = f"raw_{table}"
    for name, frame in frames.items():
        validation.outcomes += validate(frame, [s for s in specs if s.frame == name], f"{suite}__{name}")
    return validation


@dataclass
class RawSuiteRun:
    """One run's verdict on ``raw.<table>``: the result rows it recorded, evaluated now or reused."""

    table: str
    files: list[LoadedFile]
    rows: list[CheckResultRow]

    @property
    def reused_from(self) -> str | None:
        """The run that evaluated these results, when this run reused them (quality.suite_reuse)."""
        return reused_from(self.rows[0]) if self.rows else None

    def expectations(self, blocking: bool) -> list[CheckResultRow]:
        return [r for r in self.rows if r.check_name != NO_FILE_CHECK and (r.severity == ERROR) == blocking]

    def failures(self, blocking: bool) -> list[CheckResultRow]:
        return [r for r in self.expectations(blocking) if r.status != "pass"]


def check_raw_table(
    con: duckdb.DuckDBPyConnection, table: str, run_id: str, tz: ZoneInfo = DEFAULT_TZ, reuse: bool = True
) -> RawSuiteRun:
    """Validate ``raw.<table>`` (or, with ``reuse``, take the results of the run that validated the same
    inputs) and record the result rows under ``run_id`` in ``quality.check_results``.

    ``con`` must not be inside a transaction: the rows and the record of which inputs were validated are
    written in one, so a crash leaves neither and the next run validates again. The inputs are read before
    it; the warehouse pool lets no other step write meanwhile (orchestration/pools.py)."""
    fingerprint = inputs_fingerprint(con, table, tz)
    checked_at = utc_now()
    reused = reusable_results(con, table, fingerprint, run_id, checked_at) if reuse and fingerprint else None
    rows = reused if reused is not None else validate_raw_table(con, table, tz=tz).result_rows(run_id, checked_at)
    remember = reused is None and all(r.status != ERROR_STATUS for r in rows)
    con.execute("begin transaction")
    try:
        write_check_results(con, rows)
        if fingerprint is not None and remember:
            remember_validation(con, table, fingerprint, run_id, checked_at)
        con.execute("commit")
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # a failed commit has already ended the transaction
            con.execute("rollback")
        raise
    return RawSuiteRun(table, current_loads(con, table), rows)
