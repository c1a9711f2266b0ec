"""``salesops build --select``: an analyst changing one mart rebuilds that mart (or it and what it reads),
with its tests, as a Dagster run of those assets, instead of the whole warehouse.

The selections are checked against the manifest walked here by hand (parents by ``depends_on``, folders by
``fqn``), and the build against a copy of the hand-made fixture build whose tables were emptied first: what
the selection names comes back with the fixture build's rows, what it does not name stays empty."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import SMALL_LANDING, WITHOUT_DATA_TESTS, dbt_target_of

from orchestration import cli
from orchestration.assets.dbt import salesops_dbt_assets
from orchestration.dbt_project import WITHOUT_UNIT_TESTS, dbt_manifest
from orchestration.exit_codes import ExitCode
from orchestration.jobs import BUILD_JOB_NAME, CHECK_JOB_NAME, LOAD_JOB_NAME
from orchestration.pipeline import DBT_OP_NAME, DbtSelectionError, dbt_selection, run_dbt, run_job
from orchestration.settings import load_settings

PROJECT = "salesops"


def _models_and_seeds() -> dict[str, dict]:
    return {uid: n for uid, n in dbt_manifest()["nodes"].items() if n["resource_type"] in ("model", "seed")}


def _key(node: dict) -> str:
    """A dbt node's asset key as the project's translator names it: the node's schema, then its name."""
    return f"{node['schema']}/{node['name']}"


def _ancestors(unique_id: str) -> set[str]:
    nodes, seen, todo = dbt_manifest()["nodes"], set(), [unique_id]
    while todo:
        uid = todo.pop()
        if uid in seen or uid not in nodes:  # sources are not dbt assets
            continue
        seen.add(uid)
        todo += nodes[uid]["depends_on"].get("nodes", [])
    return seen


def _keys(selection: list[dg.AssetKey]) -> set[str]:
    return {key.to_user_string() for key in selection}


def test_a_model_a_model_with_its_parents_and_a_folder_minus_one():
    nodes = _models_and_seeds()
    assert _keys(dbt_selection("mart_win_rate")) == {"marts/mart_win_rate"}
    upstream = _ancestors(f"model.{PROJECT}.mart_win_rate")
    assert _keys(dbt_selection("+mart_win_rate")) == {_key(nodes[uid]) for uid in upstream}
    assert {"staging/stg_crm__opportunities", "reference/stages"} <= _keys(dbt_selection("+mart_win_rate"))
    customer = {_key(n) for n in nodes.values() if n["fqn"][1:3] == ["marts", "customer"]}
    assert len(customer) > 2
    chosen = _keys(dbt_selection("marts.customer", exclude="mart_customer_rfm"))
    assert chosen == customer - {"marts/mart_customer_rfm"}


def test_a_selection_of_nothing_or_a_bad_selector_is_a_usage_error_naming_it(capsys):
    with pytest.raises(DbtSelectionError, match="--select 'mart_nothing' matches no dbt model or seed"):
        dbt_selection("mart_nothing")
    # A criterion of a union that matches nothing is a typo, not a smaller selection (dbt only warns).
    with pytest.raises(DbtSelectionError, match="'mart_nothing' matches no dbt model or seed"):
        dbt_selection("mart_win_rate mart_nothing")
    # A test is not an asset: it runs with the model its check is on.
    with pytest.raises(DbtSelectionError):
        dbt_selection("test_type:singular")
    with pytest.raises(DbtSelectionError, match="--select 'tags:x': (?s:.*)'tags' is not a valid method name"):
        dbt_selection("tags:x")
    with pytest.raises(DbtSelectionError, match="^--exclude 'fqn:\\*' matches no dbt model or seed"):
        dbt_selection(None, exclude="fqn:*")
    args = ["build", "--warehouse", "unused.duckdb", "--select"]
    assert cli.main([*args, "mart_nothing"]) == ExitCode.USAGE
    assert "matches no dbt model or seed" in capsys.readouterr().out
    assert cli.main([*args, "state:modified"]) == ExitCode.USAGE
    assert "no comparison manifest" in capsys.readouterr().out


