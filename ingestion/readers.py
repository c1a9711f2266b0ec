"""Reading a landing file as a table of text, whatever its encoding, delimiter or spreadsheet format.

Every value is returned as a string, exactly as received (raw keeps values verbatim; the row rules and
source mappings decide what parses). Problems that belong to one row (a ragged row, an unterminated
quote, a NUL byte) do not reject the file: the row stays in the frame at its position and is returned
as a row problem, so the loader quarantines it with a reason that names file, row and column.

Delimited text takes one of two paths. The fast path hands the bytes to polars' native CSV reader and
then proves, with a few whole-buffer byte counts, that polars saw every row with the full number of
fields (polars pads short rows with nulls without saying so). Only when that proof fails, or a cheap
scan finds something polars would mishandle (NUL bytes, a byte-order mark inside the file, runs of
blanks as delimiter), does the slower line-by-line reader take over and say which rows are broken.
"""

from __future__ import annotations

import codecs
import mmap
import re
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel  # calamine: reads .xlsx and the older binary .xls alike
import numpy as np
import polars as pl
from fastexcel import FastExcelError as _SpreadsheetError

ROW_PROBLEM_SCHEMA = {
    "_row_number": pl.Int64,
    "column_name": pl.String,
    "reason": pl.String,
    "detail": pl.String,
    "bad_value": pl.String,
}

WHITESPACE = "whitespace"
DELIMITERS = (",", "\t", ";", "|")  # in order of preference when a header line counts several equally

# Row problem reasons, as stored in audit.quarantined_rows.
RAGGED_ROW = "ragged_row"
UNTERMINATED_QUOTE = "unterminated_quote"
NUL_BYTE = "nul_byte"
REPEATED_HEADER = "repeated_header"

_MAX_QUOTED_SPAN = 50  # lines with an odd number of quotes a quoted value may run past
_BAD_VALUE_CHARS = 500  # a broken line is kept in full in raw; the audit row shows its start
_BOMS = (  # UTF-32 first: its little-endian mark begins with the UTF-16 one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UNICODE_CODECS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")
_GB_CODECS = ("gb18030", "gbk", "gb2312")
_NOT_BLANK = re.compile(rb"\S")
_WHITESPACE_FIELD = re.compile(r'"((?:[^"]|"")*+)"(?=[ \t]|$)|[^ \t]+')
_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$")


@dataclass(frozen=True)
class ReadOptions:
    """How to read one file. ``None`` means: detect it."""

    encoding: str | None = None  # utf-8, utf-8-sig, utf-16, gb18030, cp1252, ...; None = detect
    delimiter: str | None = None  # ",", "\t", ";", "|", or "whitespace" (runs of blanks); None = detect
    header: bool = True  # False: the file has no header row, names come from ``columns``
    columns: tuple[str, ...] | None = None  # column names of a header-less file
    sheet: str | int | None = None  # XLSX/XLS sheet name or 0-based index; None = first sheet
    skip_rows: int = 0  # lines (rows for spreadsheets) before the header


@dataclass
class ReadResult:
    frame: pl.DataFrame  # every column pl.String; header names stripped of BOMs and surrounding blanks
    row_problems: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ROW_PROBLEM_SCHEMA))
    encoding: str | None = None
    delimiter: str | None = None
    # A file without even a header (0 bytes, or only blanks): "no data from this source". The frame
    # then has no columns; the loader gives it the contract's.
    is_empty_file: bool = False
    used_fast_path: bool = True  # False when the line-by-line reader had to take over


class LandingFileError(ValueError):
    """A landing file that cannot be loaded at all (unreadable, or a required column is missing)."""


def header_key(name: str) -> str:
    """The form of a header name used to match it to a contract column: exports write ``Order_ID `` or
    ``ORDER_ID`` for ``order_id``. Only for matching: raw keeps the name as received otherwise."""
    return _clean_header(name).casefold()


