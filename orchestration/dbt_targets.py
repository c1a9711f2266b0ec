"""The target folders of past dbt builds, pruned to the newest few.

Each dbt build of a Dagster run writes a target folder of its own (orchestration/assets/dbt.py: compiled SQL,
run results, the manifest, dbt's log; ~22 MB at demo size), and nothing removed them: a daily schedule
filled the disk by ~8 GB a year at demo size, far more on real volumes. The newest ``keep`` are kept for a
look at a recent build's SQL or log. An older folder goes only when nothing may still use it: its build
finished (dbt wrote run_results.json) more than ``SETTLED_S`` ago, so the step that ran it has filed its
test results and saved its parse state, or nothing has written to it (dbt's log included) for a day.
The caller's own folder is never removed.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

# orchestration/assets/dbt.py names them <op name>-<the run id's first 7 hex digits>-<7 random hex digits>.
_INVOCATION_SUFFIX = r"-[0-9a-f]{7}-[0-9a-f]{7}"
RUN_RESULTS = "run_results.json"
DBT_LOG = "dbt.log"
# After dbt's last write the step still reads its folder (the invocation id, the parse state): seconds.
SETTLED_S = 600
UNFINISHED_MAX_AGE_S = 24 * 3600


@dataclass
class PruneResult:
    removed: list[Path] = field(default_factory=list)
    failed: dict[Path, OSError] = field(default_factory=dict)  # folder -> why it could not be removed


def _mtime(path: Path) -> float | None:
    """When ``path`` was last written; None once it is gone (another build's prune removed it)."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return None


def invocation_folders(target_root: Path, op_name: str) -> list[Path]:
    """The invocation target folders of ``op_name`` under ``target_root``, newest first (one that cannot be
    read is left out: it cannot be judged)."""
    pattern = re.compile(re.escape(op_name) + _INVOCATION_SUFFIX)
    if not target_root.is_dir():
        return []
    dated = []
    for path in target_root.iterdir():
        if not pattern.fullmatch(path.name):
            continue
        try:
            if path.is_dir() and (mtime := _mtime(path)) is not None:
                dated.append((mtime, path))
        except OSError:
            continue
    return [path for _, path in sorted(dated, reverse=True)]


def _removable(folder: Path, now: float) -> bool:
    finished = _mtime(folder / RUN_RESULTS)
    if finished is not None:
        return now - finished > SETTLED_S
    # dbt appends to its log while it runs; the folder's own time is that of its first files.
    last_write = max((t for t in (_mtime(folder), _mtime(folder / DBT_LOG)) if t is not None), default=None)
    return last_write is not None and now - last_write > UNFINISHED_MAX_AGE_S


def _skip_vanished(function: object, path: str, exc_info: tuple) -> None:
    """Another build's prune removing the same folder: what it removed first is not an error here."""
    if not issubclass(exc_info[0], FileNotFoundError):
        raise exc_info[1]


def prune_invocation_targets(
    target_root: Path, op_name: str, keep: int, current: Path | None = None, now: float | None = None
) -> PruneResult:
    """Remove the invocation folders of ``op_name`` beyond the newest ``keep`` (0 keeps every one) that no
    build may still use; never ``current``, the caller's own."""
    result = PruneResult()
    if keep <= 0:
        return result
    now = time.time() if now is None else now
    for folder in invocation_folders(target_root, op_name)[keep:]:
        try:
            if current is not None and folder == current or not _removable(folder, now):
                continue
            shutil.rmtree(folder, onerror=_skip_vanished)
        except OSError as exc:
            result.failed[folder] = exc
            continue
        result.removed.append(folder)
    return result
