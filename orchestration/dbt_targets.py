"""The target folders of past dbt builds, pruned to the newest few.

Each dbt build of a Dagster run writes a target folder of its own (orchestration/assets/dbt.py: compiled SQL,
run results, the manifest, dbt's log; ~22 MB at demo size), and nothing removed them: a daily schedule
filled the disk by ~8 GB a year at demo size, far more on real volumes. The newest ``keep`` are kept for a
look at a recent build's SQL or log; an older folder goes only once its build has finished (dbt wrote its
run_results.json) or it is a day old, so a build still running beside this one keeps its folder.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

# orchestration/assets/dbt.py names them <op name>-<the run id's first 7 hex digits>-<7 random hex digits>.
_INVOCATION_SUFFIX = r"-[0-9a-f]{7}-[0-9a-f]{7}"
RUN_RESULTS = "run_results.json"
UNFINISHED_MAX_AGE_S = 24 * 3600


def invocation_folders(target_root: Path, op_name: str) -> list[Path]:
    """The invocation target folders of ``op_name`` under ``target_root``, newest first."""
    pattern = re.compile(re.escape(op_name) + _INVOCATION_SUFFIX)
    if not target_root.is_dir():
        return []
    folders = [p for p in target_root.iterdir() if p.is_dir() and pattern.fullmatch(p.name)]
    return sorted(folders, key=lambda p: p.stat().st_mtime, reverse=True)


def prune_invocation_targets(target_root: Path, op_name: str, keep: int, now: float | None = None) -> list[Path]:
    """Remove the invocation folders of ``op_name`` beyond the newest ``keep`` (0 keeps every one) whose
    build has finished or is a day old; returns the folders removed."""
    if keep <= 0:
        return []
    now = time.time() if now is None else now
    removed = []
    for folder in invocation_folders(target_root, op_name)[keep:]:
        finished = (folder / RUN_RESULTS).exists()
        if finished or now - folder.stat().st_mtime > UNFINISHED_MAX_AGE_S:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