def test_an_as_of_date_rebuilds_a_selection_only_with_everything_upstream(monkeypatch, capsys):
    """Staging reads the as-of date from the var, the marts from int_as_of_date's table: a mart rebuilt for
    another date on tables built for the last one would mix the two."""
    args = ["build", "--as-of-date", "2024-02-15", "--warehouse", "unused.duckdb", "--select"]
    assert cli.main([*args, "mart_win_rate"]) == ExitCode.USAGE
    assert cli.main([*args, "int_as_of_date mart_win_rate"]) == ExitCode.USAGE
    assert cli.main([*args, "+mart_win_rate", "--exclude", "stages"]) == ExitCode.USAGE
    out = capsys.readouterr().out
    assert "--as-of-date rebuilds a selection for that date only with everything upstream" in out
    assert "left out: reference/stages" in out
    steps = []
    monkeypatch.setattr(cli, "_step", lambda *step, **kw: steps.append((step, kw)) or ExitCode.OK)
    assert cli.main([*args, "+mart_win_rate"]) == ExitCode.OK
    (((job, _settings, as_of_date, *_flags), options),) = steps
    assert (job, as_of_date, set(options["assets"])) == (
        BUILD_JOB_NAME,
        "2024-02-15",
        set(dbt_selection("+mart_win_rate")),
    )


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return sorted(con.execute(f"select * from {table}").fetchall(), key=repr)


def _alter(warehouse: Path, *statements: str) -> None:
    """Change a copy of the fixture build by hand, as a test's scenario needs it."""
    with duckdb.connect(str(warehouse)) as con:
        for statement in statements:
            con.execute(statement)


def test_a_selected_build_rebuilds_the_selection_with_its_checks_tests_and_nothing_else(
    fixture_build: Path, tmp_path, capfd
):
    """mart_customer_rfm is read by two tests on other marts (the Pareto and the segment migration): dbt's
    default selection would run them too. Only the tests of the selected models' checks run."""
    warehouse = tmp_path / "salesops.duckdb"
    shutil.copy(fixture_build, warehouse)
    selected, other = ("marts.mart_win_rate", "marts.mart_customer_rfm"), "marts.mart_sales_cycle"
    con = duckdb.connect(str(warehouse))
    try:
        expected = {table: _rows(con, table) for table in selected}
        assert all(expected.values()) and _rows(con, other)
        for table in (*selected, other):
            con.execute(f"delete from {table}")
    finally:
        con.close()

    keys = dbt_selection("mart_win_rate mart_customer_rfm")
    run = run_job(BUILD_JOB_NAME, load_settings().with_paths(warehouse=warehouse), raise_on_error=False, assets=keys)

    assert run.success, run.failed_checks
    # dbt's lines, as a run writes them to a file or a log (not a terminal): without colour codes.
    printed = capfd.readouterr().out
    assert "OK created sql table model marts.mart_win_rate" in printed and "\x1b[" not in printed
    built = {event.asset_key for event in run.result.get_asset_materialization_events()}
    assert built == set(keys)
    declared = {(spec.asset_key, spec.name) for spec in salesops_dbt_assets.check_specs if spec.asset_key in built}
    ran = {(e.asset_key, e.check_name) for e in run.result.get_asset_check_evaluations()}
    assert ran == declared and ran
    # What dbt itself ran: the two models and the tests of their checks, nothing else.
    results = json.loads((dbt_target_of(run) / "run_results.json").read_text(encoding="utf-8"))["results"]
    nodes = dbt_manifest()["nodes"]
    assert {r["unique_id"].split(".")[0] for r in results} == {"model", "test", "operation"}  # operation: hooks
    ran_by_dbt = {
        nodes[r["unique_id"]]["name"]
        for r in results
        if nodes.get(r["unique_id"], {}).get("resource_type") in ("model", "seed", "test")
    }
    assert ran_by_dbt == {"mart_win_rate", "mart_customer_rfm"} | {name for _, name in declared}
    assert "assert_customer_pareto_trailing_matches_rfm_monetary" not in ran_by_dbt
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert {table: _rows(con, table) for table in selected} == expected
        assert _rows(con, other) == []
    finally:
        con.close()


