"""User settings: flag > environment variable > config file > default, for every setting."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
import yaml

from ingestion.warehouse import set_memory_limit
from orchestration import cli, settings
from orchestration.assets.dbt import DbtBuildConfig, dbt_build_args
from orchestration.dbt_project import WITHOUT_UNIT_TESTS

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No setting from the machine running the tests: no variable, no ./salesops.toml."""
    for setting in settings.SETTINGS:
        monkeypatch.delenv(setting.env, raising=False)
    monkeypatch.delenv(settings.CONFIG_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_config(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "salesops.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_defaults():
    assert settings.landing_root() == REPO_ROOT / "data" / "landing"
    assert settings.warehouse_file() == REPO_ROOT / "warehouse" / "salesops.duckdb"
    assert settings.serving_file() == REPO_ROOT / "warehouse" / "serving.duckdb"
    assert settings.mappings_dir() is None
    assert settings.business_timezone().key == "Asia/Shanghai"
    # Nothing set: dbt keeps dbt_project.yml's vars (base currency CNY, calendar from the data).
    assert settings.dbt_vars() == {}
    # The default warehouse is the file profiles.yml opens by itself: no var, so dbt parses partially.
    assert settings.dbt_profile_warehouse() == settings.DEFAULT_WAREHOUSE
    assert dbt_build_args(DbtBuildConfig(), settings.dbt_vars(), settings.warehouse_file()) == [
        "build",
        *WITHOUT_UNIT_TESTS,
    ]


def test_profiles_yml_falls_back_to_the_settings_default_warehouse():
    profile = yaml.safe_load((REPO_ROOT / "dbt_project" / "profiles.yml").read_text())
    path = profile["salesops"]["outputs"]["dev"]["path"]
    assert settings.PROFILE_WAREHOUSE_VAR in path and settings.WAREHOUSE_ENV in path
    assert f"'{settings.PROFILE_DEFAULT_WAREHOUSE}'" in path


def test_profiles_yml_falls_back_to_the_settings_default_memory_limit():
    profile = yaml.safe_load((REPO_ROOT / "dbt_project" / "profiles.yml").read_text())
    limit = profile["salesops"]["outputs"]["dev"]["config_options"]["memory_limit"]
    assert settings.PROFILE_MEMORY_LIMIT_VAR in limit and settings.DUCKDB_MEMORY_LIMIT_ENV in limit
    assert f"'{settings.DEFAULT_DUCKDB_MEMORY_LIMIT}'" in limit


def test_profiles_yml_opens_duckdb_with_the_date_offsets_kept_apart():
    """dbt-duckdb passes ``config_options`` to ``duckdb.connect``; opened with the profile's fixed options,
    DuckDB must not merge 30 days and one month added to the same column (stack-notes.md's repro)."""
    options = yaml.safe_load((REPO_ROOT / "dbt_project" / "profiles.yml").read_text())["salesops"]["outputs"]["dev"][
        "config_options"
    ]
    fixed = {key: value for key, value in options.items() if "{{" not in str(value)}
    assert fixed["disabled_optimizers"] == "common_subexpressions"
    repro = "select d + interval 30 day, d + interval 1 month from (select date '2024-01-31' as d)"
    with duckdb.connect(config={key: str(value) for key, value in fixed.items()}) as con:
        assert [str(day.date()) for day in con.execute(repro).fetchone()] == ["2024-03-01", "2024-02-29"]
    with duckdb.connect() as con:  # the bug the option works around, still there in this DuckDB
        assert [str(day.date()) for day in con.execute(repro).fetchone()] == ["2024-03-01", "2024-03-01"]


def test_the_duckdb_memory_limit_reaches_dbt_as_a_var_only_when_set_and_caps_the_pipelines_duckdb(tmp_path: Path):
    assert settings.load_settings().duckdb_memory_limit == settings.DEFAULT_DUCKDB_MEMORY_LIMIT
    assert settings.PROFILE_MEMORY_LIMIT_VAR not in settings.dbt_vars()
    chosen = settings.load_settings({"duckdb_memory_limit": " 512MB "})
    assert chosen.duckdb_memory_limit == "512MB"
    assert chosen.dbt_vars == {settings.PROFILE_MEMORY_LIMIT_VAR: "512MB"}
    for bad in ("lots", "3 gigabytes", "GB", "-1GB", "3GB; drop table x"):
        with pytest.raises(settings.SettingsError, match="duckdb_memory_limit"):
            settings.load_settings({"duckdb_memory_limit": bad})

    # The warehouse resource's connections carry it: what DuckDB reports for the same limit set by config.
    from orchestration.code_location import build_resources

    warehouse = build_resources(chosen.with_paths(warehouse=tmp_path / "w.duckdb"))["warehouse"]
    expected = duckdb.connect(config={"memory_limit": "512MB"}).sql("select current_setting('memory_limit')")
    with warehouse.connect() as con:
        assert con.sql("select current_setting('memory_limit')").fetchall() == expected.fetchall()
        assert con.sql("select current_setting('allocator_background_threads')").fetchall() == [(True,)]
        # A value that did not come through the settings is refused before it reaches SQL.
        with pytest.raises(ValueError, match="not a DuckDB memory limit"):
            set_memory_limit(con, "1GB'; drop table x; --")


def test_the_spark_folder_defaults_to_the_same_place_in_settings_and_profiles_yml(tmp_path: Path):
    from engines.engine_diff import spark_session_parameters

    # profiles.yml resolves its default relative to dbt_project/, where dbt runs.
    loaded = settings.load_settings()
    assert loaded.spark_dir == settings.DEFAULT_WAREHOUSE.parent / settings.SPARK_DIR_NAME
    profile_default = _profile_default_spark_dir()
    assert (settings.DBT_PROJECT_DIR / profile_default).resolve() == loaded.spark_dir
    chosen = settings.load_settings({"spark_dir": str(tmp_path / "elsewhere")})
    assert chosen.spark_dir == tmp_path / "elsewhere"
    assert spark_session_parameters(chosen.spark_dir)["spark.sql.warehouse.dir"] == f"{tmp_path}/elsewhere/tables"


def _profile_default_spark_dir() -> str:
    """The folder profiles.yml's spark target falls back to without $SALESOPS_SPARK_DIR."""
    profile = (REPO_ROOT / "dbt_project" / "profiles.yml").read_text()
    defaults = set(re.findall(r"env_var\('" + settings.SPARK_DIR_ENV + r"', '([^']+)'\)", profile))
    assert len(defaults) == 1, defaults
    return defaults.pop()


def test_another_warehouse_reaches_dbt_as_a_var(tmp_path: Path):
    other = tmp_path / "wh" / "ops.duckdb"
    args = dbt_build_args(DbtBuildConfig(), {}, other)
    assert args[:4] == ["build", *WITHOUT_UNIT_TESTS, "--vars"]
    assert json.loads(args[4]) == {settings.PROFILE_WAREHOUSE_VAR: str(other)}


def test_the_serving_file_follows_the_warehouse(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("SALESOPS_WAREHOUSE", str(tmp_path / "wh" / "salesops.duckdb"))
    assert settings.serving_file() == tmp_path / "wh" / "serving.duckdb"
    monkeypatch.setenv(settings.SERVING_ENV, str(tmp_path / "bi" / "marts.duckdb"))
    assert settings.serving_file() == tmp_path / "bi" / "marts.duckdb"


def test_the_local_config_file_sets_everything(tmp_path: Path):
    write_config(
        tmp_path,
        """
[salesops]
landing = "exports"
warehouse = "wh/ops.duckdb"
serving = "bi/ops.duckdb"
mappings = "config/mappings"
base_currency = "gbp"
timezone = "Europe/London"
calendar_start = "1996-01-01"
calendar_end = "1998-12-31"
mask_pii = false
""",
    )
    assert settings.landing_root() == tmp_path / "exports"
    assert settings.warehouse_file() == tmp_path / "wh" / "ops.duckdb"
    assert settings.serving_file() == tmp_path / "bi" / "ops.duckdb"
    assert settings.mappings_dir() == tmp_path / "config" / "mappings"
    assert settings.business_timezone().key == "Europe/London"
    expected = {
        "base_currency": "GBP",
        "calendar_start": "1996-01-01",
        "calendar_end": "1998-12-31",
        "mask_pii": False,
    }
    assert settings.dbt_vars() == expected
    args = dbt_build_args(DbtBuildConfig(as_of_date="1998-06-30"), settings.dbt_vars(), settings.DEFAULT_WAREHOUSE)
    assert args[:4] == ["build", *WITHOUT_UNIT_TESTS, "--vars"]
    assert json.loads(args[4]) == {**expected, "as_of_date": "1998-06-30"}


def test_an_explicit_config_file_resolves_paths_beside_itself(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    config = write_config(tmp_path / "etc", 'landing = "drops"\nbase_currency = "USD"\n')
    monkeypatch.setenv(settings.CONFIG_ENV, str(config))
    assert settings.landing_root() == tmp_path / "etc" / "drops"
    assert settings.dbt_vars() == {"base_currency": "USD"}


def test_environment_beats_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    write_config(tmp_path, 'base_currency = "GBP"\nserving = "from-file.duckdb"\ntimezone = "Europe/London"\n')
    monkeypatch.setenv(settings.BASE_CURRENCY_ENV, "USD")
    monkeypatch.setenv(settings.SERVING_ENV, str(tmp_path / "from-env.duckdb"))
    assert settings.dbt_vars() == {"base_currency": "USD"}
    assert settings.serving_file() == tmp_path / "from-env.duckdb"
    # What the variable does not set still comes from the file.
    assert settings.business_timezone().key == "Europe/London"


def test_masking_personal_data_is_on_unless_explicitly_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    # Unset: no var, so dbt_project.yml's default (true) applies.
    assert "mask_pii" not in settings.dbt_vars()
    for value, expected in (("false", False), (" OFF ", False), ("0", False), ("true", True), ("yes", True)):
        monkeypatch.setenv(settings.MASK_PII_ENV, value)
        assert settings.dbt_vars() == {"mask_pii": expected}
    # A JSON boolean reaches dbt, not the string "false".
    args = dbt_build_args(DbtBuildConfig(), settings.dbt_vars(), settings.DEFAULT_WAREHOUSE)
    assert json.loads(args[4]) == {"mask_pii": True}
    monkeypatch.delenv(settings.MASK_PII_ENV)
    write_config(tmp_path, "mask_pii = false\n")
    assert settings.dbt_vars() == {"mask_pii": False}
    # The variable beats the file, and the CLI flag beats both.
    monkeypatch.setenv(settings.MASK_PII_ENV, "true")
    assert settings.dbt_vars() == {"mask_pii": True}
    assert settings.dbt_vars({"mask_pii": "false"}) == {"mask_pii": False}


def test_flag_beats_environment_and_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys):
    flagged = tmp_path / "flag" / "salesops.duckdb"
    flagged.parent.mkdir()
    duckdb.connect(str(flagged)).close()
    write_config(tmp_path, 'warehouse = "file/salesops.duckdb"\n')
    monkeypatch.setenv("SALESOPS_WAREHOUSE", str(tmp_path / "env" / "salesops.duckdb"))
    assert cli.main(["summary", "--warehouse", str(flagged)]) == 0
    assert f"Warehouse: {flagged}" in capsys.readouterr().out
    # The flag travels as a value, not through the environment: nothing is left behind for later readers.
    assert settings.load_settings({"warehouse": str(flagged)}).warehouse == flagged
    assert settings.warehouse_file() == tmp_path / "env" / "salesops.duckdb"


def test_every_setting_is_a_flag_of_every_pipeline_command(monkeypatch: pytest.MonkeyPatch):
    given = []

    def capture(flags):
        given.append(dict(flags))
        raise settings.SettingsError("stop before anything runs")

    monkeypatch.setattr(cli, "load_settings", capture)
    for command in ("generate", "load", "build", "check", "publish", "run", "demo", "status", "summary"):
        assert cli.main([command, *[f"--{s.key.replace('_', '-')}=x" for s in settings.SETTINGS]]) == 2
        assert given.pop() == {s.key: "x" for s in settings.SETTINGS}, command


@pytest.mark.parametrize(
    ("env", "value", "message"),
    [
        (settings.BASE_CURRENCY_ENV, "dollars", "ISO 4217"),
        (settings.CALENDAR_START_ENV, "01/02/1997", "YYYY-MM-DD"),
        (settings.TIMEZONE_ENV, "Mars/Olympus", "unknown time zone"),
        (settings.MASK_PII_ENV, "nope", "not true or false"),
    ],
)
def test_unusable_values_are_named(monkeypatch: pytest.MonkeyPatch, env: str, value: str, message: str):
    monkeypatch.setenv(env, value)
    with pytest.raises(settings.SettingsError, match=message):
        settings.dbt_vars()
        settings.business_timezone()


def test_config_file_problems_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys):
    write_config(tmp_path, 'base_curency = "USD"\n')
    with pytest.raises(settings.SettingsError, match="unknown setting.*base_curency"):
        settings.dbt_vars()
    monkeypatch.setenv(settings.CONFIG_ENV, str(tmp_path / "missing.toml"))
    with pytest.raises(settings.SettingsError, match="no such config file"):
        settings.landing_root()
    # The CLI turns them into a message and exit code 2, not a traceback.
    assert cli.main(["summary"]) == 2
    assert "missing.toml" in capsys.readouterr().out
    broken = tmp_path / "broken.toml"
    broken.write_text("this is = = not toml\n")
    monkeypatch.setenv(settings.CONFIG_ENV, str(broken))
    assert cli.main(["summary"]) == 2
    assert "broken.toml: not a TOML file" in capsys.readouterr().out


def test_a_calendar_that_ends_before_it_starts_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(settings.CALENDAR_START_ENV, "2026-01-01")
    monkeypatch.setenv(settings.CALENDAR_END_ENV, "2025-12-31")
    with pytest.raises(settings.SettingsError, match="calendar_start 2026-01-01 is after calendar_end 2025-12-31"):
        settings.dbt_vars()
    monkeypatch.setenv(settings.CALENDAR_END_ENV, "2026-01-01")  # one day is a calendar
    assert settings.dbt_vars()["calendar_end"] == "2026-01-01"


def test_a_bad_setting_stops_the_cli_before_anything_runs(monkeypatch: pytest.MonkeyPatch, capsys):
    from orchestration import pipeline

    def must_not_run(*args, **kwargs):
        raise AssertionError("the pipeline started with an unusable setting")

    monkeypatch.setattr(pipeline, "run_full_pipeline", must_not_run)
    assert cli.main(["run", "--calendar-end", "31.12.2026"]) == 2
    assert "calendar_end: '31.12.2026' is not a YYYY-MM-DD date" in capsys.readouterr().out


def test_sample_data_never_overwrites_real_exports(tmp_path: Path, capsys):
    exports = tmp_path / "exports"
    (exports / "crm").mkdir(parents=True)
    (exports / "crm" / "opportunities.csv").write_text("opportunity_id\nREAL-1\n", encoding="utf-8")
    assert cli.main(["generate", "--landing", str(exports)]) == 2
    assert "did not write" in capsys.readouterr().out
    assert (exports / "crm" / "opportunities.csv").read_text(encoding="utf-8") == "opportunity_id\nREAL-1\n"


def test_the_serving_file_follows_another_warehouse_unless_it_is_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    moved = settings.load_settings().with_paths(warehouse=tmp_path / "wh" / "x.duckdb")
    assert moved.serving == tmp_path / "wh" / "serving.duckdb"
    monkeypatch.setenv(settings.SERVING_ENV, str(tmp_path / "bi" / "s.duckdb"))
    assert settings.load_settings().with_paths(warehouse=tmp_path / "wh" / "x.duckdb").serving == (
        tmp_path / "bi" / "s.duckdb"
    )
    assert moved.with_paths(serving=tmp_path / "given.duckdb").serving == tmp_path / "given.duckdb"


def test_resources_read_a_path_through_its_environment_variable_when_it_came_from_there(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    import dagster as dg

    from orchestration.code_location import build_resources

    monkeypatch.setenv(settings.WAREHOUSE_ENV, str(tmp_path / "env.duckdb"))
    resources = build_resources(settings.load_settings({"landing": str(tmp_path / "flagged")}))
    assert resources["warehouse"].path == dg.EnvVar(settings.WAREHOUSE_ENV)
    assert resources["warehouse"].process_config_and_initialize().file == tmp_path / "env.duckdb"
    assert resources["landing"].path == tmp_path / "flagged"
    assert resources["serving"].file == tmp_path / "serving.duckdb"
    # A path given in place of the setting (a test's, a script's) is used as given.
    moved = settings.load_settings().with_paths(warehouse=tmp_path / "other.duckdb")
    assert build_resources(moved)["warehouse"].path == str(tmp_path / "other.duckdb")


def test_a_home_relative_path_from_the_environment_is_the_same_file_everywhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    from orchestration.code_location import build_resources

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv(settings.WAREHOUSE_ENV, "~/wh/x.duckdb")
    expected = tmp_path / "home" / "wh" / "x.duckdb"
    loaded = settings.load_settings()
    assert loaded.warehouse == expected
    resource = build_resources(loaded)["warehouse"].process_config_and_initialize()
    assert resource.file == expected
    # dbt would read the variable literally: the asset passes the resolved file instead.
    args = dbt_build_args(DbtBuildConfig(), {}, resource.file)
    assert json.loads(args[4]) == {settings.PROFILE_WAREHOUSE_VAR: str(expected)}


def test_the_marts_schema_is_the_one_dbt_builds_the_marts_in():
    project = yaml.safe_load((settings.DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    assert project["models"]["salesops"]["marts"]["+schema"] == settings.MARTS_SCHEMA
