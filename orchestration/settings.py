"""User settings: where things live and the few business facts that differ between companies.

One place for all of them. Each setting is read, in this order of precedence:

1. a command-line flag (``salesops run --base-currency USD``; the CLI passes its flags to ``load_settings``),
2. an environment variable (``SALESOPS_BASE_CURRENCY=USD``),
3. the optional config file: ``$SALESOPS_CONFIG``, else ``./salesops.toml`` (keys as in ``SETTINGS``,
   at the top level or under ``[salesops]``),
4. the default.

dbt thresholds stay dbt vars (``dbt_project/dbt_project.yml``); the settings that are dbt vars too (base
currency, calendar bounds, PII masking, and DuckDB's memory limit for ``profiles.yml``) are passed to dbt
only when set, so the var's default there is the only one.

Nothing here writes to ``os.environ``: the CLI resolves flags into a ``Settings`` value once, and the
Dagster definitions are built from it (orchestration/code_location.py), so every resource, the schedule
and the dbt invocation read the same values.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from ingestion.contract import DEFAULT_BUSINESS_TIMEZONE
from ingestion.warehouse import is_memory_limit

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# The schema dbt builds the marts in (dbt_project.yml, models.salesops.marts +schema).
MARTS_SCHEMA = "marts"
# ... and the dimensions and facts the marts are built from (models.salesops.core +schema).
CORE_SCHEMA = "core"
# The one default location of each file; dbt_project/profiles.yml falls back to the same warehouse file
# when dbt runs on its own (tests/test_settings.py compares the two).
DEFAULT_LANDING = REPO_ROOT / "data" / "landing"
DEFAULT_WAREHOUSE = REPO_ROOT / "warehouse" / "salesops.duckdb"
SERVING_FILE_NAME = "serving.duckdb"
REPORT_FILE_NAME = "report.html"  # `salesops report` writes it next to the serving file unless told otherwise
# The dbt docs site describes one warehouse (its catalog lists that file's tables), so it lives beside it.
DBT_DOCS_DIR_NAME = "dbt_docs"
DBT_DOCS_PORT = 8080  # `salesops docs --serve`, on 127.0.0.1
# The Spark target's folder (metastore, Parquet tables, raw export): spark/ next to the warehouse.
# dbt_project/profiles.yml (target spark) falls back to the same folder when dbt runs on its own.
SPARK_DIR_NAME = "spark"

CONFIG_ENV = "SALESOPS_CONFIG"
CONFIG_FILE_NAME = "salesops.toml"
LANDING_ENV = "SALESOPS_LANDING"
WAREHOUSE_ENV = "SALESOPS_WAREHOUSE"
SERVING_ENV = "SALESOPS_SERVING"
BASE_CURRENCY_ENV = "SALESOPS_BASE_CURRENCY"
TIMEZONE_ENV = "SALESOPS_TIMEZONE"
CALENDAR_START_ENV = "SALESOPS_CALENDAR_START"
CALENDAR_END_ENV = "SALESOPS_CALENDAR_END"
MAPPINGS_ENV = "SALESOPS_MAPPINGS"
MASK_PII_ENV = "SALESOPS_MASK_PII"
SPARK_DIR_ENV = "SALESOPS_SPARK_DIR"
DUCKDB_MEMORY_LIMIT_ENV = "SALESOPS_DUCKDB_MEMORY_LIMIT"
REUSE_RAW_CHECKS_ENV = "SALESOPS_REUSE_RAW_CHECKS"
DBT_TARGETS_KEPT_ENV = "SALESOPS_DBT_TARGETS_KEPT"
# The dbt builds whose target folder (compiled SQL, run results, log; ~22 MB at demo size) is kept
# (orchestration/dbt_targets.py): about three weeks of a daily schedule.
DEFAULT_DBT_TARGETS_KEPT = 20
# What each DuckDB of a run may hold before it spills to disk: the in-process one (loads, checks, publish)
# and dbt's. DuckDB's own default, 80% of RAM each, let dbt's alone reach 14.4 GB on 10M order lines. dbt
# runs while the pipeline process holds ~1 GB, so the pair stays under 4 GB only if dbt stays under 3: at
# 2.5GB dbt peaked at 2.8 GB on 10M order lines and took 5% longer than at 3GB (docs/benchmarks.md).
# dbt_project/profiles.yml falls back to the same value when dbt runs on its own (tests/test_settings.py).
DEFAULT_DUCKDB_MEMORY_LIMIT = "2.5GB"
PROFILE_MEMORY_LIMIT_VAR = "salesops_duckdb_memory_limit"

_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")


@dataclass(frozen=True)
class Setting:
    key: str  # config-file key and CLI flag (--key-with-dashes)
    env: str
    help: str
    dbt_var: str | None = None  # passed to dbt as this var when set


# fmt: off
SETTINGS: tuple[Setting, ...] = (
    Setting("landing", LANDING_ENV, "landing folder (default data/landing in the checkout)"),
    Setting("warehouse", WAREHOUSE_ENV, "working DuckDB file (default warehouse/salesops.duckdb in the checkout)"),
    Setting("serving", SERVING_ENV, "BI-facing DuckDB file (default serving.duckdb next to the warehouse)"),
    Setting("mappings", MAPPINGS_ENV, "folder of source mappings (default <landing>/_mappings)"),
    Setting("base_currency", BASE_CURRENCY_ENV, "currency every amount is converted to (default CNY)", "base_currency"),
    Setting("timezone", TIMEZONE_ENV, f"business time zone of naive timestamps (default {DEFAULT_BUSINESS_TIMEZONE})"),
    Setting("calendar_start", CALENDAR_START_ENV, "first calendar day (default: from the data)", "calendar_start"),
    Setting("calendar_end", CALENDAR_END_ENV, "last calendar day (default: from the data)", "calendar_end"),
    Setting("mask_pii", MASK_PII_ENV, "mask personal data published to BI: true (default) or false", "mask_pii"),
    Setting("spark_dir", SPARK_DIR_ENV, "Spark target's folder (default spark/ next to the warehouse)"),
    Setting("duckdb_memory_limit", DUCKDB_MEMORY_LIMIT_ENV,
            f"memory each DuckDB of a run may hold before spilling (default {DEFAULT_DUCKDB_MEMORY_LIMIT}; 8GB, 50%)",
            PROFILE_MEMORY_LIMIT_VAR),
    Setting("reuse_raw_checks", REUSE_RAW_CHECKS_ENV,
            "true (default): a raw table's great-expectations results are reused while its inputs are unchanged; "
            "false: every table is validated on every run"),
    Setting("dbt_targets_kept", DBT_TARGETS_KEPT_ENV,
            f"target folders of past dbt builds kept, newest first (default {DEFAULT_DBT_TARGETS_KEPT}; 0 keeps all)"),
)
# fmt: on
SETTINGS_BY_KEY = {s.key: s for s in SETTINGS}

# Flag values by setting key (None: not given on the command line).
Flags = Mapping[str, str | None]


class SettingsError(ValueError):
    """A setting that cannot be used (unknown key in the config file, bad date, unknown time zone)."""


def config_file() -> Path | None:
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise SettingsError(f"{CONFIG_ENV}={explicit}: no such config file")
        return path
    local = Path.cwd() / CONFIG_FILE_NAME
    return local if local.is_file() else None


def _file_values() -> dict[str, Any]:
    path = config_file()
    if path is None:
        return {}
    with open(path, "rb") as fh:
        try:
            data = tomllib.load(fh)
        # UnicodeDecodeError: a file saved as UTF-16 (Notepad's "Unicode"); TOML files are UTF-8.
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: not a TOML file (UTF-8): {exc}") from None
    values = data.get("salesops", data)
    unknown = sorted(set(values) - set(SETTINGS_BY_KEY))
    if unknown:
        raise SettingsError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(SETTINGS_BY_KEY)}")
    return values


def _lookup(key: str, flags: Flags | None = None) -> tuple[str | None, Path]:
    """The setting's value from a flag, the environment or the config file, and the folder a relative path
    in it is relative to: the working directory for a flag or variable, the config file's folder for the file."""
    setting = SETTINGS_BY_KEY[key]
    value = (flags or {}).get(key) or os.environ.get(setting.env)
    if value:
        return value, Path.cwd()
    value = _file_values().get(key)
    if value is None or value == "":
        return None, Path.cwd()
    path = config_file()
    return str(value), (path.parent if path else Path.cwd())


