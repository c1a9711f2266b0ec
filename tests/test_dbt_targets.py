"""Past dbt builds' target folders are pruned to the newest few (orchestration/dbt_targets.py); the setting
dbt_targets_kept says how many."""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from orchestration.assets import dbt as dbt_asset
from orchestration.assets.dbt import _prune_targets
from orchestration.dbt_targets import prune_invocation_targets
from orchestration.settings import DEFAULT_DBT_TARGETS_KEPT, SettingsError, load_settings

OP = "salesops_dbt_assets"
NOW = time.time()
HOUR = 3600


def _folder(root: Path, name: str, age_s: float, finished: bool = True) -> Path:
    folder = root / name
    (folder / "compiled").mkdir(parents=True)
    (folder / "compiled" / "model.sql").write_text("select 1")
    if finished:
        (folder / "run_results.json").write_text("{}")
    os.utime(folder, (NOW - age_s, NOW - age_s))
    return folder


def test_older_finished_builds_beyond_the_newest_are_removed_and_nothing_else(tmp_path):
    newest = _folder(tmp_path, f"{OP}-aaaaaaa-0000001", age_s=1 * HOUR)
    second = _folder(tmp_path, f"{OP}-bbbbbbb-0000002", age_s=2 * HOUR)
    old_finished = [_folder(tmp_path, f"{OP}-ccccccc-000000{i}", age_s=(3 + i) * HOUR) for i in range(3)]
    # Beyond the newest two but without run_results.json: a build still running on another warehouse.
    running = _folder(tmp_path, f"{OP}-ddddddd-0000009", age_s=5 * HOUR, finished=False)
    # The same, two days old: a build that died without results.
    abandoned = _folder(tmp_path, f"{OP}-eeeeeee-000000a", age_s=48 * HOUR, finished=False)
    # Not an invocation folder of this op: the parse cache, another op's build, a name that only starts alike.
    others = [
        _folder(tmp_path, "partial_parse", age_s=99 * HOUR),
        _folder(tmp_path, "other_op-fffffff-000000b", age_s=99 * HOUR),
        _folder(tmp_path, f"{OP}-keep-me", age_s=99 * HOUR),
    ]
    (tmp_path / "manifest.json").write_text("{}")

    removed = prune_invocation_targets(tmp_path, OP, keep=2, now=NOW)

    assert sorted(removed) == sorted([*old_finished, abandoned])
    assert all(not p.exists() for p in removed)
    assert all(p.is_dir() for p in [newest, second, running, *others])
    assert (tmp_path / "manifest.json").is_file()


def test_keep_zero_removes_nothing_and_a_missing_target_folder_is_no_error(tmp_path):
    folders = [_folder(tmp_path, f"{OP}-aaaaaaa-000000{i}", age_s=i * HOUR) for i in range(3)]
    assert prune_invocation_targets(tmp_path, OP, keep=0, now=NOW) == []
    assert all(p.is_dir() for p in folders)
    assert prune_invocation_targets(tmp_path / "absent", OP, keep=1, now=NOW) == []


def test_the_asset_helper_logs_what_it_removed_and_never_fails_the_build(tmp_path, monkeypatch):
    for i in range(3):
        _folder(tmp_path, f"{OP}-aaaaaaa-000000{i}", age_s=(i + 1) * HOUR)
    logged: list[tuple[str, str]] = []
    log = SimpleNamespace(info=lambda m: logged.append(("info", m)), warning=lambda m: logged.append(("warning", m)))
    context = SimpleNamespace(op_execution_context=SimpleNamespace(op=SimpleNamespace(name=OP)), log=log)

    _prune_targets(context, tmp_path, keep=1)
    assert [p.name for p in tmp_path.iterdir()] == [f"{OP}-aaaaaaa-0000000"]
    assert logged == [("info", "removed 2 dbt target folder(s) of older builds (dbt_targets_kept=1)")]

    # A folder that cannot be removed or listed: a warning, never an error of the build.
    logged.clear()

    def refuse(*_args, **_kwargs):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(dbt_asset, "prune_invocation_targets", refuse)
    _prune_targets(context, tmp_path, keep=1)
    assert logged == [
        ("warning", f"older dbt target folders under {tmp_path} not pruned: PermissionError('read-only file system')")
    ]


def test_the_setting_is_a_whole_number_from_flag_environment_or_default(monkeypatch):
    monkeypatch.delenv("SALESOPS_DBT_TARGETS_KEPT", raising=False)
    assert load_settings().dbt_targets_kept == DEFAULT_DBT_TARGETS_KEPT == 20
    monkeypatch.setenv("SALESOPS_DBT_TARGETS_KEPT", "5")
    assert load_settings().dbt_targets_kept == 5
    assert load_settings({"dbt_targets_kept": "0"}).dbt_targets_kept == 0
    for bad in ("-1", "two", "2.5"):
        monkeypatch.setenv("SALESOPS_DBT_TARGETS_KEPT", bad)
        with pytest.raises(SettingsError, match="dbt_targets_kept"):
            load_settings()
