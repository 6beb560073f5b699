"""The acta file contract: every malformed file or row gets a specific error naming file,
line and field; the valid rows of the same file are kept; both import paths agree."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from acta_kit import GOOD_ROWS, HEADER, JSONL_ROWS, Outcome, column_path, row_path
from escrutinio.io.actas_files import check_csv_header, read_actas, use_columnar
from escrutinio.model import Definition, InputError


def both(path: Path, definition: Definition) -> Outcome:
    """The row path's outcome, after checking the column-wise path gives exactly the same."""
    rows = row_path(path, definition)
    columns = column_path(path, definition)
    assert columns.accepted == rows.accepted
    assert [str(i) for i in columns.issues] == [str(i) for i in rows.issues]
    assert str(columns.error) == str(rows.error)
    return rows


def only_issue(outcome: Outcome) -> str:
    assert outcome.error is None, outcome.error
    assert len(outcome.issues) == 1, [str(i) for i in outcome.issues]
    return str(outcome.issues[0])


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


# ------------------------------------------------------------------ item 1: text in a leaf
@pytest.mark.parametrize("source", ["witness\\n", "witness\\r", "wit\\u0000ness", "w i"])
def test_a_source_with_a_control_character_is_refused_in_json_lines(
    tmp_path: Path, definition: Definition, source: str
) -> None:
    bad = JSONL_ROWS[0].replace('"contest"', f'"source":"{source}","contest"')
    path = write(tmp_path, "a.jsonl", JSONL_ROWS[1] + bad + JSONL_ROWS[2])
    out = row_path(path, definition)
    message = only_issue(out)
    assert "line 2, field 'source': not a valid source name" in message
    assert [line for line, _ in out.accepted] == [1, 3]


def test_a_quoted_csv_source_ending_in_a_newline_is_refused(
    tmp_path: Path, definition: Definition
) -> None:
    bad = GOOD_ROWS[0].replace("gov-A,,", 'gov-A,"witness\n",')
    path = write(tmp_path, "a.csv", HEADER + GOOD_ROWS[1] + bad + GOOD_ROWS[2])
    out = both(path, definition)
    assert "line 3, field 'source': not a valid source name: 'witness\\n'" in only_issue(out)
    assert [line for line, _ in out.accepted] == [2, 5]


def test_option_keys_and_units_are_quoted_escaped_in_messages(
    tmp_path: Path, definition: Definition
) -> None:
    row = '{"unit":"u1\\n","contest":"gov-A","voters":3,"null":0,"votes":{"a1\\u0000":1}}\n'
    out = row_path(write(tmp_path, "a.jsonl", row), definition)
    messages = [str(i) for i in out.issues]
    assert "unknown polling unit 'u1\\n'" in messages[0]
    assert any("'a1\\x00' is not a ballot option" in m for m in messages)
    assert all("\n" not in m and "\x00" not in m for m in messages)


# ------------------------------------------------------------------ encodings
def test_utf8_with_a_byte_order_mark_is_read(tmp_path: Path, definition: Definition) -> None:
    path = write(tmp_path, "a.csv", b"\xef\xbb\xbf" + (HEADER + GOOD_ROWS[0]).encode())
    out = both(path, definition)
    assert out.issues == [] and len(out.accepted) == 1
    jsonl = write(tmp_path, "a.jsonl", b"\xef\xbb\xbf" + JSONL_ROWS[0].encode())
    assert len(row_path(jsonl, definition).accepted) == 1


@pytest.mark.parametrize("name", ["a.csv", "a.jsonl"])
def test_a_latin1_line_names_its_line_and_byte_offset_and_the_rest_is_kept(
    tmp_path: Path, definition: Definition, name: str
) -> None:
    if name.endswith(".csv"):
        lines = [HEADER, GOOD_ROWS[0], GOOD_ROWS[1].replace(",,,,,", ",Bolívar,,,,"), GOOD_ROWS[2]]
    else:
        lines = [JSONL_ROWS[0], JSONL_ROWS[1].replace("witness:MUD", "Bolívar"), JSONL_ROWS[2]]
    data = "".join(lines).encode("latin-1")
    path = write(tmp_path, name, data)
    bad_line = 3 if name.endswith(".csv") else 2
    offset = data.index(b"\xed")
    out = row_path(path, definition)
    message = only_issue(out)
    assert f"line {bad_line}: not valid UTF-8 at byte offset {offset} (byte 0xED)" in message
    assert "--encoding" in message
    assert len(out.accepted) == 2
    assert not use_columnar(path)
    assert only_issue(column_path(path, definition)) == message


def test_an_explicit_encoding_decodes_latin1(tmp_path: Path, definition: Definition) -> None:
    data = (HEADER + GOOD_ROWS[0].replace(",,,,", ",,,,")).encode("latin-1")
    path = write(tmp_path, "a.csv", data.replace(b"witness", b"w\xedtness"))
    assert row_path(path, definition, encoding="latin-1").issues == []
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        read_actas(path, "klingon")


