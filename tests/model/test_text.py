"""The one text rule for everything that enters a log leaf."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from escrutinio.model.text import identifier_problem, is_identifier, shown, text_problem


def test_identifier_refuses_a_trailing_newline() -> None:
    assert is_identifier("witness:MUD")
    assert not is_identifier("witness\n")
    assert not is_identifier("witness\r")
    assert "not a valid identifier" in (identifier_problem("witness\n") or "")
    assert "'witness\\n'" in (identifier_problem("witness\n") or "")


def test_identifier_length_bound() -> None:
    assert is_identifier("a" * 128)
    assert "at most 128" in (identifier_problem("a" * 129) or "")


def test_text_refuses_control_characters_and_surrogates() -> None:
    assert text_problem("Bolívar") is None
    assert "U+000A" in (text_problem("Bolívar\n") or "")
    assert "U+0085" in (text_problem("a\x85b") or "")
    assert "U+D800" in (text_problem("a\ud800") or "")
    assert "normal form" in (text_problem("Boli\u0301var") or "")


@given(st.text())
def test_identifiers_are_plain_json(value: str) -> None:
    if is_identifier(value):
        assert value.isascii() and value.isprintable() and " " not in value
        assert '"' not in value and "\\" not in value


def test_shown_quotes_any_value_for_a_message() -> None:
    assert shown("a\nb") == "'a\\nb'"
    assert shown(None) == "None"
    assert shown("x" * 100).endswith("…'")
