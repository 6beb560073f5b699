"""The text carried by the QR code printed on an acta, parsed into numbers (pure).

Two formats (documented with their sources in ``docs/images.md``):

* **Venezuela 2024** (CNE, presidential election of 28 July 2024), four ``!``-separated
  segments: the acta id ``CENTRE.TABLE.X.SERIAL`` (9-digit voting centre code, table,
  and two parts read as the protocol), 38 comma-separated counts (one per box of the
  ballot, in ballot order), the null votes, and a fourth integer whose meaning is not
  published. E.g. ``150702005.02.1.0001!105,7,…,350,0,2!0!0``.
* **escrutinio v1** (our own, for actas that carry no official QR, e.g. 2017-style actas):
  ``ESCRUTINIO1|unit|contest|voters|null|blank|option=count;option=count…`` with every
  identifier percent-encoded (RFC 3986 §2.1) so ``|``, ``;``, ``=`` and ``%`` never clash,
  and ``blank`` empty when the acta has no blank count.

Both become a :class:`QrPayload`: its format, the table it names, its counts by position
(``"1"``…``"38"`` for Venezuela 2024, option ids for escrutinio v1), null, blank, voters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from escrutinio.model.errors import EscrutinioError

VE2024 = "ve2024"
ESCRUTINIO1 = "escrutinio1"
ESCRUTINIO1_PREFIX = "ESCRUTINIO1|"

MAX_PAYLOAD_CHARS = 4296
"""The most characters a QR code holds (version 40, alphanumeric, level L; ISO/IEC 18004)."""

# (candidate, number of boxes) in ballot order: 38 boxes for 10 candidates (the grouping
# of vnzla-libre's vote_counter.py and resultadosvzla-tools' barimg.sh, which agree)
VE2024_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("maduro", 13),
    ("martinez", 6),
    ("bertucci", 1),
    ("brito", 4),
    ("ecarri", 6),
    ("fermin", 1),
    ("ceballos", 2),
    ("gonzalez", 3),
    ("marquez", 1),
    ("rausseo", 1),
)
VE2024_POSITIONS = sum(n for _, n in VE2024_CANDIDATES)


def ve2024_candidate_of() -> dict[str, str]:
    """Which candidate each of the 38 positions (``"1"``…``"38"``) belongs to."""
    out: dict[str, str] = {}
    pos = 1
    for candidate, boxes in VE2024_CANDIDATES:
        for _ in range(boxes):
            out[str(pos)] = candidate
            pos += 1
    return out


_VE2024 = re.compile(
    r"(?P<centre>\d{1,12})\.(?P<table>\d{1,4})\.(?P<part>\d{1,4})\.(?P<serial>\d{1,8})"
    r"!(?P<counts>\d{1,9}(?:,\d{1,9})*)!(?P<null>\d{1,9})!(?P<fourth>\d{1,9})"
)
_COUNT = re.compile(r"\d{1,15}")


class PayloadError(EscrutinioError, ValueError):
    """A QR payload that is not one of the known formats, with what was expected."""


@dataclass(frozen=True)
class QrPayload:
    """The numbers a QR payload carries, whatever its format."""

    format: str
    table: str
    """The table it names: ``CENTRE.TABLE`` (Venezuela 2024) or the unit id (escrutinio)."""
    counts: dict[str, int]
    """Votes by position: ``"1"``…``"38"`` (Venezuela 2024) or option id (escrutinio)."""
    null: int | None = None
    blank: int | None = None
    voters: int | None = None
    contest: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    """Whatever else the payload carries (Venezuela 2024: acta id, protocol, fourth)."""


def parse_payload(text: str) -> QrPayload:
    """Parse a decoded QR text of either known format; `PayloadError` says why not."""
    if len(text) > MAX_PAYLOAD_CHARS:
        raise PayloadError(f"a QR payload has at most {MAX_PAYLOAD_CHARS} characters")
    stripped = text.strip()
    if stripped.startswith(ESCRUTINIO1_PREFIX):
        return parse_escrutinio1(stripped)
    return parse_ve2024(stripped)


def parse_ve2024(text: str) -> QrPayload:
    """Parse a Venezuela 2024 presidential acta QR (``id!38 counts!null!fourth``)."""
    match = _VE2024.fullmatch(text)
    if match is None:
        segments = text.split("!")
        if len(segments) != 4:
            raise PayloadError(
                f"not an escrutinio or Venezuela 2024 QR payload: {len(segments)} "
                "'!'-separated segments, expected 4 (acta id, counts, null, fourth)"
            )
        raise PayloadError(
            "Venezuela 2024 QR payload: expected CENTRE.TABLE.PART.SERIAL!n,n,…!null!n "
            f"with digits only, got {text[:80]!r}"
        )
    counts = [int(c) for c in match["counts"].split(",")]
    if len(counts) != VE2024_POSITIONS:
        raise PayloadError(
            f"Venezuela 2024 QR payload: {len(counts)} counts, expected {VE2024_POSITIONS} "
            "(one per box of the ballot)"
        )
    acta_id = text.split("!", 1)[0]
    return QrPayload(
        format=VE2024,
        table=f"{match['centre']}.{match['table']}",
        counts={str(i + 1): n for i, n in enumerate(counts)},
        null=int(match["null"]),
        extra={
            "acta_id": acta_id,
            "centre": match["centre"],
            "protocol": f"{match['part']}.{match['serial']}",
            "fourth": match["fourth"],
        },
    )


def encode_ve2024(acta_id: str, counts: list[int], null: int, fourth: int = 0) -> str:
    """The Venezuela 2024 QR text of an acta (for generated test pages): ``acta_id`` as
    ``CENTRE.TABLE.PART.SERIAL``, the 38 counts in ballot order, null, the fourth integer."""
    text = f"{acta_id}!{','.join(str(c) for c in counts)}!{null}!{fourth}"
    parse_ve2024(text)  # refuses what the parser would not read back
    return text


def _quote(text: str) -> str:
    return quote(text, safe="", encoding="utf-8", errors="strict")


def encode_escrutinio1(
    unit: str,
    contest: str,
    votes: dict[str, int],
    null: int,
    blank: int | None,
    voters: int,
) -> str:
    """The escrutinio v1 QR text of an acta (options in the order given)."""
    for name, value in (("null", null), ("blank", blank), ("voters", voters), *votes.items()):
        if value is not None and (type(value) is not int or value < 0):
            raise PayloadError(f"{name}: a count is a non-negative integer, got {value!r}")
    if not unit or not contest or any(not o for o in votes):
        raise PayloadError("unit, contest and option ids must not be empty")
    pairs = ";".join(f"{_quote(o)}={n}" for o, n in votes.items())
    blank_text = "" if blank is None else str(blank)
    return "|".join(
        ("ESCRUTINIO1", _quote(unit), _quote(contest), str(voters), str(null), blank_text, pairs)
    )


def _count(text: str, what: str) -> int:
    if not _COUNT.fullmatch(text):
        raise PayloadError(f"escrutinio QR payload: {what} must be digits, got {text[:20]!r}")
    return int(text)


def _unquote(text: str, what: str) -> str:
    if not text:
        raise PayloadError(f"escrutinio QR payload: {what} is empty")
    try:
        value = unquote(text, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise PayloadError(f"escrutinio QR payload: {what} is not UTF-8 once decoded") from exc
    if _quote(value) != text:
        raise PayloadError(f"escrutinio QR payload: {what} {text[:40]!r} is not percent-encoded")
    return value


def parse_escrutinio1(text: str) -> QrPayload:
    """Parse an escrutinio v1 QR text (see the module docstring)."""
    parts = text.split("|")
    if len(parts) != 7 or parts[0] != "ESCRUTINIO1":
        raise PayloadError(
            f"escrutinio QR payload: {len(parts)} '|'-separated fields, expected 7 "
            "(ESCRUTINIO1|unit|contest|voters|null|blank|option=count;…)"
        )
    _, unit, contest, voters, null, blank, pairs = parts
    votes: dict[str, int] = {}
    for i, pair in enumerate(pairs.split(";") if pairs else [], 1):
        name, sep, count = pair.partition("=")
        if not sep:
            raise PayloadError(f"escrutinio QR payload: vote {i} is not option=count")
        option = _unquote(name, f"option of vote {i}")
        if option in votes:
            raise PayloadError(f"escrutinio QR payload: option {option!r} appears twice")
        votes[option] = _count(count, f"the count of {option!r}")
    return QrPayload(
        format=ESCRUTINIO1,
        table=_unquote(unit, "unit"),
        contest=_unquote(contest, "contest"),
        counts=votes,
        voters=_count(voters, "voters"),
        null=_count(null, "null"),
        blank=None if blank == "" else _count(blank, "blank"),
    )