def test_the_dbt_asset_itself_refuses_another_as_of_date_for_a_selection_without_its_upstream(tmp_path):
    """The rule holds for any caller (a script, a selection in the Dagster UI), not only the CLI: the step
    fails before dbt starts, naming what was left out."""

    settings = load_settings().with_paths(warehouse=tmp_path / "salesops.duckdb")
    run = run_job(
        BUILD_JOB_NAME, settings, as_of_date="2031-02-28", raise_on_error=False, assets=dbt_selection("mart_win_rate")
    )
    assert not run.success
    error = run.result.failure_data_for_node(DBT_OP_NAME).error
    assert "--as-of-date rebuilds a selection for that date only with everything upstream" in error.message
    assert "left out: core/dim_date" in error.message
    assert not (tmp_path / "salesops.duckdb").exists()


def test_a_selection_that_would_mix_two_as_of_dates_is_refused_naming_the_dates():
    """Hand-written cases: another date than the warehouse's, or no date in a warehouse built for a past one
    with a model that reads the date itself (staging, int_as_of_date); the marts alone read the date the
    warehouse holds."""
    from datetime import date

    from orchestration.assets.dbt import as_of_conflict

    mart, as_of = dg.AssetKey(["marts", "mart_win_rate"]), dg.AssetKey(["intermediate", "int_as_of_date"])
    staging = dg.AssetKey(["staging", "stg_crm__opportunities"])
    built, past = (date(2025, 12, 31), False), (date(2025, 11, 30), True)
    assert as_of_conflict({mart, as_of}, None, None) is None  # nothing built yet
    assert as_of_conflict({mart, as_of}, None, built) is None
    assert as_of_conflict({mart, as_of}, "2025-12-31", built) is None
    assert "built for 2025-12-31: build everything for 2025-11-30" in as_of_conflict({mart}, "2025-11-30", built)
    assert as_of_conflict({mart}, None, past) is None
    assert "'2025-13-01' is not a date (YYYY-MM-DD)" in as_of_conflict({mart}, "2025-13-01", built)
    assert as_of_conflict({mart, as_of}, "2025-11-30", past) is None
    refused = as_of_conflict({mart, as_of, staging}, None, past)
    assert "built for --as-of-date 2025-11-30; without it, intermediate/int_as_of_date, " in refused
    assert "staging/stg_crm__opportunities would be built for the latest date" in refused


