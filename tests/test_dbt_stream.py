"""The order and the figures in which the dbt asset hands dbt's results to Dagster (orchestration/dbt_stream.py).

Hand-made dbt nodes: a staging model, a mart, a model built from the mart, a seed. The report lines are
written as dbt's JSON log writes a `log(..., info=True)` of a node."""

import json

import dagster as dg
import duckdb

from orchestration.dbt_stream import MART_COVERAGE_LINE, ROW_COUNT_LINE, ResultStream

# unique id -> (relation, parents in Dagster's asset graph)
NODES = {
    "model.p.stg_a": (("staging", "stg_a"), []),
    "model.p.mart_b": (("marts", "mart_b"), ["stg_a"]),
    "model.p.int_c": (("intermediate", "int_c"), ["mart_b"]),
    "model.p.mart_e": (("marts", "mart_e"), ["int_c"]),
    "model.p.int_f": (("intermediate", "int_f"), ["mart_e"]),
    "seed.p.seed_d": (("reference", "seed_d"), []),
    "test.p.not_null_mart_b_x": (None, []),
}
KEYS = {uid.split(".")[-1]: dg.AssetKey([rel[0], uid.split(".")[-1]]) for uid, (rel, _) in NODES.items() if rel}
PARENTS = {KEYS[uid.split(".")[-1]]: [KEYS[p] for p in parents] for uid, (rel, parents) in NODES.items() if rel}


def _stream() -> ResultStream:
    return ResultStream(
        relation_of=lambda uid: NODES.get(uid, (None, []))[0],
        asset_key_of=lambda output_name: KEYS[output_name],
        parents_of=lambda key: PARENTS.get(key, []),
    )


def _output(name: str) -> dg.Output:
    uid = next(u for u in NODES if u.endswith("." + name))
    return dg.Output(None, output_name=name, metadata={"unique_id": uid})


