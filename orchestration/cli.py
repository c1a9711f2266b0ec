"""``salesops``: generate sample data, run the pipeline or one of its steps, and say where things stand.

Settings (paths, base currency, time zone, calendar) come from flags, else environment variables, else
the config file ``salesops.toml`` (or ``$SALESOPS_CONFIG``): see orchestration/settings.py.

Each command imports what it needs when it runs (no import circle: tests/test_import_graph.py), so
``salesops --help`` or ``salesops map`` does not spend seconds loading Dagster and dbt. This module parses
and prints; what a command does lives in plain functions elsewhere (pipeline, status, summary)."""

import contextlib
import functools
import inspect
import json
import math
import os
import sys
import time
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from engines.data_test_kinds import ALL_DATA_TESTS, DATA_TEST_CHOICES
from orchestration.exit_codes import ExitCode, exit_code_table
from orchestration.settings import (
    CONFIG_ENV,
    DBT_DOCS_PORT,
    REPO_ROOT,
    SETTINGS,
    SETTINGS_BY_KEY,
    Settings,
    SettingsError,
    load_settings,
)

DAGSTER_HOME_DEFAULT = REPO_ROOT / ".dagster_home"
EXIT_CODES_HELP = "Exit codes: " + "; ".join(exit_code_table().splitlines()) + "."
SETTINGS_PANEL = "Settings (flag > environment variable > salesops.toml > default)"

app = typer.Typer(
    name="salesops",
    help=f"Generate sample data, run the pipeline or one of its steps, say where things stand.\n\n{EXIT_CODES_HELP}",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _persistent_instance():
    """The Dagster instance `dagster dev` also uses ($DAGSTER_HOME, else .dagster_home in the checkout), so
    runs started here show up in the UI."""
    import dagster as dg

    home = Path(os.environ.get("DAGSTER_HOME") or DAGSTER_HOME_DEFAULT).resolve()
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").touch()
    return dg.DagsterInstance.from_config(str(home))


def _with_settings(func: Callable[..., int]) -> Callable[..., None]:
    """Give a command one option per setting (generated from ``SETTINGS``, each naming its environment
    variable) and hand it the resolved ``Settings`` as ``settings``: every setting is resolved and checked
    before anything runs, so a bad value stops here, not after the raw layer."""
    signature = inspect.signature(func)
    own = [p for p in signature.parameters.values() if p.name != "settings"]
    flags = [
        inspect.Parameter(
            s.key,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                str | None,
                typer.Option(
                    "--" + s.key.replace("_", "-"),
                    help=escape(f"{s.help} (env {s.env})"),
                    rich_help_panel=SETTINGS_PANEL,
                ),
            ],
        )
        for s in SETTINGS
    ]

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> None:
        given = {s.key: kwargs.pop(s.key, None) for s in SETTINGS}
        try:
            settings = load_settings(given)
        except SettingsError as exc:
            print(f"salesops: {exc} (settings: flags, environment variables, {CONFIG_ENV} or ./salesops.toml)")
            raise typer.Exit(ExitCode.USAGE) from None
        raise typer.Exit(int(func(settings=settings, **kwargs)))

    wrapper.__signature__ = signature.replace(parameters=[*own, *flags])  # type: ignore[attr-defined]
    return wrapper


def _command(help_text: str, name: str | None = None) -> Callable:
    # Escaped: rich would read "[spark]" in a help text as markup and drop it.
    return app.command(name, help=escape(help_text), epilog=EXIT_CODES_HELP)


Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="no progress display, only the result")]
AsJson = Annotated[bool, typer.Option("--json", help="print the result as JSON (no progress display)")]