@pytest.mark.e2e
def test_a_selection_that_moves_the_as_of_date_is_refused_and_the_check_names_every_model_left_out(
    fixture_build: Path, tmp_path
):
    """On a copy of the fixture build: +mart_win_rate for the warehouse's own date builds; for the month before,
    the dbt asset refuses it before dbt starts. Built by hand with dbt all the same, the check
    assert_models_left_out_share_the_as_of_date fails with one row per model left out (counted from the
    manifest), and a run of every check fails on it afterwards, which blocks publishing, until everything is
    built for one date."""
    warehouse = tmp_path / "salesops.duckdb"
    shutil.copy(fixture_build, warehouse)
    settings = load_settings().with_paths(warehouse=warehouse)
    keys = dbt_selection("+mart_win_rate")
    chosen = {key.path[-1] for key in keys}
    left_out = {n["name"] for n in dbt_manifest()["nodes"].values() if n["resource_type"] == "model"} - chosen
    assert "int_as_of_date" in chosen and "mart_customer_rfm" in left_out

    same_date = run_job(BUILD_JOB_NAME, settings, raise_on_error=False, assets=keys)
    assert same_date.success, same_date.failed_checks

    def as_of_date():
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()[0]

    as_of = as_of_date()
    earlier = (as_of.replace(day=1) - timedelta(days=1)).isoformat()
    refused = run_job(BUILD_JOB_NAME, settings, as_of_date=earlier, raise_on_error=False, assets=keys)
    assert not refused.success
    error = refused.result.failure_data_for_node(DBT_OP_NAME).error.message
    assert f"--as-of-date {earlier} with a selection would build only the selection" in error
    assert f"built for {as_of}" in error and as_of_date() == as_of

    by_hand = run_dbt(
        ["build", *WITHOUT_UNIT_TESTS, "--select", "+mart_win_rate", "--vars", json.dumps({"as_of_date": earlier})],
        warehouse,
        target_path=tmp_path / "dbt_target",
        check=False,
    )
    assert by_hand.returncode != 0
    assert "Failure in test assert_models_left_out_share_the_as_of_date" in by_hand.stdout
    assert f"Got {len(left_out)} results" in by_hand.stdout, by_hand.stdout[-3000:]

    checked = run_job(CHECK_JOB_NAME, settings, raise_on_error=False)
    assert "intermediate/int_as_of_date:assert_models_left_out_share_the_as_of_date" in checked.failed_checks

    # Everything built for that month clears it; a mart rebuilt alone afterwards, without the date, reads it
    # from int_as_of_date and is built for it too.
    everything = ["build", *WITHOUT_UNIT_TESTS, *WITHOUT_DATA_TESTS, "--vars", json.dumps({"as_of_date": earlier})]
    run_dbt(everything, warehouse, target_path=tmp_path / "dbt_target")
    mart_alone = run_job(BUILD_JOB_NAME, settings, raise_on_error=False, assets=dbt_selection("mart_win_rate"))
    assert mart_alone.success, mart_alone.failed_checks
    checked = run_job(CHECK_JOB_NAME, settings, raise_on_error=False)
    assert checked.success, checked.failed_checks


def test_full_refresh_reaches_the_dbt_build_from_both_commands_and_no_job_without_one(monkeypatch):
    steps, runs = [], []
    monkeypatch.setattr(cli, "_step", lambda *step, **kw: steps.append(kw) or ExitCode.OK)
    monkeypatch.setattr(cli, "_run_pipeline", lambda *run, **kw: runs.append(kw) or ExitCode.OK)
    assert cli.main(["build", "--warehouse", "unused.duckdb", "--full-refresh"]) == ExitCode.OK
    assert cli.main(["build", "--warehouse", "unused.duckdb"]) == ExitCode.OK
    assert cli.main(["run", "--warehouse", "unused.duckdb", "--full-refresh"]) == ExitCode.OK
    assert [kw["full_refresh"] for kw in steps] == [True, False]
    assert runs == [{"full_refresh": True}]
    with pytest.raises(ValueError, match="full_refresh: job salesops_load builds no dbt model"):
        run_job(LOAD_JOB_NAME, load_settings().with_paths(warehouse=Path("unused.duckdb")), full_refresh=True)


def test_a_full_refresh_build_rebuilds_an_incremental_model_from_every_row(fixture_build: Path, tmp_path):
    """The fixture build already holds every load, so an incremental build of fct_payments would rebuild no
    key; with full_refresh the Dagster run's dbt build rebuilds them all and the rows stay the same."""
    warehouse = tmp_path / "salesops.duckdb"
    shutil.copy(fixture_build, warehouse)
    with open(SMALL_LANDING / "orders" / "payments.csv", newline="", encoding="utf-8") as fh:
        paid_orders = {row["order_id"] for row in csv.DictReader(fh)}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        before = _rows(con, "core.fct_payments")
    finally:
        con.close()

    keys = dbt_selection("fct_payments")
    settings = load_settings().with_paths(warehouse=warehouse)
    run = run_job(BUILD_JOB_NAME, settings, raise_on_error=False, assets=keys, full_refresh=True)

    assert run.success, run.failed_checks
    run_results = json.loads((dbt_target_of(run) / "run_results.json").read_text(encoding="utf-8"))
    assert run_results["args"]["full_refresh"] is True
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        logged = con.execute(
            "select rebuilt_all, keys_rebuilt from audit.incremental_runs where model_name = 'fct_payments' "
            "and invocation_id = ?",
            [run_results["metadata"]["invocation_id"]],
        ).fetchall()
        assert logged == [(True, len(paid_orders))]
        assert _rows(con, "core.fct_payments") == before
    finally:
        con.close()