def read_text_table(path: Path, options: ReadOptions | None = None, name: str | None = None) -> ReadResult:
    """The rows of ``path`` as text. Raises ``LandingFileError`` (naming ``name``, by default the file
    name) when the file cannot be read at all."""
    options = options or ReadOptions()
    name = name or path.name
    if not options.header and not options.columns:
        raise LandingFileError(f"{name}: a file without a header row needs its column names declared")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            df = pl.read_parquet(path)
            df = df.with_columns(_as_text(df[c]).alias(c) for c in df.columns)
            return ReadResult(frame=df.rename({c: _clean_header(c) for c in df.columns}))
        if suffix in (".xlsx", ".xls", ".xlsm"):
            return _read_spreadsheet(path, options, name)
        if suffix in (".csv", ".txt", ".tsv"):
            with _mapped(path) as raw:
                return _read_delimited(raw, options, name)
    except (pl.exceptions.PolarsError, OSError, UnicodeError, _SpreadsheetError) as exc:
        raise LandingFileError(f"{name}: cannot be read ({type(exc).__name__}: {exc})") from exc
    raise LandingFileError(f"{name}: unsupported file type {suffix}")


# ---------------------------------------------------------------------------------------- encodings


@contextmanager
def _mapped(path: Path) -> Iterator[bytes | mmap.mmap]:
    """The file's bytes without copying them: polars and numpy read the mapping directly, as polars
    does when given a path, so the checks around the fast path cost no extra read."""
    if path.stat().st_size == 0:
        yield b""
        return
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        yield mapped


def _is_ascii(buf: bytes | mmap.mmap) -> bool:
    return len(buf) == 0 or int(np.frombuffer(buf, dtype=np.uint8).max()) < 0x80


