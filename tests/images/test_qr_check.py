"""Comparing QR payloads with typed actas: match, each differing field, not applicable,
unreadable and no QR; the Venezuela 2024 mapping adds positions up per option."""

from __future__ import annotations

from typing import Any

from escrutinio.images.qr_check import (
    ESCRUTINIO1_MAPPING,
    MATCH,
    MISMATCH,
    NO_QR,
    NOT_APPLICABLE,
    UNREADABLE,
    VE2024_CITIZEN_MAPPING,
    Difference,
    check_texts,
    compare_payload,
)
from escrutinio.images.qr_payload import VE2024, encode_escrutinio1, parse_payload

ACTA: dict[str, Any] = {
    "unit": "u1",
    "contest": "gov-A",
    "source": "official",
    "votes": {"a1": 100, "a2": 150},
    "null": 3,
    "blank": None,
    "voters": 253,
}
MAPPINGS = {"escrutinio1": ESCRUTINIO1_MAPPING}


def _text(**changes: Any) -> str:
    acta = {**ACTA, **changes}
    return encode_escrutinio1(
        acta["unit"], acta["contest"], acta["votes"], acta["null"], acta["blank"], acta["voters"]
    )


def test_match() -> None:
    result = check_texts([_text()], ACTA, MAPPINGS)
    assert result.status == MATCH and result.differences == ()
    assert result.payloads == (_text(),)


def test_every_differing_field_is_listed_with_both_values() -> None:
    text = _text(votes={"a1": 107, "a2": 150}, voters=260, blank=0, unit="u9")
    result = check_texts([text], ACTA, MAPPINGS)
    assert result.status == MISMATCH
    assert result.differences == (
        Difference("unit", "u9", "u1"),
        Difference("votes.a1", 107, 100),
        Difference("blank", 0, None),
        Difference("voters", 260, 253),
    )
    assert result.to_json()["differences"][1] == {"field": "votes.a1", "qr": 107, "typed": 100}


def test_an_option_missing_on_either_side_is_a_difference() -> None:
    result = check_texts([_text(votes={"a1": 100, "zz": 150})], ACTA, MAPPINGS)
    assert {d.field for d in result.differences} == {"votes.a2", "votes.zz"}


def test_no_qr_unreadable_and_not_applicable() -> None:
    assert check_texts([], ACTA, MAPPINGS).status == NO_QR
    assert check_texts([], ACTA, MAPPINGS, undecoded=1).status == UNREADABLE
    garbled = check_texts(["not a payload"], ACTA, MAPPINGS)
    assert garbled.status == UNREADABLE and "segments" in garbled.detail
    ve = "1.1.1.1!" + ",".join(["1"] * 38) + "!0!0"
    assert check_texts([ve], ACTA, MAPPINGS).status == NOT_APPLICABLE


def test_a_disagreeing_qr_wins_over_an_agreeing_one() -> None:
    texts = [_text(), _text(votes={"a1": 1, "a2": 150})]
    assert check_texts(texts, ACTA, MAPPINGS).status == MISMATCH


def test_ve2024_positions_add_up_per_option() -> None:
    counts = [0] * 38
    counts[0], counts[12] = 100, 5  # Maduro's first and last boxes
    counts[33], counts[35] = 200, 7  # González's first and last boxes
    counts[19] = 3  # Bertucci: "otros" in the citizen definition
    payload = parse_payload("201301006.01.1.0001!" + ",".join(map(str, counts)) + "!2!0")
    acta = {"votes": {"maduro": 105, "gonzalez": 207, "otros": 3}, "null": 2}
    assert compare_payload(payload, acta, VE2024_CITIZEN_MAPPING).status == MATCH
    acta["votes"] = {"maduro": 105, "gonzalez": 200, "otros": 3}
    result = compare_payload(payload, acta, VE2024_CITIZEN_MAPPING)
    assert result.differences == (Difference("votes.gonzalez", 207, 200),)
    assert compare_payload(payload, acta, None).status == NOT_APPLICABLE
    assert VE2024_CITIZEN_MAPPING.format == VE2024