def _tests_on(model: str) -> set[str]:
    """The dbt tests on ``model`` read from the manifest: a generic test attached to it, or a singular test
    whose config names it as the asset its check is on (``meta.dagster.ref``)."""
    uid = f"model.{PROJECT}.{model}"
    return {
        node["name"]
        for node in dbt_manifest()["nodes"].values()
        if node["resource_type"] == "test"
        and (
            node.get("attached_node") == uid
            or ((node["config"].get("meta") or {}).get("dagster") or {}).get("ref", {}).get("name") == model
        )
    }


def test_check_select_reaches_the_check_job_and_a_bad_selection_is_a_usage_error(monkeypatch, capsys):
    steps = []
    monkeypatch.setattr(cli, "_step", lambda job, *step, **kw: steps.append((job, kw)) or ExitCode.OK)
    assert cli.main(["check", "--warehouse", "unused.duckdb", "--select", "+mart_win_rate"]) == ExitCode.OK
    assert cli.main(["check", "--warehouse", "unused.duckdb", "-s", "marts", "--exclude", "mart_win_rate"]) == 0
    assert cli.main(["check", "--warehouse", "unused.duckdb"]) == ExitCode.OK
    assert steps == [
        (CHECK_JOB_NAME, {"checks_of": dbt_selection("+mart_win_rate")}),
        (CHECK_JOB_NAME, {"checks_of": dbt_selection("marts", "mart_win_rate")}),
        (CHECK_JOB_NAME, {"checks_of": None}),
    ]
    assert cli.main(["check", "--warehouse", "unused.duckdb", "--select", "mart_nothing"]) == ExitCode.USAGE
    assert "--select 'mart_nothing' matches no dbt model or seed" in capsys.readouterr().out
    assert len(steps) == 3
    unused = load_settings().with_paths(warehouse=Path("unused.duckdb"))
    with pytest.raises(ValueError, match="checks_of: job salesops_check runs the checks of one asset or more"):
        run_job(BUILD_JOB_NAME, unused, checks_of=dbt_selection("mart_win_rate"))
    with pytest.raises(ValueError, match="checks_of: job salesops_check runs the checks of one asset or more"):
        run_job(CHECK_JOB_NAME, unused, checks_of=[])


