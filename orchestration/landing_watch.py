"""What the landing sensor compares between ticks: a fingerprint of every contract file present."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ingestion.contract import CONTRACT
from ingestion.landing import discover_landing_files


def landing_fingerprint(landing_root: Path, mappings_dir: Path | None = None) -> dict[str, str]:
    """relative path -> "size:mtime_ns" for every landing file the loader would pick up."""
    found: dict[str, str] = {}
    for cf in CONTRACT:
        for lf in discover_landing_files(landing_root, cf, mappings_dir):
            stat = lf.path.stat()
            found[lf.relative_path] = f"{stat.st_size}:{stat.st_mtime_ns}"
            if lf.mapping is not None:
                # A corrected mapping reloads the export it maps (ingestion.landing.landing_file_version).
                mapping = lf.mapping.path.stat()
                found[lf.relative_path] += f":{mapping.st_size}:{mapping.st_mtime_ns}"
    return found


def changed_files(previous: dict[str, str], current: dict[str, str]) -> list[str]:
    """Files that are new or changed since the previous fingerprint (deletions start nothing)."""
    return sorted(path for path, stamp in current.items() if previous.get(path) != stamp)


def fingerprint_digest(fingerprint: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()[:16]
