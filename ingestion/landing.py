"""Finding landing files and reading them as text, exactly as received.

A file is either a contract file by name (``<source>/<name>.csv``) or an export claimed by a source
mapping (``<landing>/_mappings/*.yaml``, see ingestion/mapping.py); a claimed file is never also taken
as a plain contract file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ingestion.contract import CONTRACT, ContractFile
from ingestion.mapping import (
    DROP_FOLDER,
    MAPPINGS_FOLDER,
    SourceMapping,
    apply_mapping_to_read,
    drop_date_of,
    load_mappings,
    mapped_files,
)
from ingestion.readers import LandingFileError, ReadResult, read_text_table  # noqa: F401 - callers catch it from here

SUPPORTED_SUFFIXES = (".csv", ".parquet", ".xlsx", ".xls")


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative_path: str  # path below the landing root, with forward slashes: the file's identity
    table: str
    drop_date: date | None  # set for dated drops <landing>/<source>/<YYYY-MM-DD>/<file>
    mapping: SourceMapping | None = field(default=None, compare=False)  # set for exports a mapping claims

    @property
    def sort_key(self) -> tuple:
        # Undated files count as the oldest version, then drops in business-day order.
        return (self.drop_date or date.min, self.relative_path)


def discover_landing_files(
    landing_root: Path, contract_file: ContractFile, mappings_dir: Path | None = None
) -> list[LandingFile]:
    """Every file in the landing folder that carries ``contract_file``, oldest first: the contract
    files by name, and the exports a mapping in ``mappings_dir`` (default ``<landing>/_mappings``)
    turns into ``contract_file``. Raises ``MappingError`` for a mapping file that is itself invalid."""
    landing_root = Path(landing_root)
    claimed = mapped_files(landing_root, load_mappings(mappings_dir or landing_root / MAPPINGS_FOLDER))
    found = [
        LandingFile(path, path.relative_to(landing_root).as_posix(), contract_file.name, drop_date_of(path), mapping)
        for path, mapping in claimed.items()
        if mapping.target == contract_file.name
    ]
    source_dir = landing_root / contract_file.source
    if not source_dir.is_dir():
        return sorted(found, key=lambda f: f.sort_key)
    candidates = [(p, None) for p in source_dir.iterdir() if p.is_file()]
    for sub in source_dir.iterdir():
        if sub.is_dir() and DROP_FOLDER.match(sub.name):
            drop = date.fromisoformat(sub.name)
            candidates.extend((p, drop) for p in sub.iterdir() if p.is_file())
    for path, drop in candidates:
        if path in claimed:
            continue
        if path.stem == contract_file.name and path.suffix.lower() in SUPPORTED_SUFFIXES:
            rel = path.relative_to(landing_root).as_posix()
            found.append(LandingFile(path, rel, contract_file.name, drop))
    return sorted(found, key=lambda f: f.sort_key)


@dataclass(frozen=True)
class UnusedLandingInput:
    """What in a landing folder nothing will load: files no contract name or mapping claims (a misspelt
    name, an export whose mapping is missing) and mappings whose ``files`` match nothing."""

    files: tuple[str, ...]
    mappings: tuple[str, ...]

    def messages(self) -> list[str]:
        found = [
            f"{rel}: not loaded: no contract file is named so and no mapping claims it (see docs/mapping.md)"
            for rel in self.files
        ]
        found += [f"mapping {name}: its files patterns match no file in the landing folder" for name in self.mappings]
        return found


def unused_landing_input(landing_root: Path, mappings_dir: Path | None = None) -> UnusedLandingInput:
    """Files below ``landing_root`` that no contract file picks up, and mappings that claim nothing. Names
    starting with ``_`` or ``.`` (``_mappings/``, the generator's ``_generation.json``) are the folder's own."""
    landing_root = Path(landing_root)
    if not landing_root.is_dir():
        return UnusedLandingInput((), ())
    mappings = load_mappings(mappings_dir or landing_root / MAPPINGS_FOLDER)
    loaded = {lf.path for cf in CONTRACT for lf in discover_landing_files(landing_root, cf, mappings_dir)}
    files = []
    for path in sorted(landing_root.rglob("*")):
        rel = path.relative_to(landing_root).as_posix()
        if path.is_file() and path not in loaded and not any(p.startswith(("_", ".")) for p in rel.split("/")):
            files.append(rel)
    used = {m.path for m in mapped_files(landing_root, mappings).values()}
    idle = sorted(m.path.name for m in mappings if m.path not in used)
    return UnusedLandingInput(tuple(files), tuple(idle))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def landing_file_version(landing_file: LandingFile) -> str:
    """The identity of what a load of ``landing_file`` produces: the file's bytes and, for an export a
    mapping claims, the mapping's bytes too, so a corrected mapping reloads the export it maps."""
    data = file_sha256(landing_file.path)
    if landing_file.mapping is None:
        return data
    both = f"{data}:{file_sha256(landing_file.mapping.path)}"
    return hashlib.sha256(both.encode()).hexdigest()


def read_landing_file(landing_file: LandingFile) -> ReadResult:
    """The file's rows as strings (header names stripped of whitespace and BOMs), plus the problems
    of single rows the reader found (ragged or broken rows), which the loader quarantines.

    A mapped export is read with its mapping's read options and comes back contract-shaped, with
    ``_source_row`` holding each source row verbatim and the values that did not convert as row problems."""
    if landing_file.mapping is None:
        return read_text_table(landing_file.path, name=landing_file.relative_path)
    read = read_text_table(landing_file.path, landing_file.mapping.read_options, name=landing_file.relative_path)
    return apply_mapping_to_read(landing_file.mapping, read, landing_file.relative_path)