def raw_setting(key: str, flags: Flags | None = None) -> str | None:
    """The setting's value from a flag, the environment or the config file; None when none sets it."""
    return _lookup(key, flags)[0]


def _path(key: str, default: Path, flags: Flags | None = None) -> Path:
    value, relative_to = _lookup(key, flags)
    if not value:
        return default.resolve()
    path = Path(value).expanduser()
    return (path if path.is_absolute() else relative_to / path).resolve()


def landing_root(flags: Flags | None = None) -> Path:
    return _path("landing", DEFAULT_LANDING, flags)


def warehouse_file(flags: Flags | None = None) -> Path:
    return _path("warehouse", DEFAULT_WAREHOUSE, flags)


def serving_file(flags: Flags | None = None) -> Path:
    """The BI-facing file: the setting, else serving.duckdb next to the working warehouse."""
    return _path("serving", warehouse_file(flags).parent / SERVING_FILE_NAME, flags)


def mappings_dir(flags: Flags | None = None) -> Path | None:
    """The folder of source mappings when set; None means ``<landing>/_mappings``."""
    return _path("mappings", Path(), flags) if raw_setting("mappings", flags) else None


def business_timezone(flags: Flags | None = None) -> ZoneInfo:
    name = raw_setting("timezone", flags) or DEFAULT_BUSINESS_TIMEZONE
    try:
        return ZoneInfo(name)
    except Exception as exc:  # ZoneInfoNotFoundError or a malformed key
        raise SettingsError(f"timezone: unknown time zone {name!r}") from exc


