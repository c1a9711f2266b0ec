"""read_text_table with explicit ReadOptions: what the landing corpus cannot declare (a source mapping
gives these options; a contract file found in the landing folder is always read with detection)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.readers import LandingFileError, ReadOptions, detect_encoding, header_key, read_text_table


def _file(tmp_path: Path, content: bytes, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "declared", "words"),
    [
        ("id,name\n1,Régis\n".encode("cp1252"), "utf-8", ["utf-8", "offset"]),
        ("id,name\n1,华东销售部\n".encode(), "gb18030", ["gb18030", "UTF-8"]),
        ("id,name\n1,华东销售部\n".encode(), "cp1252", ["cp1252", "UTF-8"]),
        ("id,name\n1,华东销售部\n".encode("gb18030"), "cp1252", ["cp1252", "GB18030"]),
        ("id,name\n1,Régis Müller\n".encode("cp1252"), "gb18030", ["gb18030", "cp1252"]),
        (b"id,name\n1,plain\n", "utf-16", ["utf-16", "NUL"]),
        ("\ufeffid,name\n1,x\n".encode(), "gb18030", ["gb18030", "utf-8-sig"]),
        (b"id,name\n1,x\n", "no-such-codec", ["no-such-codec"]),
    ],
)
def test_a_wrong_declared_encoding_is_an_error_naming_file_and_encoding(tmp_path, content, declared, words):
    path = _file(tmp_path, content)
    with pytest.raises(LandingFileError) as excinfo:
        read_text_table(path, ReadOptions(encoding=declared), name="crm/export.csv")
    message = str(excinfo.value)
    assert "crm/export.csv" in message
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("id,name\n1,华东销售部\n", "gb18030"),
        ("id,name\n1,Régis\n", "cp1252"),
        ("id,name\n1,华东\n", "utf-16"),
        ("id,name\n1,Zürich\n", "utf-8"),
    ],
)
def test_a_right_declared_encoding_reads_the_values(tmp_path, text, encoding):
    path = _file(tmp_path, text.encode(encoding))
    result = read_text_table(path, ReadOptions(encoding=encoding))
    assert result.frame["name"].to_list() == [text.split(",")[-1].strip()]


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (b"a,b\n1,2\n", "utf-8"),
        ("a,b\n1,é\n".encode(), "utf-8"),
        ("\ufeffa\n".encode(), "utf-8-sig"),
        ("a,b\n1,华东销售部\n".encode("gb18030"), "gb18030"),
        # GB18030 would decode this too (é followed by a letter is a valid pair), as nonsense.
        ("a,b\n1,Régis Crème\n".encode("cp1252"), "cp1252"),
        ("a,b\n1,5€\n".encode("cp1252"), "cp1252"),
    ],
)
def test_detected_encodings(raw, encoding):
    assert detect_encoding(raw) == encoding


def test_bytes_no_supported_encoding_can_decode_are_an_error(tmp_path):
    path = _file(tmp_path, b"id,name\n1,\x81\n")  # undefined in cp1252, a lone lead byte in GB18030
    with pytest.raises(LandingFileError, match="export.csv: cannot determine the encoding"):
        read_text_table(path)


def test_a_header_less_file_takes_the_declared_columns(tmp_path):
    path = _file(tmp_path, b"SO1,1,P1\r\nSO1,2,P2\r\nSO2,1\r\n")
    result = read_text_table(path, ReadOptions(header=False, columns=("order_id", "line_number", "product_id")))
    assert result.frame.columns == ["order_id", "line_number", "product_id"]
    assert result.frame.rows() == [("SO1", "1", "P1"), ("SO1", "2", "P2"), ("SO2", "1", None)]
    assert result.row_problems.select("_row_number", "reason").rows() == [(3, "ragged_row")]


def test_a_header_less_file_without_columns_is_an_error(tmp_path):
    with pytest.raises(LandingFileError, match="column names declared"):
        read_text_table(_file(tmp_path, b"1,2\n"), ReadOptions(header=False))


def test_skip_rows_skips_a_report_title_above_the_header(tmp_path):
    path = _file(tmp_path, b"Sales report, Q1\nexported 2024-04-01\nid;name\n1;x, y\n")
    result = read_text_table(path, ReadOptions(skip_rows=2))
    assert result.delimiter == ";"
    assert result.frame.rows() == [("1", "x, y")]


def test_a_declared_delimiter_wins_over_detection(tmp_path):
    path = _file(tmp_path, b"id|note\n1|a,b,c\n")
    assert read_text_table(path, ReadOptions(delimiter="|")).frame.rows() == [("1", "a,b,c")]
    assert read_text_table(path, ReadOptions(delimiter=",")).frame.columns == ["id|note"]


def test_an_unterminated_quote_in_the_header_rejects_the_file(tmp_path):
    with pytest.raises(LandingFileError, match="header line"):
        read_text_table(_file(tmp_path, b'id,"name\n1,2\n'))


@pytest.mark.parametrize("name", ["Order_ID ", "ORDER_ID", "\ufefforder_id", " order_id\t"])
def test_header_key_matches_contract_names(name):
    assert header_key(name) == "order_id"


def test_fast_and_line_reader_agree_on_a_clean_file(tmp_path):
    clean = b'id,name,note\n1,"a, b",\n2,"",x\r\n3,"line\nbreak","say ""hi"""\n'
    fast = read_text_table(_file(tmp_path, clean, "clean.csv"))
    # The same rows behind a NUL byte in an extra last row: the line reader has to read them all.
    slow = read_text_table(_file(tmp_path, clean + b"4,\x00,z\n", "slow.csv"))
    assert fast.used_fast_path and not slow.used_fast_path
    assert slow.frame.head(3).rows() == fast.frame.rows()
    assert fast.frame.rows() == [("1", "a, b", None), ("2", "", "x"), ("3", "line\nbreak", 'say "hi"')]


def test_a_stray_quote_costs_one_row_not_the_rest_of_the_file(tmp_path):
    lines = [b"id,name"] + [b"%d,n%d" % (i, i) for i in range(1, 200)]
    lines[5] = b'5,"broken'
    lines[150] = b'150,"fine, quoted"'
    result = read_text_table(_file(tmp_path, b"\n".join(lines) + b"\n"))
    assert result.frame.height == 199
    assert result.row_problems.select("_row_number", "reason").rows() == [(5, "unterminated_quote")]
    assert result.frame.row(149) == ("150", "fine, quoted")


def test_spreadsheet_sheet_and_header_less_options(tmp_path):
    corpus = Path(__file__).parent / "corpus" / "xlsx_workbook" / "orders" / "products.xlsx"
    by_name = read_text_table(corpus, ReadOptions(sheet="Products"))
    assert by_name.frame.height == 3
    headerless = read_text_table(corpus, ReadOptions(header=False, columns=("a", "b"), skip_rows=1))
    assert headerless.frame.columns[:2] == ["a", "b"]
    assert headerless.frame["a"].to_list() == ["00123", "P2", "P3"]
    with pytest.raises(LandingFileError, match="products.xlsx"):
        read_text_table(corpus, ReadOptions(sheet="No such sheet"))
