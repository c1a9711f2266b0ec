"""Finding landing files and reading them as text, exactly as received."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from ingestion.contract import ContractFile

SUPPORTED_SUFFIXES = (".csv", ".parquet", ".xlsx")
_DROP_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class LandingFileError(ValueError):
    """A landing file that cannot be loaded at all (unreadable, or a required column is missing)."""


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative_path: str  # path below the landing root, with forward slashes: the file's identity
    table: str
    drop_date: date | None  # set for dated drops <landing>/<source>/<YYYY-MM-DD>/<file>

    @property
    def sort_key(self) -> tuple:
        # Undated files count as the oldest version, then drops in business-day order.
        return (self.drop_date or date.min, self.relative_path)


def discover_landing_files(landing_root: Path, contract_file: ContractFile) -> list[LandingFile]:
    """Every file in the landing folder that carries ``contract_file``, oldest first."""
    source_dir = Path(landing_root) / contract_file.source
    found: list[LandingFile] = []
    if not source_dir.is_dir():
        return found
    candidates = [(p, None) for p in source_dir.iterdir() if p.is_file()]
    for sub in source_dir.iterdir():
        if sub.is_dir() and _DROP_FOLDER.match(sub.name):
            drop = date.fromisoformat(sub.name)
            candidates.extend((p, drop) for p in sub.iterdir() if p.is_file())
    for path, drop in candidates:
        if path.stem == contract_file.name and path.suffix.lower() in SUPPORTED_SUFFIXES:
            rel = path.relative_to(landing_root).as_posix()
            found.append(LandingFile(path, rel, contract_file.name, drop))
    return sorted(found, key=lambda f: f.sort_key)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_csv_text(path: Path) -> pl.DataFrame:
    # Every column is read as text: raw keeps values verbatim and the row rules decide what parses.
    try:
        return pl.read_csv(path, infer_schema=False, encoding="utf8")
    except pl.exceptions.ComputeError as exc:
        if "utf-8" not in str(exc).lower() and "utf8" not in str(exc).lower():
            raise
    # Chinese CRM exports are often GB18030: re-decode rather than reject the whole file.
    text = path.read_bytes().decode("gb18030")
    return pl.read_csv(text.encode("utf-8"), infer_schema=False)


def read_landing_file(landing_file: LandingFile) -> pl.DataFrame:
    """The file's rows as strings, with header names stripped of whitespace and BOMs."""
    path = landing_file.path
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            df = _read_csv_text(path)
        elif suffix == ".parquet":
            df = pl.read_parquet(path)
            df = df.with_columns(_as_text(df[c]).alias(c) for c in df.columns)
        elif suffix == ".xlsx":
            df = pl.read_excel(path, infer_schema_length=0)
            df = df.with_columns(_as_text(df[c]).alias(c) for c in df.columns)
        else:  # pragma: no cover - filtered by discover_landing_files
            raise LandingFileError(f"{landing_file.relative_path}: unsupported file type {suffix}")
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise LandingFileError(f"{landing_file.relative_path}: cannot be read ({exc})") from exc
    renamed = {c: c.replace("\ufeff", "").strip() for c in df.columns}
    return df.rename(renamed)


def _as_text(series: pl.Series) -> pl.Series:
    if series.dtype == pl.Date:
        return series.dt.strftime("%Y-%m-%d")
    if isinstance(series.dtype, pl.Datetime):
        return series.dt.strftime("%Y-%m-%d %H:%M:%S")
    if series.dtype == pl.Boolean:
        return series.cast(pl.String).str.to_lowercase()
    return series.cast(pl.String)
