"""The ``salesops`` command line: help, exit codes, ``summary --json``, ``status`` before any run, and the
progress model a run's display reads. ``status`` after a failed and after a successful run is tested where
those runs already happen (tests/test_publish.py), so this file adds no pipeline run."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
import typer

from orchestration import cli
from orchestration.exit_codes import ExitCode, exit_code_table
from orchestration.progress import DBT, DONE, FILE, START, ProgressEvent, ProgressModel, listening, report
from orchestration.progress_view import PlainView, dbt_line, file_line
from orchestration.settings import SETTINGS
from tests.conftest import SMALL_LANDING, load_fixture_landing

REPO = Path(__file__).resolve().parents[1]
COMMANDS = (
    "generate",
    "load",
    "build",
    "check",
    "publish",
    "run",
    "demo",
    "status",
    "report",
    "docs",
    "summary",
    "map",
    "spark-build",
    "compare-engines",
)


def _flat(text: str) -> str:
    """Help text with rich's box characters and line wrapping taken out."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def _commands() -> dict:
    return typer.main.get_command(cli.app).commands


def test_the_cli_has_every_command():
    assert set(_commands()) == set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_names_every_settings_variable_and_the_exit_codes(command: str, capsys):
    assert cli.main([command, "--help"]) == ExitCode.OK
    out = _flat(capsys.readouterr().out)
    if command != "map":  # map reads a mapping and a file, no setting
        missing = [s.env for s in SETTINGS if s.env not in out]
        assert missing == []
    for line in exit_code_table().splitlines():
        assert _flat(line) in out


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_every_help_text_as_written(command: str, capsys):
    """Rich reads ``[...]`` in a help text as markup and drops it (``extra [spark]`` showed as ``extra ;``)."""
    click_command = _commands()[command]
    assert cli.main([command, "--help"]) == ExitCode.OK
    out = _flat(capsys.readouterr().out)
    texts = [click_command.help, *(getattr(p, "help", None) for p in click_command.params)]
    lost = [t for t in texts if t and _flat(t.replace("\\[", "[")) not in out]
    assert lost == []


def test_map_takes_no_setting():
    flags = {opt for param in _commands()["map"].params for opt in param.opts}
    assert flags == {"--check", "--rows"}


def test_map_without_its_two_files_is_a_usage_error(tmp_path: Path, capsys):
    mapping = tmp_path / "m.yml"
    mapping.write_text("contract_file: orders\n")
    assert cli.main(["map", "--check", str(tmp_path / "none.yml"), str(mapping)]) == ExitCode.USAGE
    assert cli.main(["map", "--check", str(mapping), str(tmp_path)]) == ExitCode.USAGE
    out = capsys.readouterr().out
    assert "none.yml: no such file" in out and "(a folder: give one file)" in out


def test_one_exit_code_table_in_help_and_readme(capsys):
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3]
    assert cli.main(["--help"]) == ExitCode.OK
    top = _flat(capsys.readouterr().out)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for code, meaning in (line.split(" ", 1) for line in exit_code_table().splitlines()):
        assert f"{code} {meaning}" in top
        assert f"| {code} | {meaning} |" in readme, f"README exit-code table lacks {code}"


def test_usage_errors_exit_2(capsys):
    assert cli.main(["no-such-command"]) == ExitCode.USAGE
    assert cli.main(["summary", "--no-such-flag"]) == ExitCode.USAGE
    assert cli.main(["report", "--lang", "fr"]) == ExitCode.USAGE
    assert cli.main(["status", "--timezone", "Mars/Olympus"]) == ExitCode.USAGE
    assert "unknown time zone" in capsys.readouterr().out
    for scale in ("0", "-1", "nan", "inf"):
        assert cli.main(["generate", "--scale", scale]) == ExitCode.USAGE
    # Refused before a run starts (dbt would fail on it halfway through the run, exit 1).
    for command in ("run", "build", "check", "publish", "demo"):
        for bad in ("2025-02-30", "yesterday"):
            assert cli.main([command, "--as-of-date", bad]) == ExitCode.USAGE, (command, bad)


