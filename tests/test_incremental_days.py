"""Incremental days (docs incremental_days): a dated drop rebuilds only what it touches, and the result is
the same as a full refresh of the same landing.

A generated landing is split into a base and a later dated drop holding ~1% of the orders (with their lines
and payments), of the sell-out and of the activities, plus changed rows: an order whose status changed, a
new payment on an old order, a corrected line, and a payment and a corrected line on two other old orders
whose headers stay as they were. The base is built, then the drop loaded and built incrementally; every
core and marts table must equal a fresh full build of the whole landing. Then a corrected version of the
drop's line file, one line shorter, must remove that line incrementally.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import math
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import TEST_SEED, build_fixture_warehouse, load_fixture_landing
from oracles import answer_key_rows

from orchestration.dbt_project import WITHOUT_UNIT_TESTS
from orchestration.pipeline import run_dbt

SCALE = 0.05
DROP_SHARE = 0.01
INCREMENTAL_MODELS = ("fct_order_lines", "fct_payments", "fct_orders", "int_channel__sell_out_lines")
# The log of the run's own checks, and per-run bookkeeping columns (as in tests/mart_fingerprint.py).
SKIP_TABLES = {"marts.mart_dq_results"}
RUN_COLUMNS = {"run_id", "checked_at", "published_at", "built_at", "loaded_at", "_loaded_at", "_load_id"}


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _move_to_drop(landing: Path, relative: str, drop: str, take) -> tuple[list[str], list[list[str]]]:
    """Move the rows ``take(header, row)`` selects from ``<landing>/<relative>`` into the dated drop."""
    source, name = relative.split("/")
    header, rows = _read(landing / relative)
    moved = [r for r in rows if len(r) == len(header) and take(header, r)]
    kept = [r for r in rows if not (len(r) == len(header) and take(header, r))]
    _write(landing / relative, header, kept)
    _write(landing / source / drop / name, header, moved)
    return header, moved


def split_landing(landing: Path) -> dict[str, object]:
    """Turn a generated landing into base + one dated drop (in place); returns what the drop changed."""
    header, orders = _read(landing / "orders/orders.csv")
    col = {c: i for i, c in enumerate(header)}
    tainted = _orders_with_bad_rows(landing, header, orders)
    valid = [r for r in orders if len(r) == len(header) and _is_date(r[col["order_date"]]) and r[col["order_id"]]]
    valid.sort(key=lambda r: (r[col["order_date"]], r[col["order_id"]]))
    n = max(3, round(len(valid) * DROP_SHARE))
    new_orders = {r[col["order_id"]] for r in valid[-n:]}
    drop = (dt.date.fromisoformat(valid[-1][col["order_date"]]) + dt.timedelta(days=1)).isoformat()

    def of_new_order(h, r):
        return r[h.index("order_id")] in new_orders

    _move_to_drop(landing, "orders/orders.csv", drop, of_new_order)
    line_header, _ = _move_to_drop(landing, "orders/order_lines.csv", drop, of_new_order)
    pay_header, _ = _move_to_drop(landing, "orders/payments.csv", drop, of_new_order)

    for relative in ("channels/partner_sell_out.csv", "crm/activities.csv"):
        _, rows = _read(landing / relative)
        last = {tuple(r) for r in rows[-max(2, round(len(rows) * DROP_SHARE)) :]}
        _, moved = _move_to_drop(landing, relative, drop, lambda h, r, last=last: tuple(r) in last)
        assert moved, relative

    # Changed rows in the same drop: an old order changes status, an old order gets a new payment, an old
    # line is corrected.
    old = valid[len(valid) // 2]
    changed_order = list(old)
    changed_order[col["status"]] = "cancelled" if old[col["status"]] != "cancelled" else "delivered"
    changed_order[col["updated_at"]] = f"{drop} 09:00:00"
    _append(landing / "orders" / drop / "orders.csv", changed_order)

    payment = dict.fromkeys(pay_header, "")
    payment.update(
        payment_id="PAYINCR0001",
        order_id=old[col["order_id"]],
        paid_at=f"{drop} 10:00:00",
        amount="123.45",
        currency=old[col["currency"]],
        method="bank_transfer",
    )
    _append(landing / "orders" / drop / "payments.csv", [payment[c] for c in pay_header])

    _, base_lines = _read(landing / "orders/order_lines.csv")
    lc = {c: i for i, c in enumerate(line_header)}
    line = next(r for r in base_lines if len(r) == len(line_header) and r[lc["order_id"]] == old[col["order_id"]])
    corrected = list(line)
    corrected[lc["quantity"]] = str(int(line[lc["quantity"]]) + 5)
    _append(landing / "orders" / drop / "order_lines.csv", corrected)

    # A new payment and a corrected line on two more old orders whose headers do not change, each a later
    # live order of an account the drop's headers do not touch: an incremental fct_orders rebuilds these
    # orders alone, and they must keep their place among their account's orders (account_order_sequence).
    headers_in_drop = new_orders | {old[col["order_id"]]}
    touched_accounts = {r[col["account_id"]] for r in valid if r[col["order_id"]] in headers_in_drop}
    accounts_with_orders: set[str] = set()
    later_orders = []
    for r in valid[: len(valid) // 2]:
        account, order_id = r[col["account_id"]], r[col["order_id"]]
        if r[col["status"]] == "cancelled" or not account or order_id in tainted:
            continue
        if account in accounts_with_orders and account not in touched_accounts:
            later_orders.append(r)
        accounts_with_orders.add(account)
    paid_only = later_orders[0]
    line_only = next(r for r in later_orders if r[col["account_id"]] != paid_only[col["account_id"]])
    payment.update(payment_id="PAYINCR0002", order_id=paid_only[col["order_id"]], currency=paid_only[col["currency"]])
    _append(landing / "orders" / drop / "payments.csv", [payment[c] for c in pay_header])
    line = next(r for r in base_lines if len(r) == len(line_header) and r[lc["order_id"]] == line_only[col["order_id"]])
    corrected = list(line)
    corrected[lc["quantity"]] = str(int(line[lc["quantity"]]) + 2)
    _append(landing / "orders" / drop / "order_lines.csv", corrected)
    return {
        "drop": drop,
        "new_orders": new_orders,
        "changed_order": old[col["order_id"]],
        "headerless_changes": [paid_only[col["order_id"]], line_only[col["order_id"]]],
        "total_orders": len(valid),
    }


def _orders_with_bad_rows(landing: Path, header: list[str], orders: list[list[str]]) -> set[str]:
    """Order ids with a header or line the generator injected as bad (its answer key): not picked for changes."""
    line_header, lines = _read(landing / "orders/order_lines.csv")
    tainted = set()
    for relative, head, rows in (("orders/orders.csv", header, orders), ("orders/order_lines.csv", line_header, lines)):
        bad = [rows[n - 1] for n in answer_key_rows(landing, relative) if n <= len(rows)]
        tainted |= {r[head.index("order_id")] for r in bad if len(r) == len(head)}
    return tainted


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _append(path: Path, row: list[str]) -> None:
    header, rows = _read(path)
    _write(path, header, [*rows, row])


def _normal(value: object) -> object:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return json.dumps([_normal(v) for v in value], default=str)
    return value


def _sort_key(row: tuple) -> str:
    return json.dumps([round(v, 4) if isinstance(v, float) else v for v in row], default=str)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        # Money to the cent, rates and shares to 1e-9 (sums may run in another order).
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) or (abs(a - b) < 0.005 and abs(a) >= 1)
    return a == b


def warehouse_tables(warehouse: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('core', 'marts') order by 1, 2"
        ).fetchall()
        out = {}
        for schema, table in tables:
            if f"{schema}.{table}" in SKIP_TABLES:
                continue
            cols = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                    "order by column_name",
                    [schema, table],
                ).fetchall()
                if c not in RUN_COLUMNS
            ]
            rows = con.execute(f'select {", ".join(chr(34) + c + chr(34) for c in cols)} from {schema}."{table}"')
            normal = [tuple(_normal(v) for v in r) for r in rows.fetchall()]
            out[f"{schema}.{table}"] = (cols, sorted(normal, key=_sort_key))
        return out
    finally:
        con.close()


def table_differences(left: dict, right: dict) -> list[str]:
    problems = []
    if sorted(left) != sorted(right):
        problems.append(f"tables differ: {sorted(set(left) ^ set(right))}")
    for name in sorted(set(left) & set(right)):
        (lcols, lrows), (rcols, rrows) = left[name], right[name]
        if lcols != rcols:
            problems.append(f"{name}: columns {lcols} != {rcols}")
        elif len(lrows) != len(rrows):
            problems.append(f"{name}: {len(lrows)} rows != {len(rrows)}")
        else:
            for a, b in zip(lrows, rrows, strict=True):
                if not all(_same(x, y) for x, y in zip(a, b, strict=True)):
                    problems.append(f"{name}: first differing row {a} != {b}")
                    break
    return problems


def last_runs(warehouse: Path) -> dict[str, tuple[bool, int]]:
    """Per incremental model, its latest audit.incremental_runs entry: (rebuilt_all, keys_rebuilt)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select model_name, rebuilt_all, keys_rebuilt from audit.incremental_runs "
            "qualify row_number() over (partition by model_name order by built_at desc) = 1"
        ).fetchall()
    finally:
        con.close()
    return {m: (all_, keys) for m, all_, keys in rows}


