"""dbt's results handed to Dagster while dbt builds, each materialization with its row count and, for a mart,
its input coverage.

dbt holds the warehouse file until it exits, so neither can be read from the warehouse during the build.
dbt reports them itself: post-hooks (dbt_project/macros/report_row_count.sql) log one line per model or
seed, and one line with mart_coverage's rows. A result waits here only while what it shows is unknown:

- a model's or seed's materialization until its row-count line (dbt logs it before it reports the node done);
- a mart's until mart_coverage has been reported (a build that does not rebuild mart_coverage reads it
  from the warehouse at the end);
- a check, or a test's observation, until its asset's materialization has gone: Dagster links a check to
  the asset's latest materialization;
- a materialization until those of the assets it depends on have gone: Dagster takes the outputs of one
  step in dependency order only;
- a failed or warned check until dbt has exited: it goes with a few of the rows its test found
  (orchestration/dbt_failing_rows.py), read from the warehouse dbt holds while it builds.

What still waits when dbt exits is completed from the warehouse: a model whose meta sets
count_rows_after_build (mart_dq_results, a view that grows when dbt stores the build's test results), a
mart when mart_coverage was not rebuilt, anything whose line never came (dbt-spark runs a model's hooks
only inside its transaction, so on Spark no model reports).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import dagster as dg
import duckdb

from ingestion.warehouse import existing_tables, scalar
from orchestration.dbt_failing_rows import METADATA_KEY, failing_rows
from orchestration.settings import MARTS_SCHEMA
from orchestration.summary import mart_coverage

# dagster-dbt's metadata of a test's check: how many rows dbt counted.
DBT_FAILURE_COUNT = "dagster_dbt/failed_row_count"
# The beginning of the lines the report macros log (dbt_project/macros/report_row_count.sql).
ROW_COUNT_LINE = "salesops row count: "
MART_COVERAGE_LINE = "salesops mart coverage: "

Relation = tuple[str, str]  # (schema, table) of a model or seed in the warehouse


class ResultStream:
    """Dagster events of one dbt build, released in an order Dagster accepts as soon as each is complete.

    ``relation_of(unique_id)`` is the table a dbt node builds (None for anything else),
    ``asset_key_of(output_name)`` the asset an output materializes, ``parents_of(asset_key)`` the assets it
    depends on in Dagster's graph (the order Dagster checks), ``failed_tests()`` the compiled SQL of each test
    that failed or warned, by unique id, once dbt has exited.
    """

    def __init__(
        self,
        relation_of: Callable[[str], Relation | None],
        asset_key_of: Callable[[str], dg.AssetKey],
        parents_of: Callable[[dg.AssetKey], Iterable[dg.AssetKey]],
        failed_tests: Callable[[], Mapping[str, str]] = dict,
    ) -> None:
        self._relation_of = relation_of
        self._asset_key_of = asset_key_of
        self._parents_of = parents_of
        self._failed_tests = failed_tests
        self._failing_rows: dict[str, dict[str, list]] = {}
        self._row_counts: dict[str, int] = {}
        self._coverage: dict[str, str] | None = None
        self._waiting: list[Any] = []
        self._waiting_assets: set[dg.AssetKey] = set()

    def take_report(self, raw_event: Mapping[str, Any]) -> bool:
        """Record a report line of dbt's hooks; False for any other dbt event (it is converted as usual)."""
        info = raw_event.get("info") or {}
        message = info.get("msg") or ""
        if info.get("name") != "JinjaLogInfo":
            return False
        if message.startswith(ROW_COUNT_LINE):
            unique_id = ((raw_event.get("data") or {}).get("node_info") or {}).get("unique_id")
            rows = message.rsplit(" ", 1)[-1]  # "<prefix><schema>.<table> <rows>"
            if unique_id and rows.isdigit():
                self._row_counts[unique_id] = int(rows)
            return True
        if message.startswith(MART_COVERAGE_LINE):
            self._coverage = dict(json.loads(message[len(MART_COVERAGE_LINE) :]))
            return True
        return False

    @property
    def waiting(self) -> bool:
        """Whether any result still waits for a figure."""
        return bool(self._waiting)

    def add(self, event: Any) -> list[Any]:
        """The event, now or (an empty list) once what it shows or follows is known."""
        figures = self._ready(event, finished=False)
        if figures is not None:
            return [_with_figures(event, figures)]
        self._waiting.append(event)
        if isinstance(event, dg.Output):
            self._waiting_assets.add(self._asset_key_of(event.output_name))
        return []

    def after_report(self) -> list[Any]:
        """What a report line has completed."""
        return self._release(finished=False)

    def finish(self, con: duckdb.DuckDBPyConnection | None) -> list[Any]:
        """Everything still waiting, completed from the warehouse (``con``, opened after dbt has exited; None
        when it cannot be opened: the results then go without the figures dbt did not report). Nothing is
        dropped: should an order rule still hold something back (it cannot while dbt reports a node's
        parents before the node), it goes last, in the order it came."""
        if con is not None and self._waiting:
            tables = existing_tables(con)
            for event in self._waiting:
                relation, unique_id = self._relation(event), _unique_id(event)
                if relation and unique_id and unique_id not in self._row_counts and relation in tables:
                    self._row_counts[unique_id] = scalar(con, f'select count(*) from "{relation[0]}"."{relation[1]}"')
            if self._coverage is None:
                self._coverage = {mart: status for mart, _, status in mart_coverage(con)}
            self._read_failing_rows(con)
        released = self._release(finished=True) + self._waiting
        self._waiting, self._waiting_assets = [], set()
        return released

    def _release(self, finished: bool) -> list[Any]:
        """Take every result that can go now off the waiting list, in the order they came."""
        ready: list[Any] = []
        progressed = True
        while progressed and self._waiting:
            progressed, still_waiting = False, []
            for event in self._waiting:
                figures = self._ready(event, finished)
                if figures is None:
                    still_waiting.append(event)
                    continue
                if isinstance(event, dg.Output):
                    self._waiting_assets.discard(self._asset_key_of(event.output_name))
                    progressed = True
                ready.append(_with_figures(event, figures))
            self._waiting = still_waiting
        return ready

    def _ready(self, event: Any, finished: bool) -> dict[str, Any] | None:
        """The figures an event goes with ({} for none), or None while it must wait: a materialization for its
        figures or behind an asset it depends on, a check or observation behind its asset."""
        if not isinstance(event, dg.Output):
            if getattr(event, "asset_key", None) in self._waiting_assets:
                return None
            if isinstance(event, dg.AssetCheckResult) and not event.passed:
                if not finished:
                    return None
                rows = self._failing_rows.get(_unique_id(event) or "")
                if not rows or not rows["rows"]:
                    return {}
                counted = event.metadata.get(DBT_FAILURE_COUNT)
                counted = getattr(counted, "value", counted)
                return {METADATA_KEY: dg.MetadataValue.json({**rows, "count": counted} if counted else rows)}
            return {}
        relation = self._relation(event)
        figures = self._figures(event, relation, finished) if relation else {}
        return None if figures is None or self._parent_waits(event) else figures

    def _figures(self, output: dg.Output, relation: Relation, finished: bool) -> dict[str, Any] | None:
        """The output's row count and coverage; None while one of them may still be reported."""
        schema, table = relation
        rows = self._row_counts.get(_unique_id(output) or "")
        is_mart = schema == MARTS_SCHEMA
        if not finished and (rows is None or (is_mart and self._coverage is None)):
            return None
        figures: dict[str, Any] = {}
        if rows is not None:
            figures["dagster/row_count"] = dg.MetadataValue.int(rows)
        if is_mart and self._coverage and table in self._coverage:
            figures["coverage"] = dg.MetadataValue.text(self._coverage[table])
        return figures

    def _read_failing_rows(self, con: duckdb.DuckDBPyConnection) -> None:
        """A few rows of each failed or warned test that waits, from its own SQL (none where it cannot run)."""
        waiting = {_unique_id(e) for e in self._waiting if isinstance(e, dg.AssetCheckResult) and not e.passed}
        if not waiting:
            return
        for unique_id, sql in self._failed_tests().items():
            if unique_id in waiting:
                try:
                    self._failing_rows[unique_id] = failing_rows(con, sql)
                except duckdb.Error:
                    continue  # the check still goes, with dbt's count alone

    def _parent_waits(self, output: dg.Output) -> bool:
        key = self._asset_key_of(output.output_name)
        return any(parent in self._waiting_assets for parent in self._parents_of(key) if parent != key)

    def _relation(self, event: Any) -> Relation | None:
        """The table a materialization is of; None for any other event."""
        unique_id = _unique_id(event) if isinstance(event, dg.Output) else None
        return self._relation_of(unique_id) if unique_id else None


def _with_figures(event: Any, figures: dict[str, Any]) -> Any:
    return event.with_metadata({**event.metadata, **figures}) if figures else event


def _unique_id(event: Any) -> str | None:
    node = (getattr(event, "metadata", None) or {}).get("unique_id")
    return getattr(node, "value", node)