def _bom_encoding(raw: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return encoding
    return None


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _high_bytes_mostly_paired(raw: bytes) -> bool:
    """True when bytes >= 0x80 mostly come in runs, as in GBK/GB18030 Chinese (two bytes a character),
    rather than alone between ASCII letters, as in cp1252 Latin text (``Régis``, ``Müller``, ``5 €``)."""
    high = np.frombuffer(raw, dtype=np.uint8) >= 0x80
    total = int(high.sum())
    if total == 0:
        return False
    neighbour = np.zeros_like(high)
    neighbour[1:] |= high[:-1]
    neighbour[:-1] |= high[1:]
    alone = int((high & ~neighbour).sum())
    return alone * 2 < total


def _looks_like_chinese(raw: bytes) -> bool:
    """True when ``raw`` read as GB18030 is mostly the 3,755 common Chinese characters (GB2312 level 1).
    Western text in a single-byte encoding practically never forms them: it would take runs of
    letters like Ä followed by ö."""
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        return False
    wide = [c for c in text[:200_000] if ord(c) >= 0x80]  # a sample is enough to tell
    common = sum(1 for c in wide if "\u4e00" <= c <= "\u9fff" and 0xB0 <= _gb2312_lead(c) <= 0xD7)
    return common >= 4 and common >= 0.9 * len(wide)


def _gb2312_lead(char: str) -> int:
    try:
        return char.encode("gb2312")[0]
    except UnicodeEncodeError:
        return 0


def _utf16_without_bom(raw: bytes) -> str | None:
    # A delimited file is mostly ASCII, which UTF-16 writes with a NUL byte on one side of each character.
    sample = raw[:4000]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def detect_encoding(raw: bytes) -> str:
    """The encoding of ``raw``, deterministically.

    A byte-order mark is an explicit statement, so it wins. Then strict UTF-8: non-ASCII text in a
    legacy encoding is practically never valid UTF-8 by accident. Then GB18030 before cp1252, because
    cp1252 decodes almost any byte sequence (only five bytes are undefined) and would accept every
    Chinese file as mojibake; GB18030 is stricter, but still accepts Latin text where an accented
    letter is followed by an ASCII letter, so it is only taken when the non-ASCII bytes come in pairs.
    """
    bom = _bom_encoding(raw)
    if bom:
        return bom
    utf16 = _utf16_without_bom(raw)
    if utf16:
        return utf16
    if raw.isascii() or _is_utf8(raw):
        return "utf-8"
    gb_ok, cp_ok = _decodes(raw, "gb18030"), _decodes(raw, "cp1252")
    if gb_ok and (not cp_ok or _high_bytes_mostly_paired(raw)):
        return "gb18030"
    if cp_ok:
        return "cp1252"
    raise UnicodeError("neither UTF-8, GB18030 nor cp1252; declare the encoding of this source")


def _check_declared_encoding(raw: bytes, declared: str, name: str) -> str:
    """The codec name for a declared encoding, after the checks that catch a wrong declaration
    before it garbles every non-ASCII value."""
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        raise LandingFileError(f"{name}: unknown encoding {declared!r}") from None
    bom = _bom_encoding(raw)
    family = codec.replace("-sig", "").split("-")[:2]
    if bom and bom.replace("-sig", "").split("-")[:2] != family:
        raise LandingFileError(f"{name}: declared encoding {declared} but the file starts with a {bom} byte-order mark")
    if codec in _UNICODE_CODECS:
        if codec.startswith(("utf-16", "utf-32")) and not bom and b"\x00" not in raw:
            raise LandingFileError(
                f"{name}: declared encoding {declared} but the file has none of the NUL bytes UTF-16/32 text has"
            )
        return codec
    if not raw.isascii() and _is_utf8(raw):
        raise LandingFileError(
            f"{name}: declared encoding {declared} but the file is valid UTF-8; reading it as {declared} "
            "would garble every non-ASCII value"
        )
    if raw.isascii():
        return codec
    if codec in _GB_CODECS and not _high_bytes_mostly_paired(raw) and _decodes(raw, "cp1252"):
        raise LandingFileError(
            f"{name}: declared encoding {declared} but its non-ASCII bytes stand alone like accented letters "
            "of a single-byte encoding (cp1252?), not in the pairs Chinese characters take"
        )
    if codec not in _GB_CODECS and _looks_like_chinese(raw):
        raise LandingFileError(
            f"{name}: declared encoding {declared} but its non-ASCII bytes come in pairs like GB18030 Chinese text"
        )
    return codec


def _utf8_buffer(
    mapped: bytes | mmap.mmap, declared: str | None, name: str
) -> tuple[bytes | mmap.mmap, int, str, bool]:
    """(UTF-8 bytes, offset where the content starts after a byte-order mark, encoding used, whether
    the bytes are all ASCII)."""
    if declared in (None, "utf-8", "utf8") and not _bom_encoding(mapped[:4]) and _is_ascii(mapped):
        return mapped, 0, "utf-8", True  # the common case of big machine exports: no copy, no decoding
    raw = mapped[:]
    if declared is None:
        try:
            encoding = detect_encoding(raw)
        except UnicodeError as exc:
            raise LandingFileError(f"{name}: cannot determine the encoding: {exc}") from None
    else:
        encoding = _check_declared_encoding(raw, declared, name)
    if encoding in ("utf-8", "utf-8-sig"):
        if declared is not None and not raw.isascii():
            _decode_or_raise(raw, "utf-8", name)
        return raw, (3 if raw.startswith(codecs.BOM_UTF8) else 0), encoding, False
    text = _decode_or_raise(raw, encoding, name)
    return text.removeprefix("\ufeff").encode("utf-8"), 0, encoding, False


def _decode_or_raise(raw: bytes, encoding: str, name: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.start + 4].hex(" ")
        raise LandingFileError(
            f"{name}: is not valid {encoding}: cannot decode bytes {bad} at offset {exc.start} "
            "(is the declared encoding wrong?)"
        ) from None


# ---------------------------------------------------------------------------------------- headers


def _clean_header(name: str | None) -> str:
    return (name or "").replace("\ufeff", "").strip()


def _header_names(fields: list[str | None], name: str) -> list[str]:
    """Header names as received (BOMs and surrounding blanks removed); a blank name becomes
    ``column_<position>``. Two names that match the same contract column reject the file: which
    of them holds the data cannot be known."""
    names = [_clean_header(f) or f"column_{i}" for i, f in enumerate(fields, start=1)]
    seen: dict[str, str] = {}
    for n in names:
        key = header_key(n)
        if key in seen:
            raise LandingFileError(f"{name}: duplicate column name {n!r} (also given as {seen[key]!r})")
        seen[key] = n
    return names


def _drop_blank_named_empty_columns(df: pl.DataFrame, header: list[str | None]) -> pl.DataFrame:
    # Spreadsheet exports often end every line with a delimiter: a nameless, empty column carries nothing.
    empty = [
        df.columns[i]
        for i, f in enumerate(header)
        if i < df.width and not _clean_header(f) and df[df.columns[i]].null_count() == df.height
    ]
    return df.drop(empty) if empty else df


def _detect_delimiter(line: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", line)
    counts = [unquoted.count(d) for d in DELIMITERS]
    best = max(counts)
    if best > 0:
        return DELIMITERS[counts.index(best)]
    if re.search(r"[^ \t][ \t]+[^ \t]", unquoted.strip()):
        return WHITESPACE
    return ","


# ---------------------------------------------------------------------------------------- delimited text


@dataclass
class _Layout:
    """Where things are in the UTF-8 buffer of a delimited file."""

    buf: bytes
    start: int  # first byte after any byte-order mark and skipped lines
    data_start: int  # first byte after the header line (== start for a header-less file)
    header_fields: list[str | None] | None  # None for a header-less file


def _line_end(buf: bytes, pos: int) -> int:
    end = buf.find(b"\n", pos)
    return len(buf) if end < 0 else end


def _layout(buf: bytes, start: int, options: ReadOptions, delimiter: str | None, name: str) -> tuple[_Layout, str]:
    pos = start
    for _ in range(options.skip_rows):
        pos = min(_line_end(buf, pos) + 1, len(buf))
    while pos < len(buf) and not buf[pos : _line_end(buf, pos)].strip():  # blank lines above the header
        pos = _line_end(buf, pos) + 1
    first_end = _line_end(buf, pos)
    first_line = buf[pos:first_end].decode("utf-8").removesuffix("\r")
    delimiter = delimiter or _detect_delimiter(first_line)
    if not options.header:
        return _Layout(buf, pos, pos, None), delimiter
    if delimiter == WHITESPACE:
        fields = _split_whitespace(first_line)
    else:
        fields, still_open = _split_line(first_line, delimiter)
        if still_open:
            raise LandingFileError(f"{name}: the header line has a quote that is never closed")
    return _Layout(buf, pos, min(first_end + 1, len(buf)), fields), delimiter


def _read_delimited(raw: bytes, options: ReadOptions, name: str) -> ReadResult:
    buf, start, encoding, ascii_only = _utf8_buffer(raw, options.encoding, name)
    if options.delimiter not in (None, WHITESPACE) and len(options.delimiter) != 1:
        raise LandingFileError(f"{name}: unsupported delimiter {options.delimiter!r}")
    if _NOT_BLANK.search(buf, start) is None:
        return ReadResult(frame=pl.DataFrame(), encoding=encoding, is_empty_file=True)
    layout, delimiter = _layout(buf, start, options, options.delimiter, name)
    if layout.header_fields is None and _NOT_BLANK.search(buf, layout.start) is None:
        return ReadResult(frame=pl.DataFrame(), encoding=encoding, delimiter=delimiter, is_empty_file=True)
    fields = layout.header_fields if layout.header_fields is not None else list(options.columns or ())
    names = _header_names(fields, name)

    frame = _fast_read(layout, names, delimiter) if _fast_path_possible(layout, delimiter, ascii_only) else None
    fast = frame is not None
    if frame is None:
        frame, problems = _slow_read(layout, names, delimiter)
    else:
        problems = pl.DataFrame(schema=ROW_PROBLEM_SCHEMA)
    if layout.header_fields is not None:
        if not fast or _header_line_repeats(layout):
            repeated = _repeated_headers(frame, layout.header_fields)
            problems = pl.concat([problems, repeated]).sort("_row_number", maintain_order=True)
        frame = _drop_blank_named_empty_columns(frame, layout.header_fields)
    return ReadResult(frame, problems, encoding=encoding, delimiter=delimiter, used_fast_path=fast)


def _fast_path_possible(layout: _Layout, delimiter: str, ascii_only: bool) -> bool:
    buf, data_start = layout.buf, layout.data_start
    return (
        delimiter != WHITESPACE  # polars splits on one character, not on runs of blanks
        and buf.find(b"\x00", data_start) < 0
        # A byte-order mark inside the file (two exports concatenated) starts a line polars would keep.
        and (ascii_only or buf.find(codecs.BOM_UTF8, max(data_start, 1)) < 0)
    )


def _fast_read(layout: _Layout, names: list[str], delimiter: str) -> pl.DataFrame | None:
    """The rows as polars reads them, or None when polars cannot be trusted with this file."""
    buf = _without_trailing_blank_lines(layout.buf)
    has_header = layout.header_fields is not None
    try:
        df = pl.read_csv(
            buf,
            has_header=has_header,
            # Only the lines above the header: polars is fastest reading a header itself.
            skip_lines=buf[: layout.start].count(b"\n"),
            infer_schema=False,
            schema=None if has_header else dict.fromkeys(names, pl.String),
            separator=delimiter,
            quote_char='"',
            raise_if_empty=False,
            encoding="utf8",
        )
    except pl.exceptions.PolarsError:
        return None  # too many fields, a stray quote...: the line reader finds and names the rows
    if df.width != len(names) or not _every_row_complete(buf, layout.data_start, df, delimiter):
        return None
    # polars renames repeated names (a_duplicated_0) and keeps BOMs; the names read here are the ones.
    return df.rename(dict(zip(df.columns, names, strict=True)))


def _without_trailing_blank_lines(buf: bytes) -> bytes:
    # polars reads each blank line at the end as a row of nulls; the line reader skips blank lines.
    end = len(buf)
    while end and buf[end - 1] in b"\r\n":
        end -= 1
    return buf if buf[end:].count(b"\n") <= 1 else buf[:end] + b"\n"


def _every_row_complete(buf: bytes, data_start: int, df: pl.DataFrame, delimiter: str) -> bool:
    """Whether every row polars returned had all its fields in the file.

    polars pads a short row with nulls silently (and reads a blank line as a row of nulls), but raises
    on a long one. So the file is complete exactly when the delimiters between fields number
    rows x (columns - 1): all delimiter bytes after the header, less those inside quoted values.
    """
    data = np.frombuffer(buf, dtype=np.uint8)[data_start:]
    delimiters = int(np.count_nonzero(data == ord(delimiter)))
    if buf.find(b'"', data_start) >= 0:
        if int(np.count_nonzero(data == ord('"'))) % 2:
            return False  # a quote opened and never closed: polars may have swallowed lines into one value
        inside = df.select(pl.sum_horizontal(pl.all().str.count_matches(delimiter, literal=True).sum()))
        delimiters -= int(inside.item() or 0)
    return delimiters == df.height * (df.width - 1)


def _header_line_repeats(layout: _Layout) -> bool:
    # A byte search for the header line is far cheaper than comparing every row of a big frame.
    header_line = layout.buf[layout.start : layout.data_start].rstrip(b"\r\n")
    return layout.buf.find(b"\n" + header_line, layout.data_start - 1) >= 0


def _repeated_headers(df: pl.DataFrame, header: list[str | None]) -> pl.DataFrame:
    """Rows that repeat the header line: two exports concatenated into one file."""
    names = [_clean_header(f) for f in header]
    if df.height == 0 or df.width == 0 or not names[0]:
        return pl.DataFrame(schema=ROW_PROBLEM_SCHEMA)
    # Exact comparison on the first column keeps this cheap on big files; the few candidates get the
    # tolerant one.
    first = df.columns[0]
    candidates = df.with_row_index("_i", offset=1).filter(pl.col(first).is_in([header[0], names[0]]))
    same = pl.all_horizontal(
        pl.col(c).str.strip_chars(" \t\ufeff").eq_missing(n or None) for c, n in zip(df.columns, names, strict=True)
    )
    repeated = candidates.filter(same)
    return repeated.select(
        pl.col("_i").cast(pl.Int64).alias("_row_number"),
        pl.lit("*").alias("column_name"),
        pl.lit(REPEATED_HEADER).alias("reason"),
        pl.lit("the header line is repeated inside the file (two exports concatenated?)").alias("detail"),
        pl.concat_str(pl.exclude("_i"), separator=",", ignore_nulls=True).alias("bad_value"),
    )


# ---------------------------------------------------------------------------------------- line reader


def _split_line(text: str, delimiter: str) -> tuple[list[str | None], bool]:
    """The fields of one record, and whether a quoted field is still open at its end.

    Like polars: an empty unquoted field is null, a quoted empty field is the empty string, ``""``
    inside quotes is one quote. A quote inside an unquoted field, or text after a closing quote, is
    kept as received instead of rejecting the row.
    """
    if '"' not in text:
        return [f or None for f in text.split(delimiter)], False
    fields: list[str | None] = []
    pos, n = 0, len(text)
    while True:
        if text.startswith('"', pos):
            close = _closing_quote(text, pos + 1)
            if close < 0:
                fields.append(text[pos:])
                return fields, True
            after = close + 1
            if after == n or text.startswith(delimiter, after):
                fields.append(text[pos + 1 : close].replace('""', '"'))
                pos = after
            else:
                end = text.find(delimiter, after)
                end = n if end < 0 else end
                fields.append(text[pos:end])
                pos = end
        else:
            end = text.find(delimiter, pos)
            end = n if end < 0 else end
            fields.append(text[pos:end] or None)
            pos = end
        if pos >= n:
            return fields, False
        pos += 1
        if pos == n:
            fields.append(None)
            return fields, False


def _closing_quote(text: str, pos: int) -> int:
    while True:
        pos = text.find('"', pos)
        if pos < 0 or not text.startswith('"', pos + 1):
            return pos
        pos += 2


def _split_whitespace(text: str) -> list[str | None]:
    return [
        m.group(1).replace('""', '"') if m.group(1) is not None else m.group(0)
        for m in _WHITESPACE_FIELD.finditer(text)
    ]


class _Rows:
    """Collects the rows of the line reader and the problems of each."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.rows: list[list[str | None]] = []
        self.problems: list[tuple[int, str, str, str, str | None]] = []

    def add(self, fields: list[str | None], raw_line: str, reason: str | None = None) -> None:
        number, width = len(self.rows) + 1, len(self.names)
        if reason == UNTERMINATED_QUOTE:
            detail = "a quoted field opens on this row and is never closed; the row is kept as its raw line"
            self.problems.append((number, "*", reason, detail, _shown(raw_line)))
        elif len(fields) != width:
            what = "missing" if len(fields) < width else "extra"
            detail = f"expected {width} fields, found {len(fields)} ({what} fields)"
            self.problems.append((number, "*", RAGGED_ROW, detail, _shown(raw_line)))
        fields = (fields + [None] * width)[:width]
        if "\x00" in raw_line:
            for i, value in enumerate(fields):
                if value is not None and "\x00" in value:
                    detail = "the value contains NUL bytes (removed in raw)"
                    self.problems.append((number, self.names[i], NUL_BYTE, detail, _shown(value)))
                    # DuckDB text cannot hold NUL: the rest of the value is kept, and the row quarantined.
                    fields[i] = value.replace("\x00", "")
        self.rows.append(fields)

    def mark_truncated(self) -> None:
        """The file ends without a line break inside a broken last row: say so, it was cut off."""
        if self.problems and self.problems[-1][0] == len(self.rows):
            number, column, reason, detail, bad = self.problems[-1]
            self.problems[-1] = (number, column, reason, f"{detail}; the file ends in the middle of this row", bad)


def _shown(value: str) -> str:
    return value.replace("\x00", "\\x00")[:_BAD_VALUE_CHARS]


def _slow_read(layout: _Layout, names: list[str], delimiter: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    text = layout.buf[layout.data_start :].decode("utf-8")
    rows = _Rows(names)
    for fields, raw_line, reason in _records(text.split("\n"), delimiter, len(names)):
        rows.add(fields, raw_line, reason)
    if not text.endswith("\n"):
        rows.mark_truncated()
    frame = pl.DataFrame(rows.rows, schema=dict.fromkeys(names, pl.String), orient="row")
    return frame, pl.DataFrame(rows.problems, schema=ROW_PROBLEM_SCHEMA, orient="row")


def _records(lines: list[str], delimiter: str, width: int) -> Iterator[tuple[list[str | None], str, str | None]]:
    """(fields, raw text, problem reason or None) for each non-blank record of ``lines``."""
    odd_quote_lines = [i for i, line in enumerate(lines) if line.count('"') % 2] if delimiter != WHITESPACE else []
    i = 0
    while i < len(lines):
        # A byte-order mark starting a line is where a second export was appended: it is not data.
        line = lines[i].removeprefix("\ufeff").removesuffix("\r")
        if not line or (delimiter == WHITESPACE and not line.strip(" \t")):
            i += 1  # a blank line holds no row (a lone tab in a tab-separated file is two empty fields)
            continue
        if delimiter == WHITESPACE:
            yield _split_whitespace(line), line, None
            i += 1
            continue
        fields, still_open = _split_line(line, delimiter)
        if still_open:
            multiline = _multiline_record(lines, i, odd_quote_lines, delimiter, width)
            if multiline is None:
                yield [f or None for f in line.split(delimiter)], line, UNTERMINATED_QUOTE
                i += 1
                continue
            fields, line, i = multiline
        yield fields, line, None
        i += 1


def _multiline_record(
    lines: list[str], i: int, odd_quote_lines: list[int], delimiter: str, width: int
) -> tuple[list[str | None], str, int] | None:
    """The record whose quoted field opens on line ``i`` and closes on a later line: (fields, text,
    its last line), or None when no later line closes it into a record of the right width. Then the
    opening line alone is the broken row, so one stray quote costs one row, not the rest of the file."""
    first = bisect_right(odd_quote_lines, i)
    head = lines[i].removeprefix("\ufeff")
    for j in odd_quote_lines[first : first + _MAX_QUOTED_SPAN]:
        record = "\n".join([head, *lines[i + 1 : j + 1]]).removesuffix("\r")
        fields, still_open = _split_line(record, delimiter)
        if not still_open:
            return (fields, record, j) if len(fields) == width else None
    return None


# ---------------------------------------------------------------------------------------- spreadsheets


def _read_spreadsheet(path: Path, options: ReadOptions, name: str) -> ReadResult:
    sheet = options.sheet if options.sheet is not None else 0
    loaded = fastexcel.read_excel(path).load_sheet(
        sheet, header_row=None, skip_rows=options.skip_rows or None, dtypes="string"
    )
    df = loaded.to_polars()
    if df.width:
        df = df.filter(~pl.all_horizontal(pl.all().is_null()))  # empty sheet rows, like blank lines
    if df.height == 0 and options.header:
        return ReadResult(frame=pl.DataFrame(), is_empty_file=True)
    header: list[str | None] = list(df.row(0)) if options.header else list(options.columns or ())
    if options.header:
        df = df.slice(1)
    # Cells right of the declared or named columns still get a name, so nothing is dropped unseen.
    header += [None] * (df.width - len(header))
    df = df.with_columns(pl.lit(None, dtype=pl.String).alias(f"_pad_{i}") for i in range(df.width, len(header)))
    names = _header_names(header, name)
    df = df.rename(dict(zip(df.columns, names, strict=True)))
    # A date cell has no text form: calamine gives it as a midnight timestamp, the contract wants the date.
    df = df.with_columns(pl.col(c).str.replace(_MIDNIGHT.pattern, "${1}") for c in df.columns)
    return ReadResult(frame=_drop_blank_named_empty_columns(df, header))


def _as_text(series: pl.Series) -> pl.Series:
    if series.dtype == pl.Date:
        return series.dt.strftime("%Y-%m-%d")
    if isinstance(series.dtype, pl.Datetime):
        return series.dt.strftime("%Y-%m-%d %H:%M:%S")
    if series.dtype == pl.Boolean:
        return series.cast(pl.String).str.to_lowercase()
    return series.cast(pl.String)