def _iso_date(value: str | None) -> str | None:
    """A --as-of-date checked before anything runs: dbt would only fail on it halfway through a run."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a YYYY-MM-DD date") from None


AsOfDate = Annotated[
    str | None,
    typer.Option("--as-of-date", help="YYYY-MM-DD; default: latest business date in the data", callback=_iso_date),
]
Select = Annotated[
    str | None,
    typer.Option(
        "--select",
        "-s",
        help="dbt selection syntax, as `dbt build --select` reads it: `mart_win_rate` (that model alone, on the "
        "tables already built), `+mart_win_rate` (with everything upstream), `marts.collections`, `tag:...`; "
        "the tests of the selected models' checks run with them, no other",
    ),
]
CheckSelect = Annotated[
    str | None,
    typer.Option(
        "--select",
        "-s",
        help="dbt selection syntax, as `dbt build --select` reads it (`mart_win_rate`, `+mart_win_rate`, "
        "`marts.collections`, `tag:...`): run the tests of those models and seeds alone, no raw suite and "
        "nothing rebuilt",
    ),
]
Exclude = Annotated[
    str | None, typer.Option("--exclude", help="dbt selection syntax: leave these models and seeds out")
]
FullRefresh = Annotated[
    bool,
    typer.Option(
        "--full-refresh",
        help="rebuild the incremental models (the big facts, the pipeline snapshot) from every row, as "
        "`dbt build --full-refresh` does, instead of from the loads they have not seen",
    ),
]


def _positive(value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise typer.BadParameter(f"{value} is not a size: give a number above 0 (1.0: the demo's)")
    return value


Scale = Annotated[
    float,
    typer.Option(
        "--scale",
        help="size of the sample data (1.0: two years of a mid-size team, about 40k order lines)",
        callback=_positive,
    ),
]
Seed = Annotated[int, typer.Option("--seed", help="random seed: the same seed writes the same files")]


# ------------------------------------------------------------------------------------------ runs


def _run(
    job_name: str,
    settings: Settings,
    as_of_date: str | None,
    quiet: bool,
    as_json: bool,
    **options: Any,
):
    """Run a job on the persistent instance with a progress display fitting where the output goes;
    ``options``: ``run_job``'s (only some assets, only the checks of some, a full refresh)."""
    from orchestration.pipeline import run_job
    from orchestration.progress import listening
    from orchestration.progress_view import PlainView, RichView

    out = sys.stdout
    show_bars = out.isatty() and not (quiet or as_json)
    view = RichView(Console(file=out)) if show_bars else PlainView(out)
    # Dagster's INFO lines would scroll through the bars, and print under a JSON result.
    log_level = "WARNING" if show_bars or quiet or as_json else "INFO"
    # dagster-dbt echoes dbt's whole log to sys.stdout: with --json or --quiet, stdout holds the result alone,
    # so the echo goes to stderr (dbt's log file and the run's compute logs keep it too).
    echo = sys.stderr if quiet or as_json else out
    with contextlib.redirect_stdout(echo), view, listening(view if not (quiet or as_json) else (lambda event: None)):
        return run_job(
            job_name,
            settings,
            _persistent_instance(),
            as_of_date,
            raise_on_error=False,
            log_level=log_level,
            **options,
        )


def _print_run(job_name: str, run, elapsed: float, as_json: bool) -> int:
    code = ExitCode.OK if run.success else ExitCode.FAILED
    if as_json:
        payload = {
            "job": job_name,
            "run_id": run.run_id,
            "success": run.success,
            "failed_checks": run.failed_checks,
            "warned_checks": run.warned_checks,
            "rows_found": run.rows_found,
            "failed_steps": run.failed_steps,
            "warehouse": str(run.warehouse),
            "serving": str(run.serving),
            "duration_seconds": round(elapsed, 3),
            "exit_code": int(code),
        }
        print(json.dumps(payload, indent=2))
        return code
    status = "succeeded" if run.success else "FAILED"
    print(f"Run {run.run_id} of {job_name} {status} in {elapsed:.1f}s.")
    from orchestration.dbt_failing_rows import describe

    for title, checks in (("Failed blocking checks", run.failed_checks), ("Warnings", run.warned_checks)):
        if checks:
            print(f"{title}: " + ", ".join(checks))
        for check in checks:
            if check in run.rows_found:
                print(f"  {check}, rows it found:")
                for row in describe(run.rows_found[check]):
                    print(f"    {row}")
    for failure in run.failed_steps:
        print(f"Failed step {failure}")
    print("Open the Dagster UI with: .venv/bin/dagster dev  (then http://127.0.0.1:3000)")
    return code


def _dbt_selection(
    select: str | None, exclude: str | None, refusal: Callable[[list], str | None] = lambda assets: None
) -> list | None:
    """The asset keys ``--select``/``--exclude`` pick (``dbt_selection``), None without either flag. A selection
    that picks nothing, or one ``refusal`` gives a reason against, is printed and ends the command with a
    usage error, before any run."""
    from orchestration.pipeline import DbtSelectionError, dbt_selection

    if not (select or exclude):
        return None
    try:
        assets = dbt_selection(select, exclude)
        if reason := refusal(assets):
            raise DbtSelectionError(reason)
    except DbtSelectionError as exc:
        print(f"salesops: {exc}")
        raise typer.Exit(ExitCode.USAGE) from None
    return assets