def test_summary_json_counts_equal_the_warehouse(tmp_path: Path, capsys):
    warehouse = tmp_path / "wh" / "salesops.duckdb"
    warehouse.parent.mkdir()
    load_fixture_landing(SMALL_LANDING, warehouse)
    assert cli.main(["summary", "--json", "--warehouse", str(warehouse), "--landing", str(SMALL_LANDING)]) == 0
    data = json.loads(capsys.readouterr().out)
    shown = {(t["schema"], t["table"]): t["rows"] for t in data["tables"]}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables where table_schema = 'raw' "
            "and table_type = 'BASE TABLE'"
        ).fetchall()
        expected = {(s, t): con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in tables}
        quarantined = con.execute(
            "select count(*) from (select distinct q.source_file, q.reason, q.row_number from audit.quarantined_rows q "
            "join audit.load_ledger l using (load_id) where l.is_current)"
        ).fetchone()[0]
    finally:
        con.close()
    assert shown == expected and sum(expected.values()) > 0
    assert data["quarantined_total"] == sum(q["rows"] for q in data["quarantined_rows"])
    assert data["quarantined_total"] == quarantined


def test_summary_without_a_warehouse_has_nothing_to_report(tmp_path: Path, capsys):
    assert cli.main(["summary", "--warehouse", str(tmp_path / "none.duckdb")]) == ExitCode.NOTHING_YET


def test_status_before_any_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    code = cli.main(["status", "--json", "--warehouse", str(tmp_path / "wh" / "salesops.duckdb")])
    data = json.loads(capsys.readouterr().out)
    assert code == ExitCode.NOTHING_YET == data["exit_code"]
    assert data["last_run"] is None and data["checks"] == [] and data["serving"]["exists"] is False


def test_progress_model_computes_rows_per_second_and_nodes_done():
    model = ProgressModel()
    model.apply(ProgressEvent(FILE, START, "crm/accounts.csv"), now=10.0)
    assert model.files["crm/accounts.csv"].rows_per_second is None
    model.apply(ProgressEvent(FILE, DONE, "crm/accounts.csv", rows=3000, seconds=1.5, status="loaded"), now=11.5)
    model.apply(ProgressEvent(FILE, DONE, "orders/orders.csv", rows=0, seconds=0.0, status="unchanged"), now=12.0)
    assert model.files["crm/accounts.csv"].rows_per_second == 2000.0
    assert model.files["orders/orders.csv"].rows_per_second is None
    assert model.rows_loaded == 3000

    model.apply(ProgressEvent(DBT, START, "dbt build", total=8), now=100.0)
    assert model.dbt.eta_seconds(100.0) is None
    for name in ("stg_a", "stg_b", "stg_b"):  # a node reported twice counts once
        model.apply(ProgressEvent(DBT, DONE, name, total=8), now=104.0)
    assert (model.dbt.done, model.dbt.total) == (2, 8)
    # 2 nodes in 4 s: 6 left take 12 s.
    assert model.dbt.eta_seconds(104.0) == pytest.approx(12.0)
    assert dbt_line(model, 104.0) == "dbt: 2 of 8 nodes done, ETA 0:12"
    assert file_line(model, "crm/accounts.csv") == "crm/accounts.csv: loaded 3,000 rows in 1.50s 2,000 rows/s"


def test_progress_reaches_a_listener_only_while_it_listens(capsys):
    import sys

    seen: list[ProgressEvent] = []
    event = ProgressEvent(FILE, DONE, "crm/teams.csv", rows=4, seconds=0.5, status="loaded")
    report(event)
    with listening(seen.append):
        report(event)
    report(event)
    assert seen == [event]
    view = PlainView(sys.stdout)
    with listening(view):
        report(ProgressEvent(DBT, START, "dbt build", total=20))
        for i in range(20):
            report(ProgressEvent(DBT, DONE, f"n{i}", total=20))
        report(event)
    lines = capsys.readouterr().out.splitlines()
    # Every tenth of the nodes, once each, then the file.
    assert [line.split(",")[0] for line in lines[:-1]] == [f"dbt: {n} of 20 nodes done" for n in range(0, 21, 2)]
    assert lines[-1] == "crm/teams.csv: loaded 4 rows in 0.50s 8 rows/s"


