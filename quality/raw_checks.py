"""Validating a raw table: the file suite of each current file version, and its verdict.

Plain functions (no Dagster): ``orchestration/assets/quality_checks.py`` wraps them in asset checks, and
tests call them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import duckdb

from ingestion.contract import DEFAULT_BUSINESS_TIMEZONE, contract_file
from quality.expectations import ACCEPTED, FILE, WARN, file_suite_specs
from quality.frames import current_loads, load_file_frames, previous_rows_received
from quality.gx_suites import ExpectationOutcome, validate
from quality.results import CheckResultRow, details_json, utc_now

# Naive timestamps in the files are business time (data-contract.md); the user's setting overrides it.
DEFAULT_TZ = ZoneInfo(DEFAULT_BUSINESS_TIMEZONE)


def business_now(tz: ZoneInfo = DEFAULT_TZ) -> datetime:
    return datetime.now(tz).replace(tzinfo=None)


def business_time(utc_naive: datetime | None, tz: ZoneInfo = DEFAULT_TZ) -> datetime:
    """A UTC timestamp of the ledger as naive business time (how the files' own timestamps read)."""
    if utc_naive is None:
        return business_now(tz)
    return utc_naive.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)


@dataclass
class FileValidation:
    source_file: str
    load_id: str
    rows_received: int
    rows_accepted: int
    outcomes: list[ExpectationOutcome] = field(default_factory=list)


@dataclass
class TableValidation:
    table: str
    files: list[FileValidation] = field(default_factory=list)

    @property
    def outcomes(self) -> list[tuple[FileValidation, ExpectationOutcome]]:
        return [(f, o) for f in self.files for o in f.outcomes]

    def failures(self, blocking: bool) -> list[tuple[FileValidation, ExpectationOutcome]]:
        return [(f, o) for f, o in self.outcomes if not o.passed and o.spec.blocking == blocking]

    @property
    def blocking_passed(self) -> bool:
        # No current file means "no data from this source" (data-contract.md), not a failure: the
        # marts that need the source are built empty and listed in marts.mart_coverage.
        return not self.failures(blocking=True)

    @property
    def warnings_passed(self) -> bool:
        return not self.failures(blocking=False)

    def result_rows(self, run_id: str, checked_at: datetime | None = None) -> list[CheckResultRow]:
        checked_at = checked_at or utc_now()
        rows = []
        for f, o in self.outcomes:
            rows.append(
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
                    check_source="great_expectations",
                    dq_rule=o.spec.dq_rule,
                    source_file=f.source_file,
                    details=details_json(
                        {"expectation": o.spec.gx_type, "description": o.spec.description, **o.details}
                    ),
                )
            )
        if not self.files:
            rows.append(
                CheckResultRow(
                    run_id=run_id,
                    layer="raw",
                    asset=f"raw.{self.table}",
                    check_name="accepted__current_file_exists",
                    status="fail",
                    severity=WARN,
                    failing_rows=None,
                    observed_value="no landing file: no data from this source",
                    checked_at=checked_at,
                    check_source="great_expectations",
                    dq_rule="DQ37",
                )
            )
        return rows


def validate_raw_table(
    con: duckdb.DuckDBPyConnection, table: str, reference_time: datetime | None = None, tz: ZoneInfo = DEFAULT_TZ
) -> TableValidation:
    """Run the file suite on every current file version of ``raw.<table>``.

    Freshness and "no future dates" are judged against ``reference_time``, by default the moment the
    file version was loaded: a file delivered today whose newest order is a month old is a stale export,
    whenever the check runs. Whether the asset itself was refreshed lately is the Dagster freshness
    policy's question (``orchestration/freshness.py``).
    """
    cf = contract_file(table)
    validation = TableValidation(table)
    for loaded in current_loads(con, table):
        frames = load_file_frames(con, cf, loaded)
        reference = reference_time or business_time(loaded.loaded_at, tz)
        previous = previous_rows_received(con, loaded)
        specs = file_suite_specs(cf, reference, rows_received=frames.received.height, previous_rows=previous)
        suite = f"{table}__{loaded.load_id}".replace("/", "_").replace("#", "_v")
        outcomes = validate(frames.accepted, [s for s in specs if s.scope == ACCEPTED], f"{suite}__accepted")
        outcomes += validate(frames.received, [s for s in specs if s.scope == FILE], f"{suite}__file")
        validation.files.append(
            FileValidation(
                source_file=loaded.source_file,
                load_id=loaded.load_id,
                rows_received=frames.received.height,
                rows_accepted=frames.accepted.height,
                outcomes=outcomes,
            )
        )
    return validation