def _step(job_name: str, settings: Settings, as_of_date: str | None, quiet: bool, as_json: bool, **options: Any) -> int:
    """``_run`` (``options``: ``run_job``'s), then the run's result printed."""
    started = time.perf_counter()
    run = _run(job_name, settings, as_of_date, quiet, as_json, **options)
    return _print_run(job_name, run, time.perf_counter() - started, as_json)


@_command("write deterministic sample landing files")
@_with_settings
def generate(settings: Settings, scale: Scale = 1.0, seed: Seed = 42) -> int:
    return _generate(settings, scale, seed)


def _generate(settings: Settings, scale: float, seed: int) -> int:
    from sample_data.generator import GENERATION_FILE, generate_landing

    started = time.perf_counter()
    landing = settings.landing
    # The landing setting may point at a company's real exports: sample files never overwrite them.
    if landing.is_dir() and any(landing.iterdir()) and not (landing / GENERATION_FILE).exists():
        print(
            f"salesops: {landing} holds files the sample generator did not write; sample data goes to an "
            "empty folder or one it generated before (--landing DIR)"
        )
        return ExitCode.USAGE
    report = generate_landing(landing, scale=scale, seed=seed)
    print(f"Generated sample data in {landing} ({time.perf_counter() - started:.1f}s)")
    for name, n in sorted(report.row_counts.items()):
        print(f"  {name:<40}{n:>12,}")
    return ExitCode.OK


@_command("load every landing file into the raw layer, with its great-expectations suites")
@_with_settings
def load(settings: Settings, quiet: Quiet = False, as_json: AsJson = False) -> int:
    from orchestration.jobs import LOAD_JOB_NAME

    return _no_landing(settings, as_json) or _step(LOAD_JOB_NAME, settings, None, quiet, as_json)


def _no_landing(settings: Settings, as_json: bool) -> int:
    """A usage error when the landing folder does not exist: a mistyped path would otherwise load nothing and
    report every source as "no data" (each file is optional), a run that looks like an empty business."""
    if settings.landing.is_dir():
        return ExitCode.OK
    message = (
        f"no landing folder at {settings.landing} (set --landing or {SETTINGS_BY_KEY['landing'].env}; "
        "salesops generate writes sample data there)"
    )
    print(json.dumps({"error": message, "exit_code": int(ExitCode.USAGE)}) if as_json else f"salesops: {message}")
    return ExitCode.USAGE


@_command(
    "build every dbt model and run its tests (staging -> intermediate -> core -> marts); --select builds only "
    "the models and seeds dbt's selection syntax picks, with their tests"
)
@_with_settings
def build(
    settings: Settings,
    as_of_date: AsOfDate = None,
    select: Select = None,
    exclude: Exclude = None,
    full_refresh: FullRefresh = False,
    quiet: Quiet = False,
    as_json: AsJson = False,
) -> int:
    from orchestration.assets.dbt import as_of_selection_error, missing_upstream, selection_as_of_conflict
    from orchestration.jobs import BUILD_JOB_NAME

    def refusal(assets: list) -> str | None:
        # The dbt asset refuses it too (any caller, the UI); here it is a usage error before any run.
        if as_of_date and (missing := missing_upstream(assets)):
            return as_of_selection_error(missing)
        return selection_as_of_conflict(assets, as_of_date, settings.warehouse)

    assets = _dbt_selection(select, exclude, refusal)
    return _step(BUILD_JOB_NAME, settings, as_of_date, quiet, as_json, assets=assets, full_refresh=full_refresh)


@_command(
    "run every check again without rebuilding: the great-expectations suites of the raw tables (a suite whose "
    "inputs are unchanged records the results of the run that validated them; --reuse-raw-checks false "
    "validates it again) and every dbt test, as one Dagster run of the checks alone (job salesops_check); "
    "--select/--exclude: the dbt tests of the models they pick, alone"
)
@_with_settings
def check(
    settings: Settings,
    as_of_date: AsOfDate = None,
    select: CheckSelect = None,
    exclude: Exclude = None,
    quiet: Quiet = False,
    as_json: AsJson = False,
) -> int:
    # The dbt tests read the as-of date (the reconciliation tests among them): check what `build` built.
    from orchestration.jobs import CHECK_JOB_NAME

    checks_of = _dbt_selection(select, exclude)
    return _step(CHECK_JOB_NAME, settings, as_of_date, quiet, as_json, checks_of=checks_of)