def model_seconds(target: Path) -> dict[str, float]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results if r["unique_id"].startswith("model.")}


@pytest.fixture(scope="module")
def incremental_days(tmp_path_factory: pytest.TempPathFactory):
    from sample_data.generator import generate_landing

    root = tmp_path_factory.mktemp("incremental_days")
    generated = root / "generated"
    generate_landing(generated, scale=SCALE, seed=TEST_SEED)
    split = split_landing(generated)
    drop = split["drop"]

    # Incremental: the base first (drop folders set aside), then the drop.
    base = root / "base"
    shutil.copytree(generated, base, ignore=shutil.ignore_patterns(drop))
    # Each warehouse is named salesops.duckdb in a folder of its own: dbt's saved parse state is per file
    # name and vars (orchestration/dbt_parse_cache.py), so these builds start from the suite's other ones.
    incremental = root / "incremental" / "salesops.duckdb"
    incremental.parent.mkdir()
    # Every data test runs on the state the comparison is about, the one the drop was built into
    # incrementally; the base and the full refresh only give their rows.
    build_fixture_warehouse(base, incremental, quarantine_expected=True, data_tests=False)
    load_fixture_landing(generated, incremental)
    target = root / "dbt_target"
    run_dbt(["build", *WITHOUT_UNIT_TESTS], incremental, target_path=target)
    incremental_seconds = model_seconds(target)

    full = root / "full" / "salesops.duckdb"
    full.parent.mkdir()
    build_fixture_warehouse(generated, full, ["--full-refresh"], quarantine_expected=True, data_tests=False)
    full_target = full.parent / "dbt_target"
    return {
        "root": root,
        "landing": generated,
        "incremental": incremental,
        "full": full,
        "split": split,
        "seconds": (incremental_seconds, model_seconds(full_target)),
    }