def test_json_result_is_alone_on_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    """What a run prints to stdout itself (dagster-dbt echoes dbt's log there) goes to stderr under --json."""
    import orchestration.pipeline as pipeline

    def fake_run_job(
        job_name, settings, instance, as_of_date, raise_on_error, log_level, assets=None, full_refresh=False
    ):
        print("1 of 789 START test not_null_x ... [RUN]")  # what dagster-dbt writes to sys.stdout
        return pipeline.PipelineRun(True, "run-1", settings.warehouse, settings.serving, [], None)

    monkeypatch.setattr(pipeline, "run_job", fake_run_job)
    monkeypatch.setattr(cli, "_persistent_instance", lambda: None)
    code = cli.main(["build", "--json", "--warehouse", str(tmp_path / "wh.duckdb")])
    captured = capsys.readouterr()
    assert code == ExitCode.OK
    assert json.loads(captured.out)["run_id"] == "run-1"
    assert "START test not_null_x" in captured.err


def test_docs_without_a_warehouse_has_nothing_to_report(tmp_path: Path, capsys):
    code = cli.main(["docs", "--warehouse", str(tmp_path / "none.duckdb")])
    assert code == ExitCode.NOTHING_YET
    assert "none.duckdb" in capsys.readouterr().out
    assert not (tmp_path / "none.duckdb").exists()


def test_a_landing_folder_that_does_not_exist_is_a_usage_error(tmp_path: Path, monkeypatch, capsys):
    """Every file is optional, so a mistyped folder would load nothing and look like an empty business."""
    from orchestration import pipeline

    def must_not_run(*args, **kwargs):
        raise AssertionError("a job started without a landing folder")

    monkeypatch.setattr(pipeline, "run_job", must_not_run)
    for command in ("load", "run"):
        assert cli.main([command, "--landing", str(tmp_path / "nope")]) == ExitCode.USAGE
    assert f"no landing folder at {tmp_path / 'nope'}" in capsys.readouterr().out
    assert cli.main(["run", "--json", "--landing", str(tmp_path / "nope")]) == ExitCode.USAGE
    assert json.loads(capsys.readouterr().out)["exit_code"] == ExitCode.USAGE


def test_summary_names_the_landing_files_the_warehouse_has_not_loaded(tmp_path: Path, capsys):
    """A run that stopped before some loads, or files that arrived or changed since: named, not silent."""
    landing = tmp_path / "landing"
    shutil.copytree(SMALL_LANDING, landing)
    leads = (landing / "crm" / "leads.csv").read_bytes()
    (landing / "crm" / "leads.csv").unlink()
    warehouse = tmp_path / "wh" / "salesops.duckdb"
    warehouse.parent.mkdir()
    load_fixture_landing(landing, warehouse)
    flags = ["--warehouse", str(warehouse), "--landing", str(landing)]
    assert cli.main(["summary", "--json", *flags]) == 0
    assert json.loads(capsys.readouterr().out)["not_loaded_yet"] == []
    (landing / "crm" / "leads.csv").write_bytes(leads)  # arrived after the load
    with open(landing / "orders" / "payments.csv", "a", encoding="utf-8") as fh:  # changed after it
        fh.write("PX9,SO1,2024-03-30 10:00:00,1,bank_transfer\n")
    teams = landing / "crm" / "teams.csv"  # changed after it, keeping its size
    teams.write_bytes(teams.read_bytes().replace(b"T1", b"T9", 1))
    (landing / "orders" / "orders.csv").touch()  # written again, same bytes: loaded
    resent = landing / "orders" / "2024-03-05" / "products.csv"  # the loaded products.csv re-sent in a drop
    resent.parent.mkdir()
    shutil.copy(landing / "orders" / "products.csv", resent)
    assert cli.main(["summary", "--json", *flags]) == 0
    waiting = json.loads(capsys.readouterr().out)["not_loaded_yet"]
    assert waiting == ["crm/teams.csv", "crm/leads.csv", "orders/payments.csv"]
    assert cli.main(["summary", *flags]) == 0
    assert "Not loaded yet from " in capsys.readouterr().out