def test_check_select_runs_the_tests_of_the_selected_model_alone_and_rebuilds_nothing(fixture_build: Path, tmp_path):
    """On a copy of the fixture build with one row of mart_win_rate doubled: the run of that mart's checks
    runs its tests (read from the manifest here) and no other, fails on its uniqueness test, and leaves the
    doubled row where it was: nothing is rebuilt."""
    warehouse = tmp_path / "salesops.duckdb"
    shutil.copy(fixture_build, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            "insert into marts.mart_win_rate select * from marts.mart_win_rate where slice_type = 'company' "
            "order by period_month limit 1"
        )
        tampered = _rows(con, "marts.mart_win_rate")
    finally:
        con.close()
    expected = _tests_on("mart_win_rate")
    unique_test = "unique_combination_of_columns_mart_win_rate_period_month__slice_type__slice_value"
    assert len(expected) >= 5 and unique_test in expected

    settings = load_settings().with_paths(warehouse=warehouse)
    run = run_job(CHECK_JOB_NAME, settings, raise_on_error=False, checks_of=dbt_selection("mart_win_rate"))

    assert not run.success
    # The doubled row also breaks the company total the team rows must add up to: both checks say so.
    assert f"marts/mart_win_rate:{unique_test}" in run.failed_checks
    assert {check.split(":")[0] for check in run.failed_checks} == {"marts/mart_win_rate"}
    evaluations = run.result.get_asset_check_evaluations()
    assert {e.asset_key.to_user_string() for e in evaluations} == {"marts/mart_win_rate"}
    assert {e.check_name for e in evaluations} == expected
    assert run.result.get_asset_materialization_events() == []
    results = json.loads((dbt_target_of(run) / "run_results.json").read_text(encoding="utf-8"))["results"]
    assert {r["unique_id"].split(".")[0] for r in results} == {"test", "operation"}  # operation: hooks
    nodes = dbt_manifest()["nodes"]
    assert {nodes[r["unique_id"]]["name"] for r in results if r["unique_id"].startswith("test.")} == expected
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert _rows(con, "marts.mart_win_rate") == tampered
    finally:
        con.close()


def test_a_failed_check_shows_the_rows_its_test_found_with_their_landing_file_and_row(
    fixture_build: Path, tmp_path, capsys
):
    """On a copy of the fixture build whose staged payments lost their USD rates and one order, and where SO2
    lost its line: the check run of stg_orders__payments fails on the rate test and the relationships test,
    that of fct_orders warns of SO2, and each of these checks carries the rows its test found, as the
    command line prints them; then the USD order lines lose their rate, and one check of fct_order_lines fails.
    Expected from the landing files by hand: PM2 (2024-04-05) and PM4 (2024-02-05) are the USD payments; PM3
    is the third row of orders/payments.csv; SO2 is A2's order of 2024-01-15."""
    warehouse = tmp_path / "salesops.duckdb"
    shutil.copy(fixture_build, warehouse)
    _alter(
        warehouse,
        "update staging.stg_orders__payments set amount_base = null where currency = 'USD'",
        "update staging.stg_orders__payments set order_id = 'SO9' where payment_id = 'PM3'",
        # As if SO2's only line had been quarantined (the order's line count of fct_orders, nothing else).
        "update core.fct_orders set line_count = 0 where order_id = 'SO2'",
    )
    settings = load_settings().with_paths(warehouse=warehouse)
    run = run_job(CHECK_JOB_NAME, settings, raise_on_error=False, checks_of=dbt_selection("stg_orders__payments"))

    rate_check = "staging/stg_orders__payments:payments_in_other_currencies_have_a_rate"
    [orphan_check] = [c for c in run.failed_checks if ":relationships_" in c]
    assert set(run.failed_checks) == {rate_check, orphan_check}
    assert run.rows_found[rate_check] == {
        "columns": [
            "currency",
            "first_date_without_rate",
            "last_date_without_rate",
            "rows_without_rate",
            "first_key_without_rate",
            "earliest_rate_date",
        ],
        # The rates were there (orders/fx_rates.csv: USD from 2024-01-01): the amounts were emptied by hand.
        "rows": [["USD", "2024-02-05", "2024-04-05", 2, "PM2", "2024-01-01"]],
        "count": 1,
    }
    orphan = run.rows_found[orphan_check]
    [row] = [dict(zip(orphan["columns"], values, strict=True)) for values in orphan["rows"]]
    assert (row["payment_id"], row["order_id"], row["_source_file"], row["_row_number"]) == (
        "PM3",
        "SO9",
        "orders/payments.csv",
        3,
    )

    # fct_orders alone: dbt skips the tests downstream of a failed blocking one.
    orders_run = run_job(CHECK_JOB_NAME, settings, raise_on_error=False, checks_of=dbt_selection("fct_orders"))
    assert orders_run.success and orders_run.failed_checks == []
    evaluations = orders_run.result.get_asset_check_evaluations()
    [warning] = [e for e in evaluations if not e.passed]
    assert (warning.check_name, warning.severity) == ("assert_orders_have_an_accepted_line", dg.AssetCheckSeverity.WARN)
    assert warning.metadata["rows_found"].value == {
        "columns": ["order_id", "order_date", "status", "account_id"],
        "rows": [["SO2", "2024-01-15", "delivered", "A2"]],
        "count": 1,
    }
    assert orders_run.warned_checks == ["core/fct_orders:assert_orders_have_an_accepted_line"]
    assert cli._print_run(CHECK_JOB_NAME, orders_run, 1.0, as_json=False) == ExitCode.OK
    assert (
        "Warnings: core/fct_orders:assert_orders_have_an_accepted_line\n"
        "  core/fct_orders:assert_orders_have_an_accepted_line, rows it found:\n"
        "    order_id=SO2, order_date=2024-01-15, status=delivered, account_id=A2\n"
    ) in capsys.readouterr().out

    # The order lines of the USD orders SO2 (2024-01-15) and SO5 (2024-02-05) without their rate: one failed
    # check names the cause, not the rate test and the not-null tests of every amount converted with it.
    _alter(
        warehouse,
        "update core.fct_order_lines set fx_rate_to_base = null, gross_amount_base = null,"
        " net_amount_base = null, revenue_base = null where currency = 'USD'",
    )
    lines_run = run_job(CHECK_JOB_NAME, settings, raise_on_error=False, checks_of=dbt_selection("fct_order_lines"))
    lines_check = "core/fct_order_lines:order_lines_in_other_currencies_have_a_rate"
    assert lines_run.failed_checks == [lines_check]
    assert lines_run.rows_found[lines_check]["rows"] == [["USD", "2024-01-15", "2024-02-05", 2, "SO2", "2024-01-01"]]

    assert cli._print_run(CHECK_JOB_NAME, run, 1.0, as_json=False) == ExitCode.FAILED
    out = capsys.readouterr().out
    assert f"  {rate_check}, rows it found:\n    currency=USD, first_date_without_rate=2024-02-05," in out
    assert "    orders/payments.csv row 3: payment_id=PM3, order_id=SO9, paid_at=2024-02-03 18:30:00," in out