@_command(
    "run every check, then copy the marts into the serving file, only if every blocking check passed in "
    "this run (write-audit-publish; nothing is rebuilt)"
)
@_with_settings
def publish(settings: Settings, as_of_date: AsOfDate = None, quiet: Quiet = False, as_json: AsJson = False) -> int:
    # The dbt tests read the as-of date (the reconciliation tests among them): check what `build` built.
    from orchestration.jobs import PUBLISH_JOB_NAME

    return _step(PUBLISH_JOB_NAME, settings, as_of_date, quiet, as_json)


@_command("run the whole pipeline (Dagster job) on the landing folder")
@_with_settings
def run(
    settings: Settings,
    as_of_date: AsOfDate = None,
    full_refresh: FullRefresh = False,
    quiet: Quiet = False,
    as_json: AsJson = False,
) -> int:
    return _run_pipeline(settings, as_of_date, quiet, as_json, full_refresh=full_refresh)


def _run_pipeline(
    settings: Settings, as_of_date: str | None, quiet: bool, as_json: bool, full_refresh: bool = False
) -> int:
    from orchestration.jobs import FULL_PIPELINE_JOB_NAME
    from orchestration.summary import format_not_loaded_yet, format_summary, format_unused_input

    if code := _no_landing(settings, as_json):
        return code
    started = time.perf_counter()
    result = _run(FULL_PIPELINE_JOB_NAME, settings, as_of_date, quiet, as_json, full_refresh=full_refresh)
    elapsed = time.perf_counter() - started
    if not as_json:
        print()
        print(format_summary(result.warehouse))
        for lines in (
            format_not_loaded_yet(result.warehouse, settings.landing, settings.mappings),
            format_unused_input(settings.landing, settings.mappings),
        ):
            if lines:
                print("\n" + "\n".join(lines))
        print()
    code = _print_run(FULL_PIPELINE_JOB_NAME, result, elapsed, as_json)
    if not as_json:
        if result.success:
            print(f"BI tools read the published marts from {result.serving} (read-only).")
        else:
            kept = (
                "still holds the last version that passed every check"
                if result.serving.is_file()
                else ("does not exist yet: no run has passed every check")
            )
            print(f"Nothing was published: {result.serving} {kept}.")
    return code


@_command("generate sample data, then run the whole pipeline")
@_with_settings
def demo(
    settings: Settings,
    scale: Scale = 1.0,
    seed: Seed = 42,
    as_of_date: AsOfDate = None,
    quiet: Quiet = False,
    as_json: AsJson = False,
) -> int:
    # With --json, stdout holds the JSON result alone.
    with contextlib.redirect_stdout(sys.stderr if as_json else sys.stdout):
        rc = _generate(settings, scale, seed)
    return rc or _run_pipeline(settings, as_of_date, quiet, as_json)


# ------------------------------------------------------------------------------------------ reading


@_command(
    "where things stand: the last run of the full pipeline, its failed and warned checks, stale assets, "
    "and what the serving file holds (exit 0: last run succeeded; 1: it failed or a blocking check failed; "
    "3: no run yet)"
)
@_with_settings
def status(settings: Settings, as_json: AsJson = False) -> int:
    from orchestration.status import pipeline_status

    state = pipeline_status(_persistent_instance(), settings)
    if as_json:
        print(json.dumps(state.to_dict(), indent=2))
    else:
        _print_status(state)
    return state.exit_code