def test_a_failed_run_says_why_and_what_the_serving_file_holds(tmp_path: Path, monkeypatch, capsys):
    """A run can fail with no failed check (a step's error, the publish gate on checks that did not run): the
    step's reason is printed; and a first run that failed has no serving file to speak of."""
    import orchestration.pipeline as pipeline

    def failed_run(job_name, settings, instance, as_of_date, raise_on_error, log_level, **options):
        failed = ["serving__published_marts: Serving database x left unchanged: a (not evaluated in this run)"]
        return pipeline.PipelineRun(False, "run-1", settings.warehouse, settings.serving, [], None, failed_steps=failed)

    monkeypatch.setattr(pipeline, "run_job", failed_run)
    monkeypatch.setattr(cli, "_persistent_instance", lambda: None)
    flags = ["--landing", str(SMALL_LANDING), "--warehouse", str(tmp_path / "wh.duckdb")]
    monkeypatch.setattr("orchestration.summary.format_summary", lambda warehouse: "")
    assert cli.main(["run", "-q", *flags]) == ExitCode.FAILED
    out = capsys.readouterr().out
    assert "Failed step serving__published_marts: Serving database x left unchanged: a (not evaluated" in out
    assert f"Nothing was published: {tmp_path / 'serving.duckdb'} does not exist yet" in out


def test_summary_json_without_a_warehouse_is_still_json(tmp_path: Path, capsys):
    assert cli.main(["summary", "--json", "--warehouse", str(tmp_path / "none.duckdb")]) == ExitCode.NOTHING_YET
    shown = json.loads(capsys.readouterr().out)
    assert shown["exit_code"] == ExitCode.NOTHING_YET and "none.duckdb" in shown["error"]


def test_docs_names_the_page_a_browser_opens_without_a_server(tmp_path: Path, monkeypatch, capsys):
    from orchestration import dbt_docs

    monkeypatch.setattr(dbt_docs, "generate_docs", lambda settings: tmp_path / "dbt_docs")
    assert cli.main(["docs"]) == ExitCode.OK
    assert f"(open {tmp_path / 'dbt_docs' / 'static_index.html'}, or --serve)" in capsys.readouterr().out


def test_spark_commands_need_a_loaded_warehouse(tmp_path, capsys):
    missing = tmp_path / "nowhere" / "salesops.duckdb"
    assert cli.main(["spark-build", "--warehouse", str(missing)]) == ExitCode.NOTHING_YET
    assert cli.main(["compare-engines", "--reuse-warehouse", "--warehouse", str(missing)]) == ExitCode.NOTHING_YET
    assert "no warehouse at" in capsys.readouterr().out


def test_compare_engines_runs_the_pipeline_first_and_stops_when_it_fails(tmp_path, monkeypatch, capsys):
    """Without --reuse-warehouse: the pipeline on DuckDB, then a fresh Spark build, then the diff; a failed
    pipeline ends the command before Spark. With it, the pipeline is skipped."""
    from engines import engine_diff, spark_build

    calls: list = []
    pipeline_code = [ExitCode.OK]
    monkeypatch.setattr(cli, "_run_pipeline", lambda *args, **kwargs: calls.append("pipeline") or pipeline_code[0])
    monkeypatch.setattr(
        cli, "_spark_build", lambda settings, fresh, data_tests: calls.append(("spark", fresh, data_tests)) or 0
    )
    built = [("core", "fct_orders"), ("marts", "mart_collections")]
    monkeypatch.setattr(spark_build, "built_tables", lambda spark_dir: built)
    monkeypatch.setattr(
        engine_diff, "compare_engines", lambda warehouse, spark_dir, tables: calls.append(("diff", tables)) or []
    )
    warehouse = ["--warehouse", str(tmp_path / "salesops.duckdb")]
    assert cli.main(["compare-engines", *warehouse]) == ExitCode.OK
    assert calls == ["pipeline", ("spark", True, "all"), ("diff", built)]
    assert "0 tables compared; 0 differ" in capsys.readouterr().out

    calls.clear()
    pipeline_code[0] = ExitCode.FAILED
    assert cli.main(["compare-engines", *warehouse]) == ExitCode.FAILED
    assert calls == ["pipeline"]

    calls.clear()
    (tmp_path / "salesops.duckdb").touch()
    assert cli.main(["compare-engines", "--reuse-warehouse", "--data-tests", "each-kind", *warehouse]) == ExitCode.OK
    assert calls == [("spark", True, "each-kind"), ("diff", built)]