def parse_bool(key: str, value: str) -> bool:
    """A yes/no setting; anything else is an error rather than a guess (a typo must not unmask data)."""
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise SettingsError(f"{key}: {value!r} is not true or false")


def parse_count(key: str, value: str | None, default: int) -> int:
    """A whole number of things, 0 or more; the default when unset."""
    if value is None or str(value).strip() == "":
        return default
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]+", text):
        raise SettingsError(f"{key}: {value!r} is not a whole number of 0 or more")
    return int(text)


@functools.cache
def _project_vars(project_file: Path) -> dict[str, Any]:
    return yaml.safe_load(project_file.read_text(encoding="utf-8"))["vars"]


def dbt_project_var(name: str, project_dir: Path = DBT_PROJECT_DIR) -> Any:
    """A dbt var's default as ``dbt_project.yml`` sets it (what a run uses unless a setting overrides it)."""
    return _project_vars(Path(project_dir) / "dbt_project.yml")[name]


def base_currency_of(chosen_vars: Mapping[str, Any]) -> str:
    """The base currency every amount is converted to, given the dbt vars a run passes: the user's setting,
    else the var's default."""
    return str(chosen_vars.get("base_currency") or dbt_project_var("base_currency"))


def dbt_vars(flags: Flags | None = None) -> dict[str, str | bool]:
    """The dbt vars the user set (base currency, calendar bounds, PII masking); the rest keep
    dbt_project.yml's defaults."""
    chosen: dict[str, str | bool] = {}
    for setting in SETTINGS:
        if setting.dbt_var is None:
            continue
        value = raw_setting(setting.key, flags)
        if value is None:
            continue
        if setting.key == "base_currency":
            value = value.strip().upper()
            if len(value) != 3 or not value.isalpha():
                raise SettingsError(f"{setting.key}: {value!r} is not an ISO 4217 currency code such as USD")
        elif setting.key.startswith("calendar_"):
            try:
                value = date.fromisoformat(value.strip()).isoformat()
            except ValueError as exc:
                raise SettingsError(f"{setting.key}: {value!r} is not a YYYY-MM-DD date") from exc
        elif setting.key == "duckdb_memory_limit":
            value = value.strip()
            if not is_memory_limit(value):
                raise SettingsError(f"{setting.key}: {value!r} is not a size such as 4GB, 512MB or 50%")
        elif setting.key == "mask_pii":
            # Checked here so a typo stops the CLI before anything runs; passed as the var's own type.
            chosen[setting.dbt_var] = parse_bool(setting.key, value)
            continue
        chosen[setting.dbt_var] = value
    start, end = (SETTINGS_BY_KEY[k] for k in ("calendar_start", "calendar_end"))
    if start.dbt_var in chosen and end.dbt_var in chosen and chosen[start.dbt_var] > chosen[end.dbt_var]:
        raise SettingsError(
            f"calendar_start {chosen[start.dbt_var]} is after calendar_end {chosen[end.dbt_var]}: an empty calendar"
        )
    return chosen