def test_a_header_that_is_not_utf8_is_a_file_error(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", HEADER.replace("a3", "a\xed").encode("latin-1"))
    with pytest.raises(InputError, match=r"a.csv, line 1: not valid UTF-8 at byte offset \d+"):
        read_actas(path)


# ------------------------------------------------------------------ bounded inputs
def test_a_cell_over_the_csv_module_limit_is_a_row_error(
    tmp_path: Path, definition: Definition
) -> None:
    huge = "x" * (csv.field_size_limit() + 10)
    bad = GOOD_ROWS[0].replace("u1,", f'"{huge}",')
    path = write(tmp_path, "a.csv", HEADER + bad + GOOD_ROWS[1])
    out = both(path, definition)
    assert "line 2, field 'unit': unknown polling unit 'xxxx" in only_issue(out)
    assert len(str(out.issues[0])) < 200
    assert len(out.accepted) == 1


@pytest.mark.parametrize("digits", [19, 20, 4301, 10_000])
def test_huge_counts_are_row_errors(tmp_path: Path, definition: Definition, digits: int) -> None:
    big = "9" * digits
    csv_path = write(tmp_path, "a.csv", HEADER + GOOD_ROWS[0].replace(",100,", f",{big},"))
    message = only_issue(both(csv_path, definition))
    assert "line 2, field 'a1-psuv': count too large" in message
    row = JSONL_ROWS[0].replace('"a1-psuv":100', f'"a1-psuv":{big}')
    message = only_issue(row_path(write(tmp_path, "a.jsonl", row), definition))
    assert "line 1, field 'a1-psuv': count too large" in message


def test_the_largest_int64_is_read_and_the_next_is_refused(definition: Definition) -> None:
    from escrutinio.model.validation import INT64_MAX, parse_count

    issues: list[object] = []
    assert parse_count(str(INT64_MAX), "voters", issues) == INT64_MAX  # type: ignore[arg-type]
    assert parse_count(str(INT64_MAX + 1), "voters", issues) is None  # type: ignore[arg-type]
    assert len(issues) == 1


def test_json_nested_a_thousand_deep_is_a_row_error(tmp_path: Path, definition: Definition) -> None:
    deep = '{"unit":' + "[" * 100_000 + "]" * 100_000 + "}\n"
    path = write(tmp_path, "a.jsonl", JSONL_ROWS[0] + deep + JSONL_ROWS[1])
    out = row_path(path, definition)
    assert "line 2: JSON nested too deeply" in only_issue(out) or "line 2" in only_issue(out)
    assert len(out.accepted) == 2


# ------------------------------------------------------------------ truncation
def test_a_last_line_without_newline_is_fine_when_whole(
    tmp_path: Path, definition: Definition
) -> None:
    path = write(tmp_path, "a.csv", HEADER + GOOD_ROWS[0] + GOOD_ROWS[2].rstrip("\n"))
    out = both(path, definition)
    assert out.issues == [] and len(out.accepted) == 2


def test_a_last_line_cut_short_of_its_fields_is_flagged(
    tmp_path: Path, definition: Definition
) -> None:
    cut = GOOD_ROWS[0][:28]  # "u1,gov-A,,2017-10-15T20:00:0": 4 of 13 fields
    path = write(tmp_path, "a.csv", HEADER + GOOD_ROWS[2] + cut)
    out = both(path, definition)
    message = only_issue(out)
    assert "line 3: possibly truncated (no final newline): expected 13 fields" in message
    assert [line for line, _ in out.accepted] == [2]


def test_a_count_cut_at_the_end_of_the_file_is_flagged(
    tmp_path: Path, definition: Definition
) -> None:
    header = "unit,contest,voters,null,a1-psuv,a1-pcv,a2-mud,a3\n"
    whole = write(tmp_path, "ok.csv", header + "u1,gov-A,278,3,100,20,150,5")
    assert both(whole, definition).issues == []
    for name, last in (("a.csv", "u1,gov-A,278,3,100,20,150,1"), ("b.csv", "u1,gov-A,2")):
        out = both(write(tmp_path, name, header + last), definition)
        assert out.accepted == []
        assert "line 2" in only_issue(out) and "possibly truncated" in only_issue(out)
    out = both(write(tmp_path, "c.csv", header + "u1,gov-A,278,3,100,20,150,1"), definition)
    assert "field 'voters'" in only_issue(out) and "= 274, not voters (278)" in only_issue(out)


def test_a_cut_source_never_stores_an_acta_under_another_source(
    tmp_path: Path, definition: Definition
) -> None:
    header = "unit,contest,voters,null,a1-psuv,a1-pcv,a2-mud,a3,source\n"
    rows = header + "u1,gov-A,278,3,100,20,150,5,witness:MUD\n"
    path = write(tmp_path, "a.csv", rows + "u2,gov-A,200,0,50,50,50,50,witness:M")
    out = both(path, definition)
    message = only_issue(out)
    assert "line 3, field 'source': possibly truncated (no final newline)" in message
    assert len(out.accepted) == 1


def test_a_cut_json_line_is_flagged(tmp_path: Path, definition: Definition) -> None:
    path = write(tmp_path, "a.jsonl", JSONL_ROWS[0] + JSONL_ROWS[1][:40])
    message = only_issue(row_path(path, definition))
    assert "line 2: possibly truncated (no final newline): not valid JSON" in message
    whole = write(tmp_path, "b.jsonl", JSONL_ROWS[0] + JSONL_ROWS[1].rstrip("\n"))
    assert row_path(whole, definition).issues == []


# ------------------------------------------------------------------ headers and empty lines
@pytest.mark.parametrize("quoted", [False, True])
def test_a_duplicated_header_column_is_a_file_error(tmp_path: Path, quoted: bool) -> None:
    header = HEADER.replace(",b2\n", ",voters\n")
    row = GOOD_ROWS[0] if not quoted else GOOD_ROWS[0].replace("u1,", '"u1",')
    path = write(tmp_path, "a.csv", header + row)
    with pytest.raises(InputError, match=r"line 1: column 'voters' appears more than once"):
        read_actas(path)
    with pytest.raises(InputError, match="columns 5 and 13"):
        check_csv_header(path)


def test_an_unnamed_header_column_is_a_file_error(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", HEADER.replace(",b2\n", ",\n") + GOOD_ROWS[0])
    with pytest.raises(InputError, match="column 13 of the header has no name"):
        read_actas(path)


@pytest.mark.parametrize("empty", ["\n", "\r\n"])
def test_an_empty_line_mid_file_is_skipped_by_both_readers(
    tmp_path: Path, definition: Definition, empty: str
) -> None:
    path = write(tmp_path, "a.csv", HEADER + GOOD_ROWS[0] + empty + GOOD_ROWS[2] + "x\n")
    out = both(path, definition)
    assert [line for line, _ in out.accepted] == [2, 4]
    assert "line 5: expected 13 fields as in the header, got 1" in only_issue(out)


# ------------------------------------------------------------------ JSON Lines strictness
JSON_CASES = [
    ('"voters":300', '"voters":"300"', "voters", "got the text '300' (write numbers without"),
    ('"a1-psuv":100', '"a1-psuv":"100"', "a1-psuv", "got the text '100'"),
    ('"a1-psuv":100', '"a1-psuv":1.5', "a1-psuv", "expected a non-negative integer, got 1.5"),
    ('"null":3', '"null":true', "null", "expected a non-negative integer, got true"),
    ('"null":3', '"null":3,"nul":3', "nul", "unknown key 'nul'; an acta object has the keys"),
    ('"null":3', '"null":3,"null":4', "null", "key 'null' appears more than once"),
    ('"a3":5', '"a3":5,"a3":6', "a3", "key 'a3' appears more than once"),
    ('"unit":"u1"', '"unit":1', "unit", "expected text, got 1"),
    ('"null":3', '"null":NaN', None, "not valid JSON: NaN is not a JSON number"),
]


@pytest.mark.parametrize(("old", "new", "field", "message"), JSON_CASES)
def test_json_lines_refuses_what_it_used_to_accept_silently(
    tmp_path: Path, definition: Definition, old: str, new: str, field: str | None, message: str
) -> None:
    assert old in JSONL_ROWS[0]
    path = write(tmp_path, "a.jsonl", JSONL_ROWS[1] + JSONL_ROWS[0].replace(old, new))
    out = row_path(path, definition)
    assert out.error is None
    issue = out.issues[0]
    assert issue.line == 2 and issue.field == field
    assert message in issue.message
    assert len(out.accepted) == 1


def test_json_and_csv_word_a_non_integer_count_alike(
    tmp_path: Path, definition: Definition
) -> None:
    csv_out = row_path(
        write(tmp_path, "a.csv", HEADER + GOOD_ROWS[0].replace(",100,", ",x,")), definition
    )
    row = JSONL_ROWS[0].replace('"a1-psuv":100', '"a1-psuv":"x"')
    json_out = row_path(write(tmp_path, "a.jsonl", row), definition)
    assert csv_out.issues[0].message.startswith("expected a non-negative integer, got ")
    assert json_out.issues[0].message.startswith("expected a non-negative integer, got ")


def test_a_missing_file_or_a_directory_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_actas(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="not a file"):
        read_actas(tmp_path)


def test_byte_offsets_count_the_byte_order_mark(tmp_path: Path, definition: Definition) -> None:
    data = b"\xef\xbb\xbf" + (HEADER + GOOD_ROWS[0]).encode() + "é\n".encode("latin-1")
    message = only_issue(row_path(write(tmp_path, "a.csv", data), definition))
    where = data.index(bytes([0xE9]))
    assert f"line 3: not valid UTF-8 at byte offset {where} (byte 0xE9)" in message
    header = write(
        tmp_path, "h.csv", b"\xef\xbb\xbf" + HEADER.replace("a3", "a\xe9").encode("latin-1")
    )
    offset = header.read_bytes().index(b"\xe9")
    for read in (read_actas, check_csv_header):
        with pytest.raises(InputError, match=f"line 1: not valid UTF-8 at byte offset {offset} "):
            read(header)
