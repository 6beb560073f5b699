"""Comparing what an acta's QR code says with the numbers typed for that acta (pure).

The QR's counts are by *position* (Venezuela 2024: the 38 boxes of the ballot) or by option
id (escrutinio v1). A :class:`QrMapping` says which option of the definition each position
adds to (several positions may add to one option, e.g. a candidate's cards or "others").
The result is ``match``, ``mismatch`` (each differing field with the QR's value and the typed
value), ``unreadable`` (a QR was seen but could not be decoded, or its text is not a known
payload), ``no_qr`` or ``not_applicable`` (the payload's format has no mapping for this
contest). Nothing is ever corrected: the typed numbers stay what they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from escrutinio.images.qr_payload import (
    ESCRUTINIO1,
    VE2024,
    PayloadError,
    QrPayload,
    parse_payload,
    ve2024_candidate_of,
)

MATCH = "match"
MISMATCH = "mismatch"
UNREADABLE = "unreadable"
NO_QR = "no_qr"
NOT_APPLICABLE = "not_applicable"
STATUSES = (MATCH, MISMATCH, UNREADABLE, NO_QR, NOT_APPLICABLE)


@dataclass(frozen=True)
class QrMapping:
    """Which option each position of one payload format adds to, per contest (an empty
    ``positions`` means the identity: the payload names the options itself)."""

    format: str
    positions: Mapping[str, str] = field(default_factory=dict)


def ve2024_mapping(
    candidates: Mapping[str, str], others: str | None = None, fmt: str = VE2024
) -> QrMapping:
    """A Venezuela 2024 mapping from candidate names of the QR (``maduro``, ``gonzalez``…, see
    `VE2024_CANDIDATES`) to option ids; positions of other candidates add to ``others``
    (when given) or are left out of the comparison."""
    positions: dict[str, str] = {}
    for pos, candidate in ve2024_candidate_of().items():
        option = candidates.get(candidate, others)
        if option is not None:
            positions[pos] = option
    return QrMapping(fmt, positions)


# the mapping for the resultadosconvzla definition of examples/venezuela-2024
VE2024_CITIZEN_MAPPING = ve2024_mapping({"gonzalez": "gonzalez", "maduro": "maduro"}, "otros")
ESCRUTINIO1_MAPPING = QrMapping(ESCRUTINIO1)


@dataclass(frozen=True)
class Difference:
    """One field where the QR and the typed acta disagree."""

    field: str
    qr: int | str | None
    typed: int | str | None


@dataclass(frozen=True)
class QrResult:
    """The outcome of checking one image's QR codes against one acta."""

    status: str
    differences: tuple[Difference, ...] = ()
    payloads: tuple[str, ...] = ()
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        """The result as plain JSON values (stored as the check's detail)."""
        return {
            "status": self.status,
            "differences": [
                {"field": d.field, "qr": d.qr, "typed": d.typed} for d in self.differences
            ],
            "payloads": list(self.payloads),
            "detail": self.detail,
        }


def mapped_counts(payload: QrPayload, mapping: QrMapping) -> dict[str, int]:
    """The payload's votes added up per option through the mapping."""
    if not mapping.positions:
        return dict(payload.counts)
    out: dict[str, int] = {}
    for pos, count in payload.counts.items():
        option = mapping.positions.get(pos)
        if option is not None:
            out[option] = out.get(option, 0) + count
    return out


def compare_payload(
    payload: QrPayload, acta: Mapping[str, Any], mapping: QrMapping | None
) -> QrResult:
    """Compare one parsed payload with an acta's content (``unit``, ``contest``, ``votes``
    by option, ``null``, ``blank``, ``voters``, as in :meth:`Acta.content`)."""
    if mapping is None or mapping.format != payload.format:
        return QrResult(NOT_APPLICABLE, detail=f"no mapping for {payload.format} payloads")
    diffs: list[Difference] = []
    if payload.format == ESCRUTINIO1:
        for name in ("unit", "contest"):
            qr_value = payload.table if name == "unit" else payload.contest
            if qr_value != acta[name]:
                diffs.append(Difference(name, qr_value, acta[name]))
    votes: Mapping[str, int] = acta["votes"]
    counts = mapped_counts(payload, mapping)
    compared = set(counts) | (set(votes) if not mapping.positions else set())
    for option in sorted(compared):
        qr_count, typed = counts.get(option), votes.get(option)
        if qr_count != typed:
            diffs.append(Difference(f"votes.{option}", qr_count, typed))
    for name in ("null", "blank", "voters"):
        qr_value = getattr(payload, name)
        if qr_value is not None and qr_value != acta.get(name):
            diffs.append(Difference(name, qr_value, acta.get(name)))
    return QrResult(MISMATCH if diffs else MATCH, tuple(diffs))


def check_texts(
    texts: list[str],
    acta: Mapping[str, Any],
    mappings: Mapping[str, QrMapping],
    undecoded: int = 0,
) -> QrResult:
    """The result for one image from the texts of the QR codes decoded in it (and how many
    QR codes were seen but not decoded): ``mismatch`` if any payload disagrees, else
    ``match`` if one agrees, else ``not_applicable`` / ``unreadable`` / ``no_qr``."""
    if not texts:
        if undecoded:
            return QrResult(UNREADABLE, detail=f"{undecoded} QR code(s) seen but not decoded")
        return QrResult(NO_QR, detail="no QR code found in the image")
    results: list[QrResult] = []
    problems: list[str] = []
    for text in texts:
        try:
            payload = parse_payload(text)
        except PayloadError as exc:
            problems.append(str(exc))
            continue
        results.append(compare_payload(payload, acta, mappings.get(payload.format)))
    shown = tuple(texts)
    for status in (MISMATCH, MATCH, NOT_APPLICABLE):
        found = [r for r in results if r.status == status]
        if found:
            return QrResult(status, found[0].differences, shown, found[0].detail)
    return QrResult(UNREADABLE, payloads=shown, detail="; ".join(problems))
