"""The order and the figures in which the dbt asset hands dbt's results to Dagster (orchestration/dbt_stream.py).

Hand-made dbt nodes: a staging model, a mart, a model built from the mart, a seed. The report lines are
written as dbt's JSON log writes a `log(..., info=True)` of a node."""

import json

import dagster as dg
import duckdb

from orchestration.dbt_stream import MART_COVERAGE_LINE, ROW_COUNT_LINE, ResultStream

NODES = {
    "model.p.stg_a": (("staging", "stg_a"), []),
    "model.p.mart_b": (("marts", "mart_b"), ["model.p.stg_a"]),
    "model.p.int_c": (("intermediate", "int_c"), ["model.p.mart_b"]),
    "seed.p.seed_d": (("reference", "seed_d"), []),
    "test.p.not_null_mart_b_x": (None, ["model.p.mart_b"]),
}
KEYS = {uid.split(".")[-1]: dg.AssetKey([NODES[uid][0][0], uid.split(".")[-1]]) for uid in NODES if NODES[uid][0]}


def _stream() -> ResultStream:
    return ResultStream(
        relation_of=lambda uid: NODES.get(uid, (None, []))[0],
        parents_of=lambda uid: NODES.get(uid, (None, []))[1],
        asset_key_of=lambda output_name: KEYS[output_name],
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
    assert stream.take_report(_log(f"{ROW_COUNT_LINE}{rows}", unique_id))
    return list(stream.after_report())


def _coverage(stream: ResultStream, coverage: dict[str, str]) -> list:
    assert stream.take_report(_log(MART_COVERAGE_LINE + json.dumps(coverage), "model.p.mart_coverage"))
    return list(stream.after_report())


def _described(events: list) -> list[tuple]:
    out = []
    for e in events:
        if isinstance(e, dg.Output):
            md = e.metadata
            rows = md["dagster/row_count"].value if "dagster/row_count" in md else None
            coverage = md["coverage"].value if "coverage" in md else None
            out.append(("output", e.output_name, rows, coverage))
        else:
            out.append(("check", e.asset_key.path[-1], e.check_name))
    return out


def test_a_counted_model_goes_at_once_with_its_row_count():
    stream = _stream()
    assert _row_count(stream, "model.p.stg_a", 7) == []
    got = list(stream.add(_output("stg_a"))) + list(stream.add(_check("stg_a", "unique_stg_a_id")))
    assert _described(got) == [("output", "stg_a", 7, None), ("check", "stg_a", "unique_stg_a_id")]
    assert not stream.waiting


def test_a_mart_its_checks_and_what_is_built_from_it_wait_for_the_coverage_in_their_order():
    stream = _stream()
    _row_count(stream, "model.p.stg_a", 7)
    _row_count(stream, "model.p.mart_b", 0)
    _row_count(stream, "model.p.int_c", 0)
    assert list(stream.add(_output("stg_a")))
    assert list(stream.add(_output("mart_b"))) == []  # coverage not reported yet
    assert list(stream.add(_check("mart_b", "not_empty_mart_b"))) == []  # after its materialization
    assert list(stream.add(_output("int_c"))) == []  # Dagster takes a step's outputs in dependency order
    # Unrelated results still go.
    assert _described(list(stream.add(_check("stg_a", "not_null_stg_a_x")))) == [("check", "stg_a", "not_null_stg_a_x")]
    assert stream.waiting
    released = _coverage(stream, {"mart_b": "no rows: orders delivered none"})
    assert _described(released) == [
        ("output", "mart_b", 0, "no rows: orders delivered none"),
        ("check", "mart_b", "not_empty_mart_b"),
        ("output", "int_c", 0, None),
    ]
    assert not stream.waiting
    # Once the coverage is known, a mart goes at once.
    assert _described(list(stream.add(_check("mart_b", "late")))) == [("check", "mart_b", "late")]


def test_a_model_waits_for_its_row_count_line():
    stream = _stream()
    assert list(stream.add(_output("stg_a"))) == []
    assert _described(_row_count(stream, "model.p.stg_a", 3)) == [("output", "stg_a", 3, None)]


def test_other_log_lines_are_not_reports():
    stream = _stream()
    assert not stream.take_report(_log("some macro's own message", "model.p.stg_a"))
    assert not stream.take_report(_log(f"{ROW_COUNT_LINE}3", "model.p.stg_a", name="JinjaLogDebug"))
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
    assert list(stream.add(_output("stg_a"))) == []
    assert list(stream.add(_output("mart_b"))) == []
    assert list(stream.add(_check("mart_b", "not_empty_mart_b"))) == []
    assert _described(list(stream.add(_output("seed_d")))) == [("output", "seed_d", 99, None)]
    assert _described(list(stream.finish(con))) == [
        ("output", "stg_a", 4, None),
        ("output", "mart_b", 0, "no rows: x delivered none"),
        ("check", "mart_b", "not_empty_mart_b"),
    ]
    assert not stream.waiting


def test_at_the_end_a_table_dbt_did_not_build_goes_without_a_count():
    con = duckdb.connect()
    stream = _stream()
    assert list(stream.add(_output("stg_a"))) == []
    assert _described(list(stream.finish(con))) == [("output", "stg_a", None, None)]
