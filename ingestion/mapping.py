"""Source mappings: a YAML file per kind of export that turns it into a contract file, without code.

A mapping names its ``target`` contract file, the landing ``files`` it applies to, how to ``read``
them and, per contract column, where the value comes from (``from`` a source header, a constant
``value`` or an ``expr``) and how to convert it (value maps, date formats, number formats, null
tokens). docs/mapping.md is the user's reference; this module is the only place that reads mappings.

Conversions are vectorised polars expressions; derived columns use polars' SQL expression parser
(``pl.sql_expr``), so a mapping can compute but never run Python. A value that does not convert
does not reject the file: that row is returned as a row problem (the loader quarantines it) naming
the source column and value, and the contract column keeps the source text so raw shows what came.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from ingestion.contract import CONTRACT_BY_NAME, ColumnType, ContractFile
from ingestion.mapping_values import (
    EXCEL_SERIAL,
    ISO,
    blank_to_null,
    format_datetime,
    map_values,
    parse_datetime,
    parse_number,
    spreadsheet_id,
)
from ingestion.readers import ROW_PROBLEM_SCHEMA, LandingFileError, ReadOptions, ReadResult

log = logging.getLogger(__name__)

MAPPINGS_FOLDER = "_mappings"  # <landing>/_mappings/*.yaml
SOURCE_ROW_COLUMN = "_source_row"
DROP_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # <landing>/<source>/<YYYY-MM-DD>/ dated drops

_TOP_KEYS = {"target", "files", "read", "columns", "null_tokens", "description"}
_COLUMN_KEYS = {
    "from",
    "value",
    "expr",
    "values",
    "unmapped",
    "default",
    "ignore_case",
    "date_formats",
    "decimal",
    "thousands",
    "percent",
    "null_tokens",
    "id",
}
_UNMAPPED = ("reject", "keep", "null", "default")
_NUMERIC = (ColumnType.INTEGER, ColumnType.DECIMAL)
_DATES = (ColumnType.DATE, ColumnType.TIMESTAMP)


class MappingError(LandingFileError):
    """A mapping file that cannot be used as written; the message names the mapping file and key."""


@dataclass(frozen=True)
class ColumnMapping:
    column: str  # the contract column it fills
    source: str | None = None  # ``from``: a source header
    value: str | None = None  # a constant
    expr: str | None = None  # a SQL expression over source headers
    values: dict[str, str] | None = None
    unmapped: str = "reject"
    default: str | None = None
    ignore_case: bool = False
    date_formats: tuple[str, ...] | None = None
    decimal: str = "."
    thousands: str | None = None  # None: "," when decimal is ".", else "."
    percent: bool = False
    null_tokens: tuple[str, ...] = ()
    is_id: bool = False

    @property
    def origin(self) -> str:
        """How a problem names where the value came from."""
        if self.source is not None:
            return f'source column "{self.source}"'
        if self.expr is not None:
            return f"expression {self.expr.strip()}"
        return "constant"


@dataclass(frozen=True)
class SourceMapping:
    path: Path
    target: str
    files: tuple[str, ...]
    read_options: ReadOptions
    columns: tuple[ColumnMapping, ...]
    description: str = ""

    @property
    def contract_file(self) -> ContractFile:
        return CONTRACT_BY_NAME[self.target]

    def column(self, name: str) -> ColumnMapping | None:
        return next((c for c in self.columns if c.column == name), None)


@dataclass
class MappedFrame:
    """The result of applying a mapping: the contract-shaped frame and what did not convert."""

    frame: pl.DataFrame
    row_problems: pl.DataFrame
    missing_sources: list[str] = field(default_factory=list)  # optional columns whose header is absent
    extra_columns: list[str] = field(default_factory=list)  # source columns kept as they are


# ------------------------------------------------------------------------------------------ reading


class _TextLoader(yaml.SafeLoader):
    """YAML where every plain scalar stays text except true/false.

    Value maps must see keys exactly as typed: plain YAML turns ``01`` into 1, ``NULL`` into None and
    ``2024-01-31`` into a date, and a stage code or a null token would silently stop matching.
    """


_TextLoader.yaml_implicit_resolvers = {}
_TextLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _fail(path: Path, key: str, message: str) -> MappingError:
    return MappingError(f"mapping {path}: {key}: {message}")


def _text(path: Path, key: str, raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, str):
        return raw
    raise _fail(path, key, f"expected a text value, got {type(raw).__name__}")


def _text_list(path: Path, key: str, raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    return tuple(_text(path, key, item) for item in items)


def _flag(path: Path, key: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    raise _fail(path, key, f"expected true or false, got {raw!r}")


def _read_options(path: Path, raw: Any) -> ReadOptions:
    if raw is None:
        return ReadOptions()
    if not isinstance(raw, dict):
        raise _fail(path, "read", "expected a mapping of read options")
    known = {f.name: f for f in dataclasses.fields(ReadOptions)}
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise _fail(path, f"read.{key}", f"unknown read option (known: {', '.join(known)})")
        if key in ("header",):
            kwargs[key] = _flag(path, f"read.{key}", value)
        elif key == "skip_rows":
            if not str(value).isdigit():
                raise _fail(path, "read.skip_rows", f"expected a whole number, got {value!r}")
            kwargs[key] = int(value)
        elif key == "columns":
            kwargs[key] = _text_list(path, "read.columns", value)
        elif key == "sheet":
            kwargs[key] = int(value) if str(value).isdigit() else _text(path, "read.sheet", value)
        elif key == "delimiter":
            text = _text(path, "read.delimiter", value)
            kwargs[key] = {"tab": "\t", "\\t": "\t", "pipe": "|", "semicolon": ";", "comma": ","}.get(text, text)
        else:
            kwargs[key] = _text(path, f"read.{key}", value)
    return ReadOptions(**kwargs)


def _column_mapping(path: Path, cf: ContractFile, name: str, raw: Any, null_tokens: tuple[str, ...]) -> ColumnMapping:
    key = f"columns.{name}"
    if name not in cf.column_names:
        raise _fail(path, key, f"{cf.name} has no column {name!r} (its columns: {', '.join(cf.column_names)})")
    if isinstance(raw, str):
        raw = {"from": raw}
    if not isinstance(raw, dict):
        raise _fail(path, key, "expected a source header or a mapping with from / value / expr")
    unknown = set(raw) - _COLUMN_KEYS
    if unknown:
        raise _fail(path, f"{key}.{sorted(unknown)[0]}", f"unknown option (known: {', '.join(sorted(_COLUMN_KEYS))})")
    origins = [k for k in ("from", "value", "expr") if k in raw]
    if len(origins) != 1:
        raise _fail(path, key, "needs exactly one of from, value, expr")
    ctype = cf.column(name).type
    spec: dict[str, Any] = {"column": name, "null_tokens": null_tokens}
    if "from" in raw:
        spec["source"] = _text(path, f"{key}.from", raw["from"]).strip()
    if "value" in raw:
        spec["value"] = _text(path, f"{key}.value", raw["value"])
    if "expr" in raw:
        spec["expr"] = _text(path, f"{key}.expr", raw["expr"])
        try:
            pl.sql_expr(spec["expr"])
        except Exception as exc:  # polars raises several error types for a bad expression
            raise _fail(path, f"{key}.expr", f"not a valid expression ({exc})") from exc
    if "null_tokens" in raw:
        spec["null_tokens"] = _text_list(path, f"{key}.null_tokens", raw["null_tokens"])
    if "values" in raw:
        if not isinstance(raw["values"], dict) or not raw["values"]:
            raise _fail(path, f"{key}.values", "expected a non-empty map of source value: contract value")
        spec["values"] = {
            _text(path, f"{key}.values", k): _text(path, f"{key}.values.{k}", v) for k, v in raw["values"].items()
        }
    if "default" in raw:
        spec["default"] = _text(path, f"{key}.default", raw["default"])
        spec["unmapped"] = "default"
    if "unmapped" in raw:
        unmapped = _text(path, f"{key}.unmapped", raw["unmapped"])
        if unmapped not in _UNMAPPED or (unmapped == "default") != ("default" in raw):
            raise _fail(path, f"{key}.unmapped", f"expected reject, keep or null (or give default), got {unmapped!r}")
        spec["unmapped"] = unmapped
    if ("default" in raw or "unmapped" in raw or "ignore_case" in raw) and "values" not in raw:
        raise _fail(path, key, "default / unmapped / ignore_case only apply together with values")
    if "ignore_case" in raw:
        spec["ignore_case"] = _flag(path, f"{key}.ignore_case", raw["ignore_case"])
    if "id" in raw:
        spec["is_id"] = _flag(path, f"{key}.id", raw["id"])
    if "date_formats" in raw:
        if ctype not in _DATES:
            raise _fail(path, f"{key}.date_formats", f"{name} is a {ctype} column, not a date or timestamp")
        formats = _text_list(path, f"{key}.date_formats", raw["date_formats"])
        for fmt in formats:
            if fmt not in (ISO, EXCEL_SERIAL) and "%" not in fmt:
                raise _fail(path, f"{key}.date_formats", f"{fmt!r} is not iso, excel_serial or a %-format")
        spec["date_formats"] = formats
    number_keys = [k for k in ("decimal", "thousands", "percent") if k in raw]
    if number_keys and ctype not in _NUMERIC:
        raise _fail(path, f"{key}.{number_keys[0]}", f"{name} is a {ctype} column, not a number")
    if "decimal" in raw:
        spec["decimal"] = _text(path, f"{key}.decimal", raw["decimal"])
        if spec["decimal"] not in (".", ","):
            raise _fail(path, f"{key}.decimal", 'expected "." or ","')
    if "thousands" in raw:
        spec["thousands"] = _text(path, f"{key}.thousands", raw["thousands"])
    if "percent" in raw:
        spec["percent"] = _flag(path, f"{key}.percent", raw["percent"])
    if spec.get("is_id") and (number_keys or "date_formats" in raw):
        raise _fail(path, key, "an id column is kept as text: drop the date / number options")
    return ColumnMapping(**spec)


def load_mapping(path: Path) -> SourceMapping:
    """Parse and check one mapping file. Raises ``MappingError`` naming the file and the key."""
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_TextLoader)  # noqa: S506 - safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MappingError(f"mapping {path}: cannot be read ({exc})") from exc
    if not isinstance(raw, dict):
        raise MappingError(f"mapping {path}: expected keys target, files, columns")
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise _fail(path, sorted(unknown)[0], f"unknown key (known: {', '.join(sorted(_TOP_KEYS))})")
    for required in ("target", "files", "columns"):
        if required not in raw:
            raise _fail(path, required, "missing")
    target = _text(path, "target", raw["target"])
    if target not in CONTRACT_BY_NAME:
        raise _fail(path, "target", f"{target!r} is not a contract file (known: {', '.join(CONTRACT_BY_NAME)})")
    cf = CONTRACT_BY_NAME[target]
    files = _text_list(path, "files", raw["files"])
    if not files:
        raise _fail(path, "files", "give at least one file pattern")
    if not isinstance(raw["columns"], dict) or not raw["columns"]:
        raise _fail(path, "columns", "expected a map of contract column: source")
    null_tokens = _text_list(path, "null_tokens", raw.get("null_tokens"))
    columns = tuple(_column_mapping(path, cf, str(n), spec, null_tokens) for n, spec in raw["columns"].items())
    return SourceMapping(
        path=path,
        target=target,
        files=files,
        read_options=_read_options(path, raw.get("read")),
        columns=columns,
        description=str(raw.get("description") or ""),
    )


def load_mappings(mappings_dir: Path) -> list[SourceMapping]:
    """Every ``*.yaml`` / ``*.yml`` mapping in ``mappings_dir`` (none when the folder is absent)."""
    folder = Path(mappings_dir)
    if not folder.is_dir():
        return []
    paths = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".yaml", ".yml"))
    return [load_mapping(p) for p in paths]


# ---------------------------------------------------------------------------------------- matching


def _pattern_matches(landing_root: Path, pattern: str) -> Iterable[Path]:
    pattern = pattern.strip().lstrip("/")
    yield from landing_root.glob(pattern)
    # A pattern for <source>/<file> also takes the dated drops <source>/<YYYY-MM-DD>/<file>.
    folder, _, name = pattern.rpartition("/")
    prefix = f"{folder}/" if folder else ""
    for candidate in landing_root.glob(f"{prefix}*/{name}"):
        if DROP_FOLDER.match(candidate.parent.name):
            yield candidate


def mapped_files(landing_root: Path, mappings: Iterable[SourceMapping]) -> dict[Path, SourceMapping]:
    """Every landing file a mapping claims. A file claimed by two mappings is an error."""
    landing_root = Path(landing_root)
    claimed: dict[Path, SourceMapping] = {}
    for mapping in mappings:
        for pattern in mapping.files:
            for path in _pattern_matches(landing_root, pattern):
                rel = path.relative_to(landing_root).as_posix()
                if not path.is_file() or rel.split("/")[0] == MAPPINGS_FOLDER:
                    continue
                other = claimed.get(path)
                if other is not None and other.path != mapping.path:
                    raise MappingError(f"{rel} is matched by two mappings: {other.path} and {mapping.path}")
                claimed[path] = mapping
    return claimed


def drop_date_of(path: Path) -> date | None:
    """The business day of a file in a dated drop folder ``<...>/<YYYY-MM-DD>/<file>``."""
    return date.fromisoformat(path.parent.name) if DROP_FOLDER.match(path.parent.name) else None


def file_matches(mapping: SourceMapping, landing_root: Path, path: Path) -> bool:
    """Whether the load would take ``path`` (a file below ``landing_root``) through ``mapping``: the same
    matching as ``mapped_files``."""
    target = Path(path).resolve()
    return any(
        candidate.resolve() == target
        for pattern in mapping.files
        for candidate in _pattern_matches(Path(landing_root), pattern)
    )


# ---------------------------------------------------------------------------------------- applying


def _source_expr(spec: ColumnMapping, mapping: SourceMapping, headers: list[str]) -> pl.Expr:
    if spec.value is not None:
        return pl.lit(spec.value, dtype=pl.String)
    if spec.source is not None:
        return pl.col(spec.source)
    assert spec.expr is not None
    expr = pl.sql_expr(spec.expr)
    missing = [n for n in expr.meta.root_names() if n not in headers]
    if missing:
        raise _fail(
            mapping.path,
            f"columns.{spec.column}.expr",
            f'header "{missing[0]}" not found in the file (headers: {", ".join(headers)})',
        )
    return expr.cast(pl.String)


def _thousands(spec: ColumnMapping) -> str:
    return spec.thousands if spec.thousands is not None else ("," if spec.decimal == "." else ".")


def _conversion(spec: ColumnMapping, ctype: ColumnType, value: pl.Expr) -> tuple[pl.Expr, str | None]:
    """(the contract text of ``value``, the reason to report when it comes out null, or None)."""
    if spec.is_id:
        return spreadsheet_id(value), None
    if spec.date_formats and ctype in _DATES:
        parsed = parse_datetime(value, spec.date_formats)
        return format_datetime(parsed, ctype == ColumnType.TIMESTAMP), "date_format_mismatch"
    if ctype in _NUMERIC and spec.value is None:
        return parse_number(value, spec.decimal, _thousands(spec), spec.percent), "number_format_mismatch"
    return value, None


def _problem_detail(spec: ColumnMapping, ctype: ColumnType, reason: str) -> str:
    if reason == "value_not_in_map":
        keys = list(spec.values or {})
        shown = ", ".join(keys[:12]) + (", ..." if len(keys) > 12 else "")
        return f"is not in the value map ({shown})"
    if reason == "date_format_mismatch":
        return f"matches none of the date formats {', '.join(spec.date_formats or ())}"
    return f'is not a number (decimal "{spec.decimal}", thousands "{_thousands(spec)}")'


def _problems(
    df: pl.DataFrame, spec: ColumnMapping, ctype: ColumnType, mask_col: str, raw_col: str, reason: str
) -> pl.DataFrame:
    detail = _problem_detail(spec, ctype, reason)
    return df.filter(pl.col(mask_col)).select(
        pl.col("__row").cast(pl.Int64).alias("_row_number"),
        pl.lit(spec.column).alias("column_name"),
        pl.lit(reason).alias("reason"),
        pl.concat_str([pl.lit(f'{spec.origin}: "'), pl.col(raw_col).fill_null(""), pl.lit(f'" {detail}')]).alias(
            "detail"
        ),
        pl.col(raw_col).alias("bad_value"),
    )


def apply_mapping(mapping: SourceMapping, frame: pl.DataFrame, name: str | None = None) -> MappedFrame:
    """The contract-shaped frame for ``frame`` (a source file read as text), with ``_source_row``.

    Raises ``MappingError`` when the mapping does not fit the file (a required column's header is
    absent, an expression names an unknown header or cannot be evaluated).
    """
    cf = mapping.contract_file
    headers = list(frame.columns)
    name = name or mapping.path.name
    missing_sources: list[str] = []
    used: set[str] = set()
    # Four passes, each materialised, so no step is computed twice: the source text, the text after null
    # tokens and value maps, the conversion, then the final value and the problem masks.
    sources: list[pl.Expr] = []
    cleaned: list[pl.Expr] = []
    converted: list[pl.Expr] = []
    final: list[pl.Expr] = []
    checks: list[tuple[ColumnMapping, ColumnType, str, str, str]] = []
    for spec in mapping.columns:
        column = cf.column(spec.column)
        if spec.source is not None and spec.source not in headers:
            if column.required:
                raise _fail(
                    mapping.path,
                    f"columns.{spec.column}.from",
                    f'header "{spec.source}" not found in {name} (headers: {", ".join(headers)}); '
                    f"{spec.column} is required",
                )
            missing_sources.append(spec.column)
            continue
        source = _source_expr(spec, mapping, headers)
        if spec.source is not None:
            used.add(spec.source)
        elif spec.expr is not None:
            used.update(pl.sql_expr(spec.expr).meta.root_names())
        raw, value, conv = f"__raw_{spec.column}", f"__in_{spec.column}", f"__conv_{spec.column}"
        unmapped, failed = f"__unmapped_{spec.column}", f"__failed_{spec.column}"
        sources.append(source.alias(raw))
        text = blank_to_null(pl.col(raw), spec.null_tokens)
        map_problem: pl.Expr = pl.lit(False)
        if spec.values is not None:
            text, map_problem = map_values(text, spec.values, spec.unmapped, spec.default, spec.ignore_case)
            checks.append((spec, column.type, unmapped, raw, "value_not_in_map"))
        cleaned += [text.alias(value), map_problem.alias(unmapped)]
        result, reason = _conversion(spec, column.type, pl.col(value))
        converted.append(result.alias(conv))
        not_converted = pl.col(value).is_not_null() & pl.col(conv).is_null() if reason else pl.lit(False)
        bad = pl.col(unmapped) | not_converted
        # A value that did not convert keeps its source text, so raw shows what came.
        final += [
            pl.when(bad).then(pl.col(raw).str.strip_chars()).otherwise(pl.col(conv)).alias(spec.column),
            (~pl.col(unmapped) & not_converted).alias(failed),
        ]
        if reason:
            checks.append((spec, column.type, failed, raw, reason))

    mapped_names = {spec.column for spec in mapping.columns if spec.column not in missing_sources}
    passthrough = [h for h in headers if h in cf.column_names and h not in mapped_names and h not in used]
    required_absent = [c for c in cf.required_columns if c not in mapped_names and c not in passthrough]
    if required_absent:
        raise _fail(
            mapping.path,
            "columns",
            f"required column(s) of {cf.name} not mapped: {', '.join(required_absent)} "
            f"(and no header of that name in {name})",
        )
    taken = set(mapped_names) | set(passthrough) | {SOURCE_ROW_COLUMN}
    extras = {h: (h if h not in taken and not h.startswith("_") else f"{h} (source)") for h in headers}
    extras = {h: alias for h, alias in extras.items() if h not in used and h not in passthrough}
    kept = [
        *(pl.col(h) for h in passthrough),
        *(pl.col(h).alias(alias) for h, alias in extras.items()),
        pl.struct(pl.col(h) for h in headers).struct.json_encode().alias(SOURCE_ROW_COLUMN),
    ]

    try:
        # One contiguous chunk: a frame of many small chunks makes every column operation pay per chunk.
        work = frame.rechunk().select(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("__row"), *sources, *kept)
        work = work.with_columns(cleaned).with_columns(converted).with_columns(final)
    except pl.exceptions.PolarsError as exc:
        raise MappingError(f"mapping {mapping.path}: cannot be applied to {name} ({exc})") from exc

    problems = [_problems(work, *check) for check in checks]
    row_problems = (
        pl.concat(problems, how="vertical").sort("_row_number", "column_name")
        if problems
        else pl.DataFrame(schema=ROW_PROBLEM_SCHEMA)
    )
    keep = [spec.column for spec in mapping.columns if spec.column in mapped_names]
    out = work.select(*keep, *passthrough, *extras.values(), SOURCE_ROW_COLUMN)
    return MappedFrame(
        frame=out,
        row_problems=row_problems.select(list(ROW_PROBLEM_SCHEMA)).cast(ROW_PROBLEM_SCHEMA),
        missing_sources=missing_sources,
        extra_columns=list(extras.values()),
    )


def apply_mapping_to_read(mapping: SourceMapping, read: ReadResult, name: str) -> ReadResult:
    """``read`` (the file as text) turned into the contract file, reader and mapping problems merged."""
    if read.is_empty_file:
        # Not even a header: "no data from this source", as for a contract file; nothing to map.
        return read
    mapped = apply_mapping(mapping, read.frame, name)
    for column in mapped.missing_sources:
        spec = next(c for c in mapping.columns if c.column == column)
        log.warning(
            "%s: mapping %s: header %r of optional column %s is not in the export; %s is left empty",
            name,
            mapping.path.name,
            spec.source,
            column,
            column,
        )
    problems = mapped.row_problems
    if read.row_problems.height:
        problems = pl.concat([read.row_problems.cast(ROW_PROBLEM_SCHEMA), problems], how="vertical")
        problems = problems.sort("_row_number", "column_name")
    return dataclasses.replace(read, frame=mapped.frame, row_problems=problems)