@dataclass(frozen=True)
class Settings:
    """Every user setting, resolved once (flag > environment > config file > default) and checked."""

    landing: Path
    warehouse: Path
    serving_setting: Path | None  # None: serving.duckdb next to the warehouse
    mappings: Path | None
    timezone: ZoneInfo
    dbt_vars: dict[str, str | bool] = field(default_factory=dict)
    spark_dir_setting: Path | None = None  # None: spark/ next to the warehouse
    # False when a user wants every raw table revalidated (e.g. after doubting the stored results); the
    # default reuses them while the inputs are unchanged (quality/suite_reuse.py).
    reuse_raw_checks: bool = True
    dbt_targets_kept: int = DEFAULT_DBT_TARGETS_KEPT
    # Keys whose value came from their environment variable: the Dagster resources read those through
    # dg.EnvVar, so the UI shows where a path came from (orchestration/code_location.py).
    from_environment: frozenset[str] = frozenset()

    @property
    def serving(self) -> Path:
        return self.serving_setting or self.warehouse.parent / SERVING_FILE_NAME

    @property
    def base_currency(self) -> str:
        return base_currency_of(self.dbt_vars)

    @property
    def duckdb_memory_limit(self) -> str:
        return str(self.dbt_vars.get(PROFILE_MEMORY_LIMIT_VAR) or DEFAULT_DUCKDB_MEMORY_LIMIT)

    @property
    def report(self) -> Path:
        """The default file of ``salesops report``: next to the serving file BI reads."""
        return self.serving.parent / REPORT_FILE_NAME

    @property
    def dbt_docs(self) -> Path:
        """The dbt docs site of this warehouse (``salesops docs``): dbt_docs/ next to the warehouse."""
        return self.warehouse.parent / DBT_DOCS_DIR_NAME

    @property
    def spark_dir(self) -> Path:
        """The dbt Spark target's folder (``salesops spark-build``, docs/deployment.md)."""
        return self.spark_dir_setting or self.warehouse.parent / SPARK_DIR_NAME

    def with_paths(
        self, landing: Path | None = None, warehouse: Path | None = None, serving: Path | None = None
    ) -> Settings:
        """These settings with other files (a test's or a script's)."""
        given = {k for k, v in (("landing", landing), ("warehouse", warehouse), ("serving", serving)) if v}
        return replace(
            self,
            landing=Path(landing).resolve() if landing else self.landing,
            warehouse=Path(warehouse).resolve() if warehouse else self.warehouse,
            serving_setting=Path(serving).resolve() if serving else self.serving_setting,
            from_environment=self.from_environment - given,
        )


def load_settings(flags: Flags | None = None) -> Settings:
    """All settings from ``flags`` (the CLI's), the environment, the config file and the defaults.
    Raises SettingsError naming the first unusable value."""
    return Settings(
        landing=landing_root(flags),
        warehouse=warehouse_file(flags),
        serving_setting=serving_file(flags) if raw_setting("serving", flags) else None,
        mappings=mappings_dir(flags),
        timezone=business_timezone(flags),
        dbt_vars=dbt_vars(flags),
        spark_dir_setting=_path("spark_dir", DEFAULT_WAREHOUSE, flags) if raw_setting("spark_dir", flags) else None,
        reuse_raw_checks=parse_bool("reuse_raw_checks", raw_setting("reuse_raw_checks", flags) or "true"),
        dbt_targets_kept=parse_count(
            "dbt_targets_kept", raw_setting("dbt_targets_kept", flags), DEFAULT_DBT_TARGETS_KEPT
        ),
        from_environment=frozenset(s.key for s in SETTINGS if not (flags or {}).get(s.key) and os.environ.get(s.env)),
    )


# dbt_project/profiles.yml: var salesops_warehouse, else $SALESOPS_WAREHOUSE, else this path; without the var
# dbt runs in the project folder, so relative paths there are relative to it (with it, salesops-dbt runs dbt in
# the warehouse's folder: orchestration/dbt_entry.py).
PROFILE_WAREHOUSE_VAR = "salesops_warehouse"
PROFILE_DEFAULT_WAREHOUSE = "../warehouse/salesops.duckdb"


def dbt_profile_warehouse() -> Path:
    """The warehouse file dbt opens when it is given no var: what profiles.yml resolves by itself."""
    # Taken literally (a leading ~ unexpanded, relative to the project folder): when that differs from the
    # resolved setting, the asset passes the resolved path as a var, so dbt never has to expand anything.
    return (DBT_PROJECT_DIR / os.environ.get(WAREHOUSE_ENV, PROFILE_DEFAULT_WAREHOUSE)).resolve()


@functools.cache
def dbt_profile_duckdb_options() -> dict[str, str]:
    """The DuckDB options dbt_project/profiles.yml opens the warehouse with, those it fixes (not the templated
    memory limit): SQL run outside dbt on what dbt built (the rows a failed test found, the benchmark's floor)
    sees it as dbt does, the optimizer behind wrong date offsets switched off among them."""
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    options = profile["salesops"]["outputs"]["dev"].get("config_options") or {}
    # YAML reads `false` as a boolean; DuckDB takes the setting as text.
    text = {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in options.items()}
    return {key: value for key, value in text.items() if "{{" not in value}
