"""benchmarks/profile_pipeline.py's timeline of the dbt step, on a hand-written event log and dbt.log."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import dagster as dg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.profile_pipeline import DBT_STEP, _dbt_step_timeline  # noqa: E402 - after the path insert

T0 = datetime(2026, 12, 4, 18, 0, 0, tzinfo=UTC).timestamp()


class _Instance:
    def __init__(self, records: list[SimpleNamespace]) -> None:
        self.records = records

    def all_logs(self, run_id: str) -> list[SimpleNamespace]:
        assert run_id == "run-1"
        return self.records


def _record(step_key: str | None, event_type: dg.DagsterEventType, at: float) -> SimpleNamespace:
    return SimpleNamespace(step_key=step_key, timestamp=T0 + at, dagster_event=SimpleNamespace(event_type=event_type))


def _dbt_line(name: str, at: float) -> str:
    ts = datetime.fromtimestamp(T0 + at, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps({"data": {}, "info": {"name": name, "ts": ts, "code": "X", "msg": ""}})


def test_the_dbt_step_is_split_at_dagsters_events_and_dbts_own_log_lines(tmp_path: Path) -> None:
    E = dg.DagsterEventType
    instance = _Instance(
        [
            _record("gx_teams", E.STEP_START, 1.0),
            _record("gx_teams", E.STEP_SUCCESS, 2.0),
            _record(DBT_STEP, E.STEP_START, 10.0),
            # Results handed over while dbt runs, the last one 0.4 s before dbt's last line.
            _record(DBT_STEP, E.STEP_OUTPUT, 25.0),
            _record(DBT_STEP, E.ASSET_MATERIALIZATION, 25.1),
            _record(DBT_STEP, E.ASSET_CHECK_EVALUATION, 39.6),
            _record(DBT_STEP, E.STEP_SUCCESS, 43.25),
            _record("serving__published_marts", E.STEP_START, 43.3),
        ]
    )
    log = tmp_path / "dbt.log"
    lines = [
        _dbt_line("MainReportVersion", 14.0),
        _dbt_line("UnableToPartialParse", 14.5),
        _dbt_line("FoundStats", 21.0),
        _dbt_line("ConcurrencyLine", 21.1),
        _dbt_line("LogHookStartLine", 21.5),
        _dbt_line("LogStartLine", 21.6),
        _dbt_line("StatsLine", 40.0),
    ]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")

    timeline = _dbt_step_timeline(instance, "run-1", log)

    assert timeline["full_parse_reported"] is True
    assert list(timeline["phases"].values()) == [4.0, 7.0, 0.5, 18.5, 3.25]
    assert sum(timeline["phases"].values()) == 43.25 - 10.0
    assert timeline["last_result_after_dbt_s"] == -0.4


def test_phases_a_failed_dbt_never_reached_are_none(tmp_path: Path) -> None:
    E = dg.DagsterEventType
    instance = _Instance(
        [_record(DBT_STEP, E.STEP_START, 10.0), _record(DBT_STEP, E.STEP_FAILURE, 16.0)],
    )
    log = tmp_path / "dbt.log"
    # dbt stopped in its parse: no stats line, no node, no output to Dagster.
    log.write_text(_dbt_line("MainReportVersion", 12.0) + "\n" + _dbt_line("MainEncounteredError", 15.0) + "\n")

    timeline = _dbt_step_timeline(instance, "run-1", log)

    # Its last line (the error) to the step's failure is still timed.
    assert list(timeline["phases"].values()) == [2.0, None, None, None, 1.0]
    assert timeline["last_result_after_dbt_s"] is None
