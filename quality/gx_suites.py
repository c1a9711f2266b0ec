"""Great Expectations 1.x: turn ``ExpectationSpec`` lists into suites and run them on pandas frames.

great_expectations is imported lazily (about 3 s): only when a suite actually runs, never when Dagster
loads the code location. One ephemeral context, with one pandas datasource and one whole-frame batch
definition, is built once per process and reused: each validation gets a batch of its own frame and an
unsaved suite (``Batch.validate``), so nothing accumulates in the context and names never collide.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

import pandas as pd

from quality.expectations import ExpectationSpec

PASS = "pass"
FAIL = "fail"
ERROR_STATUS = "error"  # the expectation could not be evaluated (counts as failed)


@dataclass(frozen=True)
class ExpectationOutcome:
    spec: ExpectationSpec
    status: str  # pass, fail, error
    failing_rows: int | None
    observed_value: str | None
    element_count: int | None
    details: dict[str, Any]

    @property
    def passed(self) -> bool:
        return self.status == PASS


def _gx():
    import great_expectations as gx

    return gx


@cache
def _batch_definition():
    """The one whole-dataframe batch definition every validation of this process uses."""
    context = _ephemeral_context()
    return (
        context.data_sources.add_pandas("raw_frames")
        .add_dataframe_asset("raw_frame")
        .add_batch_definition_whole_dataframe("whole_frame")
    )


def _ephemeral_context():
    gx = _gx()
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every batch under HASH_THRESHOLD bytes (an MD5 over pandas' hash of every row), a batch
    # marker nothing here reads: 8 s and 1.1 GB for a 10M-row key column. A threshold of 0 switches it off.
    pandas_execution_engine.HASH_THRESHOLD = 0
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def build_expectation(spec: ExpectationSpec) -> Any:
    """The GX expectation object of a spec (the check name travels in ``meta``)."""
    gx = _gx()
    cls = getattr(gx.expectations, spec.gx_type)
    return cls(**spec.kwargs, meta={"check_name": spec.check_name}, description=spec.description)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if hasattr(value, "isoformat"):  # pandas Timestamp, numpy datetime64 via pandas
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        try:
            return _jsonable(value.item())
        except (ValueError, TypeError):
            return str(value)
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def _observed(result: dict[str, Any]) -> str | None:
    if "observed_value" in result:
        return json.dumps(_jsonable(result["observed_value"]), ensure_ascii=False, default=str)
    if "unexpected_count" in result:
        return f"{result.get('unexpected_count')} of {result.get('element_count')} rows unexpected"
    return None


def _outcome(spec: ExpectationSpec, validation_result) -> ExpectationOutcome:
    result = dict(validation_result.result or {})
    exception = validation_result.exception_info or {}
    raised = bool(exception.get("raised_exception"))
    details: dict[str, Any] = {}
    if result.get("partial_unexpected_list"):
        details["examples"] = _jsonable(result["partial_unexpected_list"][:5])
    if result.get("details"):
        details["details"] = _jsonable(result["details"])
    if raised:
        details["exception"] = str(exception.get("exception_message"))[:500]
    failing = result.get("unexpected_count")
    return ExpectationOutcome(
        spec=spec,
        status=ERROR_STATUS if raised else (PASS if validation_result.success else FAIL),
        failing_rows=int(failing) if failing is not None else None,
        observed_value=_observed(result),
        element_count=result.get("element_count"),
        details=details,
    )


# The datetimes pandas can hold in nanoseconds (pandas.Timestamp.min/max, rounded inwards).
_NANOSECOND_RANGE = (pd.Timestamp("1677-09-22"), pd.Timestamp("2262-04-11"))


def _vectorizable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its naive datetime columns in nanoseconds where their values fit.

    GX compares datetimes column-wise (``ExpectColumnValuesToBeBetween``) only for nanosecond columns
    (``great_expectations/expectations/metrics/column_map_metrics/column_values_between.py``); DuckDB gives
    pandas microseconds, which GX then compares one Python value at a time: half of the raw checks' time at
    1M rows. A column with a value outside 1677-2262 keeps its unit: the slow path, the same verdict."""
    converted = {}
    repeated = frame.columns[frame.columns.duplicated()]
    for name, dtype in frame.dtypes.items():
        if name in repeated:
            continue  # frame[name] would be a frame: left to GX as it is
        if pd.api.types.is_datetime64_dtype(dtype) and not pd.api.types.is_datetime64_ns_dtype(dtype):
            column = frame[name]
            low, high = column.min(), column.max()
            if pd.isna(low) or (_NANOSECOND_RANGE[0] <= low and high <= _NANOSECOND_RANGE[1]):
                converted[name] = column.astype("datetime64[ns]")
    if not converted:
        return frame
    frame = frame.copy(deep=False)
    for name, column in converted.items():
        frame[name] = column
    return frame


def _columns(spec: ExpectationSpec) -> tuple[str, ...]:
    """The frame columns a spec reads, each once; empty for a table-level expectation (row count, column set)."""
    return tuple(dict.fromkeys(spec.kwargs[k] for k in ("column", "column_A", "column_B") if k in spec.kwargs))


def _applicable(spec: ExpectationSpec, columns: set[str]) -> bool:
    return all(c in columns for c in _columns(spec))


def validate(frame: pd.DataFrame, specs: Sequence[ExpectationSpec], suite_name: str) -> list[ExpectationOutcome]:
    """Run ``specs`` through GX on ``frame``; one outcome per spec, in the order given.

    A spec naming a column the frame lacks is not applicable to this table and is left out.

    Specs that read the same columns run as one suite on a frame of only those columns. GX drops a column's
    nulls by filtering the whole frame it is given, which copies every column: on the 10M accepted order
    lines that copy was 1.1 GB for each expectation. A column expectation sees nothing but its columns, so
    the verdicts are those of one suite on the whole frame; table-level expectations keep the whole frame.
    """
    specs = [s for s in specs if _applicable(s, set(frame.columns))]
    groups: dict[tuple[str, ...], list[ExpectationSpec]] = {}
    for spec in specs:
        groups.setdefault(_columns(spec), []).append(spec)
    outcomes: dict[str, ExpectationOutcome] = {}
    for columns, group in groups.items():
        part = frame[list(columns)] if columns else frame
        outcomes |= _validate_suite(part, group, suite_name)
    # A spec GX returned no result for must not vanish: a lost blocking expectation would let the gate pass.
    return [outcomes.get(s.check_name) or _missing_outcome(s) for s in specs]


def _validate_suite(
    frame: pd.DataFrame, specs: Sequence[ExpectationSpec], suite_name: str
) -> dict[str, ExpectationOutcome]:
    """``specs`` as one GX suite on ``frame``: the outcomes GX returned, by check name."""
    gx = _gx()
    # The context must exist before a suite is made (GX resolves it when expectations are added).
    batch_definition = _batch_definition()
    suite = gx.ExpectationSuite(name=suite_name)
    for spec in specs:
        suite.add_expectation(build_expectation(spec))
    batch = batch_definition.get_batch(batch_parameters={"dataframe": _vectorizable(frame)})
    run = batch.validate(suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5})
    by_name = {spec.check_name: spec for spec in specs}
    outcomes = {}
    for validation_result in run.results:
        name = (validation_result.expectation_config.meta or {}).get("check_name")
        if name in by_name:
            outcomes[name] = _outcome(by_name[name], validation_result)
    return outcomes


def _missing_outcome(spec: ExpectationSpec) -> ExpectationOutcome:
    return ExpectationOutcome(spec, ERROR_STATUS, None, "great-expectations returned no result", None, {})