def _print_status(state) -> None:
    console = Console()
    run_info = state.last_run
    if run_info is None:
        console.print(f"No run of {state.job} yet on this Dagster instance.")
    else:
        table = Table(title=f"Last run of {state.job}")
        for column in ("run id", "status", "start", "end", "duration"):
            table.add_column(column)
        duration = f"{run_info.duration_seconds:.1f}s" if run_info.duration_seconds is not None else ""
        table.add_row(run_info.run_id, run_info.status, run_info.start or "", run_info.end or "", duration)
        console.print(table)
    if state.checks:
        table = Table(title="Failed and warned checks of that run")
        for column in ("asset", "check", "severity", "description"):
            table.add_column(column, overflow="fold")
        from orchestration.dbt_failing_rows import METADATA_KEY, describe

        for c in state.checks:
            found = describe(c.metadata[METADATA_KEY]) if isinstance(c.metadata.get(METADATA_KEY), dict) else []
            text = "\n".join([c.description or "", *(f"found: {row}" for row in found)]).strip()
            table.add_row(c.asset_key, c.check_name, c.severity, escape(text))
        console.print(table)
    elif run_info is not None:
        console.print("Every check of that run passed.")
    if state.stale:
        table = Table(title="Stale assets")
        for column in ("asset", "why", "last materialized"):
            table.add_column(column, overflow="fold")
        for s in state.stale:
            table.add_row(s.asset_key, s.reason, s.last_materialized or "")
        console.print(table)
    serving = state.serving
    if not serving.exists or serving.run_id is None:
        console.print(f"Serving file {serving.file}: nothing published yet.")
    else:
        table = Table(title=f"Serving file {serving.file}: run {serving.run_id}, published {serving.published_at}")
        table.add_column("table")
        table.add_column("rows", justify="right")
        for name, n in serving.tables.items():
            table.add_row(name, f"{n:,}")
        console.print(table)


@_command(
    "print tables, row counts, mart coverage and its as-of date, quarantined rows, and the landing files not loaded yet"
)
@_with_settings
def summary(settings: Settings, as_json: AsJson = False) -> int:
    from orchestration.summary import format_not_loaded_yet, format_summary, format_unused_input, summary_data

    if not settings.warehouse.is_file():
        message = f"no warehouse at {settings.warehouse} yet (run salesops run or salesops demo)"
        # --json: still JSON on stdout, so a script reading it learns why instead of failing to parse it.
        shown = {"error": message, "exit_code": int(ExitCode.NOTHING_YET)}
        print(json.dumps(shown, indent=2) if as_json else f"salesops: {message}")
        return ExitCode.NOTHING_YET
    if as_json:
        print(json.dumps(summary_data(settings.warehouse, settings.landing, settings.mappings), indent=2))
        return ExitCode.OK
    print(format_summary(settings.warehouse))
    for lines in (
        format_not_loaded_yet(settings.warehouse, settings.landing, settings.mappings),
        format_unused_input(settings.landing, settings.mappings),
    ):
        if lines:
            print("\n" + "\n".join(lines))
    return ExitCode.OK


class Lang(StrEnum):
    en = "en"
    zh = "zh"


@_command("write the HTML report of the published marts (default: report.html next to the serving file)")
@_with_settings
def report(
    settings: Settings,
    out: Annotated[Path | None, typer.Option("--out", help="the HTML file to write")] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="language of the report")] = Lang.en,
) -> int:
    if not settings.serving.is_file():
        print(f"salesops: no serving file at {settings.serving} yet (run salesops run or salesops demo)")
        return ExitCode.NOTHING_YET
    from reporting.report import build_report

    written = build_report(
        settings.serving, out or settings.report, lang=lang.value, base_currency=settings.base_currency
    )
    print(f"Report written to {written}")
    return ExitCode.OK


@_command("generate the dbt documentation site (models, columns, lineage); --serve to browse it")
@_with_settings
def docs(
    settings: Settings,
    serve: Annotated[bool, typer.Option("--serve", help="serve the site until interrupted")] = False,
    port: Annotated[int, typer.Option("--port", help="port of --serve")] = DBT_DOCS_PORT,
) -> int:
    from orchestration.dbt_docs import STATIC_SITE_FILE, WarehouseNotBuiltError, generate_docs, serve_docs

    try:
        folder = generate_docs(settings)
    except WarehouseNotBuiltError as exc:
        print(f"salesops: {exc}")
        return ExitCode.NOTHING_YET
    # index.html fetches the manifest and catalog beside it, which a browser refuses from a file: URL; the
    # static page holds both (orchestration/dbt_docs.py).
    print(f"dbt docs written to {folder}" + ("" if serve else f" (open {folder / STATIC_SITE_FILE}, or --serve)"))
    if serve:
        print(f"Serving on http://127.0.0.1:{port} (Ctrl-C stops)")
        serve_docs(folder, port=port)
    return ExitCode.OK


# ------------------------------------------------------------------------------------------ second engine