@pytest.mark.slow
def test_incremental_build_equals_a_full_refresh(incremental_days) -> None:
    left = warehouse_tables(incremental_days["incremental"])
    right = warehouse_tables(incremental_days["full"])
    assert len(left) > 40
    assert sum(len(rows) for _, rows in left.values()) > 0
    assert table_differences(left, right) == []
    # The drop's header-less changes are on later orders of their accounts: numbered within the run's own
    # scope, they would have been first.
    con = duckdb.connect(str(incremental_days["full"]), read_only=True)
    try:
        ids = incremental_days["split"]["headerless_changes"]
        sql = "select account_order_sequence from core.fct_orders where order_id in (?, ?)"
        sequences = [s for (s,) in con.execute(sql, ids).fetchall()]
    finally:
        con.close()
    assert len(sequences) == 2 and min(sequences) >= 2, sequences


@pytest.mark.slow
def test_the_drop_run_rebuilt_only_the_touched_keys(incremental_days) -> None:
    runs = last_runs(incremental_days["incremental"])
    split = incremental_days["split"]
    assert set(runs) == set(INCREMENTAL_MODELS)
    assert not any(all_ for all_, _ in runs.values()), runs
    # The new orders, the changed one and the one with a corrected line: about 1% of the orders, not all.
    lines_keys = runs["fct_order_lines"][1]
    assert len(split["new_orders"]) + 2 <= lines_keys <= 0.05 * split["total_orders"], runs
    # fct_orders also renumbers the other orders of the accounts the drop's headers touched.
    assert lines_keys <= runs["fct_orders"][1] < 0.5 * split["total_orders"], runs
    assert runs["int_channel__sell_out_lines"][1] > 0
    con = duckdb.connect(str(incremental_days["incremental"]), read_only=True)
    try:
        (sell_out,) = con.execute("select count(*) from intermediate.int_channel__sell_out_lines").fetchone()
    finally:
        con.close()
    assert runs["int_channel__sell_out_lines"][1] < 0.1 * sell_out, runs


