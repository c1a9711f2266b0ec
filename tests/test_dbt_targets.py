"""Past dbt builds' target folders are pruned to the newest few (orchestration/dbt_targets.py); the setting
dbt_targets_kept says how many."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from orchestration.assets import dbt as dbt_asset
from orchestration.assets.dbt import _prune_targets
from orchestration.dbt_targets import _skip_vanished, prune_invocation_targets
from orchestration.settings import CONFIG_ENV, DEFAULT_DBT_TARGETS_KEPT, SettingsError, load_settings

OP = "salesops_dbt_assets"
NOW = time.time()
MINUTE, HOUR = 60, 3600


def _folder(root: Path, name: str, age_s: float, finished_s: float | None = None, log_s: float | None = None) -> Path:
    """An invocation folder made ``age_s`` ago; dbt's run_results.json written ``finished_s`` ago (None: the
    build has not finished), its log last written ``log_s`` ago."""
    folder = root / name
    (folder / "compiled").mkdir(parents=True)
    (folder / "compiled" / "model.sql").write_text("select 1")
    if finished_s is not None:
        (folder / "run_results.json").write_text("{}")
        os.utime(folder / "run_results.json", (NOW - finished_s, NOW - finished_s))
    if log_s is not None:
        (folder / "dbt.log").write_text("{}\n")
        os.utime(folder / "dbt.log", (NOW - log_s, NOW - log_s))
    os.utime(folder, (NOW - age_s, NOW - age_s))
    return folder


def test_older_settled_builds_beyond_the_newest_are_removed_and_nothing_else(tmp_path):
    newest = _folder(tmp_path, f"{OP}-aaaaaaa-0000001", age_s=1 * HOUR, finished_s=1 * HOUR)
    second = _folder(tmp_path, f"{OP}-bbbbbbb-0000002", age_s=2 * HOUR, finished_s=2 * HOUR)
    settled = [
        _folder(tmp_path, f"{OP}-ccccccc-000000{i}", age_s=(3 + i) * HOUR, finished_s=3 * HOUR) for i in range(3)
    ]
    # Beyond the newest two, but its build ended a minute ago: its step may still be filing the results.
    just_finished = _folder(tmp_path, f"{OP}-ccccccc-0000005", age_s=7 * HOUR, finished_s=1 * MINUTE)
    # Still running on another warehouse: no results yet, its log written a minute ago (started 30 hours ago).
    running = _folder(tmp_path, f"{OP}-ddddddd-0000009", age_s=30 * HOUR, log_s=1 * MINUTE)
    # No results and nothing written for two days: a build that died.
    abandoned = _folder(tmp_path, f"{OP}-eeeeeee-000000a", age_s=48 * HOUR, log_s=48 * HOUR)
    # Not an invocation folder of this op: the parse cache, another op's build, a name that only starts alike.
    others = [
        _folder(tmp_path, "partial_parse", age_s=99 * HOUR),
        _folder(tmp_path, "other_op-fffffff-000000b", age_s=99 * HOUR, finished_s=99 * HOUR),
        _folder(tmp_path, f"{OP}-keep-me", age_s=99 * HOUR, finished_s=99 * HOUR),
    ]
    (tmp_path / "manifest.json").write_text("{}")

    pruned = prune_invocation_targets(tmp_path, OP, keep=2, now=NOW)

    assert sorted(pruned.removed) == sorted([*settled, abandoned])
    assert pruned.failed == {}
    assert all(not p.exists() for p in pruned.removed)
    assert all(p.is_dir() for p in [newest, second, just_finished, running, *others])
    assert (tmp_path / "manifest.json").is_file()


def test_the_callers_own_folder_is_never_removed(tmp_path):
    # Its build's folder is older than another's newer results (builds on other warehouses finished since).
    own = _folder(tmp_path, f"{OP}-aaaaaaa-0000001", age_s=5 * HOUR, finished_s=2 * HOUR)
    newer = _folder(tmp_path, f"{OP}-bbbbbbb-0000002", age_s=1 * HOUR, finished_s=1 * HOUR)
    pruned = prune_invocation_targets(tmp_path, OP, keep=1, current=own, now=NOW)
    assert pruned.removed == []
    assert own.is_dir() and newer.is_dir()


def test_the_settling_time_and_the_day_are_the_bounds(tmp_path):
    """Just inside each bound stays, just outside goes: results 9 and 11 minutes old; no results and the last
    write 23 and 25 hours ago; a folder holding neither results nor a log (dbt died at its start) by its own
    time."""
    newest = _folder(tmp_path, f"{OP}-aaaaaaa-0000001", age_s=0, finished_s=0)
    kept = [
        _folder(tmp_path, f"{OP}-bbbbbbb-0000001", age_s=HOUR, finished_s=9 * MINUTE),
        _folder(tmp_path, f"{OP}-bbbbbbb-0000002", age_s=30 * HOUR, log_s=23 * HOUR),
        _folder(tmp_path, f"{OP}-bbbbbbb-0000003", age_s=23 * HOUR),
    ]
    gone = [
        _folder(tmp_path, f"{OP}-ccccccc-0000001", age_s=HOUR, finished_s=11 * MINUTE),
        _folder(tmp_path, f"{OP}-ccccccc-0000002", age_s=30 * HOUR, log_s=25 * HOUR),
        _folder(tmp_path, f"{OP}-ccccccc-0000003", age_s=25 * HOUR),
    ]
    pruned = prune_invocation_targets(tmp_path, OP, keep=1, now=NOW)
    assert sorted(pruned.removed) == sorted(gone)
    assert all(p.is_dir() for p in [newest, *kept])


def test_what_another_prune_removed_meanwhile_is_no_failure(tmp_path, monkeypatch):
    _folder(tmp_path, f"{OP}-aaaaaaa-0000001", age_s=HOUR, finished_s=HOUR)
    raced = _folder(tmp_path, f"{OP}-aaaaaaa-0000002", age_s=2 * HOUR, finished_s=2 * HOUR)
    real_rmtree = shutil.rmtree

    def rmtree(path, *args, **kwargs):
        real_rmtree(path)  # another build's prune got there first
        return real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(shutil, "rmtree", rmtree)
    pruned = prune_invocation_targets(tmp_path, OP, keep=1, now=NOW)
    assert pruned.failed == {} and not raced.exists()
    # Entries vanishing part-way through a removal are skipped the same way; anything else is an error.
    _skip_vanished(os.unlink, "x", (FileNotFoundError, FileNotFoundError("x"), None))
    with pytest.raises(PermissionError):
        _skip_vanished(os.unlink, "x", (PermissionError, PermissionError("x"), None))


def test_keep_zero_removes_nothing_and_a_missing_target_folder_is_no_error(tmp_path):
    folders = [_folder(tmp_path, f"{OP}-aaaaaaa-000000{i}", age_s=i * HOUR, finished_s=i * HOUR) for i in range(3)]
    assert prune_invocation_targets(tmp_path, OP, keep=0, now=NOW).removed == []
    assert all(p.is_dir() for p in folders)
    assert prune_invocation_targets(tmp_path / "absent", OP, keep=1, now=NOW).removed == []


def test_the_asset_helper_logs_what_it_removed_and_what_it_could_not(tmp_path, monkeypatch):
    for i in range(4):
        _folder(tmp_path, f"{OP}-aaaaaaa-000000{i}", age_s=(i + 1) * HOUR, finished_s=(i + 1) * HOUR)
    logged: list[tuple[str, str]] = []
    log = SimpleNamespace(info=lambda m: logged.append(("info", m)), warning=lambda m: logged.append(("warning", m)))
    context = SimpleNamespace(op_execution_context=SimpleNamespace(op=SimpleNamespace(name=OP)), log=log)
    own = tmp_path / f"{OP}-aaaaaaa-0000000"
    stuck = tmp_path / f"{OP}-aaaaaaa-0000003"
    real_rmtree = shutil.rmtree

    def rmtree(path, *args, **kwargs):
        if Path(path) == stuck:
            raise PermissionError("read-only file system")
        return real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(shutil, "rmtree", rmtree)
    _prune_targets(context, own, keep=1)

    assert sorted(p.name for p in tmp_path.iterdir()) == [own.name, stuck.name]
    assert logged == [
        ("info", "removed 2 dbt target folder(s) of older builds (dbt_targets_kept=1)"),
        ("warning", f"older dbt target folder {stuck} not removed: PermissionError('read-only file system')"),
    ]

    # The prune itself failing (the target folder unreadable): one warning, never an error of the build.
    logged.clear()

    def refuse(*_args, **_kwargs):
        raise PermissionError("permission denied")

    monkeypatch.setattr(dbt_asset, "prune_invocation_targets", refuse)
    _prune_targets(context, own, keep=1)
    assert logged == [
        ("warning", f"older dbt target folders under {tmp_path} not pruned: PermissionError('permission denied')")
    ]


@pytest.fixture
def no_config_file(tmp_path, monkeypatch):
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    monkeypatch.chdir(tmp_path)  # no salesops.toml of the checkout's
    monkeypatch.delenv("SALESOPS_DBT_TARGETS_KEPT", raising=False)


def test_the_setting_is_a_whole_number_from_flag_environment_or_default(no_config_file, monkeypatch):
    assert load_settings().dbt_targets_kept == DEFAULT_DBT_TARGETS_KEPT == 20
    monkeypatch.setenv("SALESOPS_DBT_TARGETS_KEPT", "5")
    assert load_settings().dbt_targets_kept == 5
    assert load_settings({"dbt_targets_kept": "0"}).dbt_targets_kept == 0
    for bad in ("-1", "two", "2.5", "²"):
        monkeypatch.setenv("SALESOPS_DBT_TARGETS_KEPT", bad)
        with pytest.raises(SettingsError, match="dbt_targets_kept"):
            load_settings()