def _check(asset: str, name: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(asset_key=KEYS[asset], check_name=name, passed=True)


def _log(message: str, unique_id: str | None = None, name: str = "JinjaLogInfo") -> dict:
    data = {"msg": message, "node_info": {"unique_id": unique_id}} if unique_id else {"msg": message}
    return {"info": {"name": name, "msg": message, "level": "info"}, "data": data}


def _row_count(stream: ResultStream, unique_id: str, rows: int) -> list:
    schema, table = NODES[unique_id][0]
    assert stream.take_report(_log(f"{ROW_COUNT_LINE}{schema}.{table} {rows}", unique_id))
    return stream.after_report()


def _coverage(stream: ResultStream, coverage: dict[str, str]) -> list:
    assert stream.take_report(_log(MART_COVERAGE_LINE + json.dumps(coverage), "model.p.mart_coverage"))
    return stream.after_report()


def _described(events: list) -> list[tuple]:
    out = []
    for e in events:
        if isinstance(e, dg.Output):
            md = e.metadata
            rows = md["dagster/row_count"].value if "dagster/row_count" in md else None
            coverage = md["coverage"].value if "coverage" in md else None
            out.append(("output", e.output_name, rows, coverage))
        elif isinstance(e, dg.AssetObservation):
            out.append(("observation", e.asset_key.path[-1]))
        else:
            out.append(("check", e.asset_key.path[-1], e.check_name))
    return out


def test_a_counted_model_goes_at_once_with_its_row_count():
    stream = _stream()
    assert _row_count(stream, "model.p.stg_a", 7) == []
    got = stream.add(_output("stg_a")) + stream.add(_check("stg_a", "unique_stg_a_id"))
    assert _described(got) == [("output", "stg_a", 7, None), ("check", "stg_a", "unique_stg_a_id")]
    assert not stream.waiting


def test_marts_their_checks_and_what_is_built_from_them_wait_for_the_coverage_in_their_order():
    stream = _stream()
    for uid, rows in [("stg_a", 7), ("mart_b", 0), ("int_c", 0), ("mart_e", 2), ("int_f", 2)]:
        _row_count(stream, f"model.p.{uid}", rows)
    assert stream.add(_output("stg_a"))
    assert stream.add(_output("mart_b")) == []  # coverage not reported yet
    assert stream.add(_check("mart_b", "not_empty_mart_b")) == []  # after its materialization
    assert stream.add(dg.AssetObservation(asset_key=KEYS["mart_b"])) == []  # a test that is no check
    assert stream.add(_output("int_c")) == []  # Dagster takes a step's outputs in dependency order
    assert stream.add(_output("mart_e")) == []  # two generations down
    assert stream.add(_output("int_f")) == []
    # Unrelated results still go.
    assert _described(stream.add(_check("stg_a", "not_null_stg_a_x"))) == [("check", "stg_a", "not_null_stg_a_x")]
    assert stream.waiting
    released = _coverage(stream, {"mart_b": "no rows: orders delivered none", "mart_e": "built from its inputs"})
    assert _described(released) == [
        ("output", "mart_b", 0, "no rows: orders delivered none"),
        ("check", "mart_b", "not_empty_mart_b"),
        ("observation", "mart_b"),
        ("output", "int_c", 0, None),
        ("output", "mart_e", 2, "built from its inputs"),
        ("output", "int_f", 2, None),
    ]
    assert not stream.waiting
    # Once the coverage is known, a mart goes at once.
    assert _described(stream.add(_check("mart_b", "late"))) == [("check", "mart_b", "late")]


def test_a_model_waits_for_its_row_count_line_and_its_children_behind_it():
    stream = _stream()
    _row_count(stream, "model.p.mart_b", 1)
    _coverage(stream, {})
    assert stream.add(_output("stg_a")) == []
    assert stream.add(_output("mart_b")) == []  # counted, but its parent has not gone
    assert _described(_row_count(stream, "model.p.stg_a", 3)) == [
        ("output", "stg_a", 3, None),
        ("output", "mart_b", 1, None),
    ]


def test_other_log_lines_are_not_reports():
    stream = _stream()
    assert not stream.take_report(_log("some macro's own message", "model.p.stg_a"))
    assert not stream.take_report(_log(f"{ROW_COUNT_LINE}staging.stg_a 3", "model.p.stg_a", name="JinjaLogDebug"))
    assert not stream.take_report({"info": {"name": "NodeFinished", "msg": "done"}, "data": {}})


def test_what_dbt_never_reported_is_completed_from_the_warehouse_at_the_end():
    con = duckdb.connect()
    con.execute("create schema staging; create schema marts; create schema reference")
    con.execute("create table staging.stg_a as select range as id from range(4)")
    con.execute("create table marts.mart_b (x integer)")
    con.execute("create table reference.seed_d as select 1 as v")
    con.execute(
        "create table marts.mart_coverage as select 'mart_b' as mart_name, false as inputs_have_rows,"
        " 'no rows: x delivered none' as coverage_status"
    )
    stream = _stream()
    _row_count(stream, "seed.p.seed_d", 99)  # reported: the reported figure stands
    assert stream.add(_output("stg_a")) == []
    assert stream.add(_output("mart_b")) == []
    assert stream.add(_check("mart_b", "not_empty_mart_b")) == []
    assert _described(stream.add(_output("seed_d"))) == [("output", "seed_d", 99, None)]
    assert _described(stream.finish(con)) == [
        ("output", "stg_a", 4, None),
        ("output", "mart_b", 0, "no rows: x delivered none"),
        ("check", "mart_b", "not_empty_mart_b"),
    ]
    assert not stream.waiting


def test_at_the_end_without_the_warehouse_everything_still_goes_in_order():
    stream = _stream()
    _row_count(stream, "model.p.int_c", 5)
    assert stream.add(_output("stg_a")) == []
    assert stream.add(_output("mart_b")) == []
    assert stream.add(_output("int_c")) == []
    assert _described(stream.finish(None)) == [
        ("output", "stg_a", None, None),
        ("output", "mart_b", None, None),
        ("output", "int_c", 5, None),
    ]


def test_at_the_end_a_table_dbt_did_not_build_goes_without_a_count():
    stream = _stream()
    assert stream.add(_output("stg_a")) == []
    assert _described(stream.finish(duckdb.connect())) == [("output", "stg_a", None, None)]


def test_a_dbt_process_still_running_when_the_step_stops_is_interrupted_then_killed():
    import signal
    import subprocess
    import sys
    from pathlib import Path
    from types import SimpleNamespace

    from orchestration.assets.dbt import stop_dbt_process

    # The sleeper installs its own SIGINT handler and unblocks SIGINT, then says so: what a child inherits from
    # the test worker must not decide whether SIGINT stops it. Twice in a whole suite (never alone) a sleeper
    # was killed when the wait ran out instead: the wait is long here (it ends as soon as the sleeper exits), and
    # the signal state and the sleeper's stderr say why if it happens again.
    sleeper = (
        "import signal, time; signal.signal(signal.SIGINT, signal.default_int_handler);"
        " signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); print(1, flush=True); time.sleep(120)"
    )
    interrupted = subprocess.Popen([sys.executable, "-c", sleeper], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert interrupted.stdout.readline() == b"1\n"  # its handler is in place
    status = Path(f"/proc/{interrupted.pid}/status").read_text()
    signal_state = [line for line in status.splitlines() if line.startswith(("SigBlk", "SigIgn", "SigCgt"))]
    stop_dbt_process(SimpleNamespace(process=interrupted), timeout_s=60.0)
    # SIGINT ended it (KeyboardInterrupt, uncaught: Python ends itself with SIGINT), not the kill.
    assert interrupted.returncode == -signal.SIGINT, (signal_state, interrupted.stderr.read())

    deaf = "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); print(1, flush=True); time.sleep(60)"
    ignoring = subprocess.Popen([sys.executable, "-c", deaf], stdout=subprocess.PIPE)
    ignoring.stdout.readline()  # its handler is in place
    stop_dbt_process(SimpleNamespace(process=ignoring), timeout_s=0.5)
    assert ignoring.returncode == -9 and ignoring.stdout.closed

    stop_dbt_process(SimpleNamespace(process=ignoring), timeout_s=0.5)  # already ended: no-op


def test_an_output_of_no_table_still_waits_behind_its_parent():
    stream = _stream()
    assert stream.add(_output("stg_a")) == []  # no row count yet
    orphan = dg.Output(None, output_name="mart_b", metadata={"unique_id": "model.p.unknown"})
    assert stream.add(orphan) == []
    assert _described(_row_count(stream, "model.p.stg_a", 1)) == [
        ("output", "stg_a", 1, None),
        ("output", "mart_b", None, None),
    ]


def test_a_report_line_without_its_node_is_ignored():
    stream = _stream()
    assert stream.take_report({"info": {"name": "JinjaLogInfo", "msg": f"{ROW_COUNT_LINE}x.y 3"}, "data": {}})
    assert stream.add(_output("stg_a")) == []


def test_a_failed_check_waits_for_dbt_to_exit_and_goes_with_the_rows_its_test_found():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.mart_b (x integer, _source_file varchar, _row_number bigint)")
    con.execute(
        "insert into marts.mart_b values (1, 'orders/a.csv', 4), (null, 'orders/a.csv', 7), (null, 'orders/b.csv', 2)"
    )
    failing_sql = "select * from marts.mart_b where x is null order by _source_file -- dbt's own comment"
    stream = ResultStream(
        relation_of=lambda uid: NODES.get(uid, (None, []))[0],
        asset_key_of=lambda output_name: KEYS[output_name],
        parents_of=lambda key: PARENTS.get(key, []),
        failed_tests=lambda: {"test.p.not_null_mart_b_x": failing_sql, "test.p.other": "select 1"},
    )
    _row_count(stream, "model.p.mart_b", 3)
    _coverage(stream, {})
    assert stream.add(_output("mart_b"))
    failed = dg.AssetCheckResult(
        asset_key=KEYS["mart_b"],
        check_name="not_null_mart_b_x",
        passed=False,
        metadata={"unique_id": "test.p.not_null_mart_b_x", "dagster_dbt/failed_row_count": 2},
    )
    assert stream.add(failed) == []  # the warehouse is dbt's until it exits
    assert _described(stream.add(_check("mart_b", "unique_mart_b_x"))) == [("check", "mart_b", "unique_mart_b_x")]
    (released,) = stream.finish(con)
    assert (released.check_name, released.passed) == ("not_null_mart_b_x", False)
    assert released.metadata["rows_found"].value == {
        "columns": ["x", "_source_file", "_row_number"],
        "rows": [[None, "orders/a.csv", 7], [None, "orders/b.csv", 2]],
        "count": 2,
    }


def test_a_failed_check_whose_test_cannot_run_again_still_goes_with_dbt_s_count():
    stream = ResultStream(
        relation_of=lambda uid: NODES.get(uid, (None, []))[0],
        asset_key_of=lambda output_name: KEYS[output_name],
        parents_of=lambda key: PARENTS.get(key, []),
        failed_tests=lambda: {"test.p.gone": "select * from a_table_dropped_since"},
    )
    failed = dg.AssetCheckResult(
        asset_key=KEYS["stg_a"], check_name="gone", passed=False, metadata={"unique_id": "test.p.gone", "n": 2}
    )
    assert stream.add(failed) == []
    (released,) = stream.finish(duckdb.connect())
    assert set(released.metadata) == {"unique_id", "n"}
    stream.add(failed)
    (released,) = stream.finish(None)  # no warehouse: the check still goes
    assert released.check_name == "gone"