def _spark_build(settings: Settings, fresh: bool, data_tests: str) -> int:
    from engines.spark_build import build_on_spark

    built = build_on_spark(settings, fresh=fresh, data_tests=data_tests)
    counts = ", ".join(f"{n} {status}" for status, n in sorted(built.statuses.items()))
    left_out = f"; {built.tests_left_out} data tests left out, one of their kind ran" if built.tests_left_out else ""
    print(f"Spark build in {settings.spark_dir}: {counts or 'nothing ran'}{left_out} (log: {built.log})")
    for unique_id in built.failures[:20]:
        print(f"  not passed: {unique_id}")
    return ExitCode.OK if built.success else ExitCode.FAILED


# The choices of --data-tests, as engines/data_test_kinds.py names them.
DataTests = StrEnum("DataTests", {choice: choice for choice in DATA_TEST_CHOICES})
EVERY_DATA_TEST = DataTests(ALL_DATA_TESTS)
DATA_TESTS_HELP = (
    "all: every data test; each-kind: every model, seed and unit test, and one data test of each kind "
    "(a portability check; engines/data_test_kinds.py)"
)


@_command(
    "build every dbt model, seed and test on the Spark target from the loaded warehouse's raw layer "
    "(extra [spark]; docs/deployment.md)",
    name="spark-build",
)
@_with_settings
def spark_build(
    settings: Settings,
    keep: Annotated[bool, typer.Option("--keep", help="keep the last build's Spark tables (no full refresh)")] = False,
    data_tests: Annotated[DataTests, typer.Option("--data-tests", help=DATA_TESTS_HELP)] = EVERY_DATA_TEST,
) -> int:
    if not settings.warehouse.is_file():
        print(f"salesops: no warehouse at {settings.warehouse} yet (run salesops load, run or demo)")
        return ExitCode.NOTHING_YET
    return _spark_build(settings, fresh=not keep, data_tests=data_tests.value)


@_command(
    "run the pipeline on DuckDB, build the same models on Spark, and compare every table dbt builds row by row "
    "(exit 1 on any difference)",
    name="compare-engines",
)
@_with_settings
def compare_engines(
    settings: Settings,
    reuse_warehouse: Annotated[
        bool, typer.Option("--reuse-warehouse", help="compare with the warehouse as built, do not run the pipeline")
    ] = False,
    data_tests: Annotated[DataTests, typer.Option("--data-tests", help=DATA_TESTS_HELP)] = EVERY_DATA_TEST,
) -> int:
    from engines.engine_diff import compare_engines as compare
    from engines.spark_build import built_tables

    if not reuse_warehouse:
        code = _run_pipeline(settings, None, quiet=True, as_json=False)
        if code != ExitCode.OK:
            return code
    elif not settings.warehouse.is_file():
        print(f"salesops: no warehouse at {settings.warehouse} yet (run salesops run or demo)")
        return ExitCode.NOTHING_YET
    code = _spark_build(settings, fresh=True, data_tests=data_tests.value)
    if code != ExitCode.OK:
        return code
    diffs = compare(settings.warehouse, settings.spark_dir, built_tables(settings.spark_dir))
    for diff in diffs:
        print(diff.describe())
    differing = [d.name for d in diffs if not d.identical]
    print(f"{len(diffs)} tables compared; {len(differing)} differ{': ' + ', '.join(differing) if differing else ''}")
    return ExitCode.FAILED if differing else ExitCode.OK


@_command("preview a source mapping on an export before loading anything", name="map")
def map_command(
    check: Annotated[tuple[str, str], typer.Option("--check", metavar="MAPPING FILE", help="mapping YAML, export")],
    rows: Annotated[int, typer.Option("--rows", help="mapped rows to preview")] = 10,
) -> None:
    from ingestion.mapping_check import check_mapping

    mapping, file = check
    for given in (mapping, file):
        if not Path(given).is_file():
            folder = " (a folder: give one file)" if Path(given).is_dir() else ""
            print(f"salesops map: {given}: no such file{folder}")
            raise typer.Exit(ExitCode.USAGE)
    raise typer.Exit(check_mapping(Path(mapping), Path(file), rows=rows))


# ------------------------------------------------------------------------------------------ entry


def main(argv: list[str] | None = None) -> int:
    """The ``salesops`` command, which its console script runs (orchestration/console_scripts.py); tests call it
    with their arguments and read the exit code."""
    try:
        app(args=argv, prog_name="salesops")
    except SystemExit as exc:
        # Every command ends in typer.Exit(code); usage errors exit 2 after typer prints them; --help 0.
        return exc.code if isinstance(exc.code, int) else ExitCode.OK if exc.code is None else ExitCode.USAGE
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