def test_receivables_aging_may_be_empty_only_when_no_order_is_open(fixture_build: Path, tmp_path):
    """A business whose every order is paid has no receivable to age: mart_receivables_aging's not_empty
    test fails on an empty mart while an order is open, and passes once none is (on a copy of the fixture
    build, tables emptied or settled by hand; the other checks of the mart are not this test's)."""
    warehouse = tmp_path / "salesops.duckdb"
    shutil.copy(fixture_build, warehouse)
    settings = load_settings().with_paths(warehouse=warehouse)
    [not_empty] = [name for name in _tests_on("mart_receivables_aging") if name.startswith("not_empty_")]

    def not_empty_passes(change: str) -> bool:
        _alter(warehouse, change)
        run = run_job(CHECK_JOB_NAME, settings, raise_on_error=False, checks_of=dbt_selection("mart_receivables_aging"))
        [evaluation] = [e for e in run.result.get_asset_check_evaluations() if e.check_name == not_empty]
        return evaluation.passed

    assert not not_empty_passes("delete from marts.mart_receivables_aging")
    assert not_empty_passes("update intermediate.int_collections__order_balances set open_base = 0")


def test_summary_names_the_as_of_date_the_marts_were_built_for(fixture_build: Path):
    from orchestration.summary import format_summary, summary_data

    con = duckdb.connect(str(fixture_build), read_only=True)
    try:
        [built] = con.execute("select cast(as_of_date as varchar) from intermediate.int_as_of_date").fetchone()
    finally:
        con.close()
    assert summary_data(fixture_build, SMALL_LANDING)["as_of_date"] == built
    assert f"Mart coverage (as of {built}): " in format_summary(fixture_build)