@pytest.mark.slow
def test_a_corrected_file_version_removes_its_line_incrementally(incremental_days) -> None:
    landing, warehouse = incremental_days["landing"], incremental_days["incremental"]
    drop_lines = landing / "orders" / incremental_days["split"]["drop"] / "order_lines.csv"
    header, rows = _read(drop_lines)
    new_order = sorted(incremental_days["split"]["new_orders"])[0]
    removed = next(r for r in rows if r[header.index("order_id")] == new_order)
    order_id, line_number = removed[header.index("order_id")], int(removed[header.index("line_number")])
    _write(drop_lines, header, [r for r in rows if r is not removed])

    def has_line() -> bool:
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            sql = "select count(*) from core.fct_order_lines where order_id = ? and line_number = ?"
            return con.execute(sql, [order_id, line_number]).fetchone()[0] == 1
        finally:
            con.close()

    assert has_line()
    load_fixture_landing(landing, warehouse)
    run_dbt(["run", "--select", "+fct_orders"], warehouse, target_path=incremental_days["root"] / "dbt_target_fix")
    assert not has_line()
    # The superseded and the corrected file's orders are rebuilt, no more: the new orders, the changed one
    # and the one with only a corrected line.
    rebuilt_all, keys = last_runs(warehouse)["fct_order_lines"]
    assert not rebuilt_all
    assert 1 <= keys <= len(incremental_days["split"]["new_orders"]) + 2


@pytest.mark.slow
def test_a_column_added_to_an_incremental_model_fills_an_older_table(incremental_days) -> None:
    """A warehouse built before a column was added (fct_order_lines.order_month, say): the next ordinary run
    adds the column and fills it on every row, instead of stopping on the schema change."""
    older = incremental_days["root"] / "older" / "salesops.duckdb"
    older.parent.mkdir()
    shutil.copy(incremental_days["incremental"], older)
    con = duckdb.connect(str(older))
    try:
        con.execute("alter table core.fct_order_lines drop column order_month")
        # The model's code differs from what built the table: its recorded signature is another one.
        con.execute(
            "update audit.incremental_loads_seen set build_signature = 'older code' where model_name = ?",
            ["fct_order_lines"],
        )
    finally:
        con.close()

    run_dbt(["run", "--select", "fct_order_lines"], older, target_path=incremental_days["root"] / "dbt_target_older")

    con = duckdb.connect(str(older), read_only=True)
    try:
        rows = con.execute("select order_date, order_month from core.fct_order_lines").fetchall()
    finally:
        con.close()
    assert len(rows) > 100
    assert all(month == order_date.replace(day=1) for order_date, month in rows), rows[:5]
    assert last_runs(older)["fct_order_lines"][0], "the changed code rebuilds every row"
