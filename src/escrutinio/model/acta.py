"""Actas (tally sheets): one polling unit's count for one contest, as reported by one source."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from escrutinio.model.canonical import canonical_json_fast


@dataclass(frozen=True, slots=True)
class Acta:
    """A validated acta. ``votes`` follows the order of the contest's ballot options."""

    unit: str
    contest: str
    source: str
    option_ids: tuple[str, ...]
    votes: tuple[int, ...]
    null: int
    blank: int | None
    voters: int
    received_at: str

    @property
    def key(self) -> tuple[str, str, str]:
        """(unit, contest, source): the slot that versions of this acta compete for."""
        return (self.unit, self.contest, self.source)

    @property
    def valid(self) -> int:
        """Votes for ballot options (valid votes)."""
        return sum(self.votes)

    def content(self) -> dict[str, Any]:
        """The acta's counts and identity, without its arrival time (what makes it 'the same')."""
        return {
            "unit": self.unit,
            "contest": self.contest,
            "source": self.source,
            "votes": dict(zip(self.option_ids, self.votes, strict=True)),
            "null": self.null,
            "blank": self.blank,
            "voters": self.voters,
        }

    def content_bytes(self) -> bytes:
        """Canonical JSON (RFC 8785) of :meth:`content`."""
        return canonical_json_fast(self.content())

    def content_hash(self) -> str:
        """SHA-256 of the canonical content: equal for identical re-submissions."""
        return hashlib.sha256(self.content_bytes()).hexdigest()

    def counts_row(self) -> tuple[int, ...]:
        """Votes per option followed by null, blank (0 when absent) and voters."""
        return (*self.votes, self.null, self.blank or 0, self.voters)


def utc_timestamp(value: str | datetime | None = None) -> str:
    """Normalise a time to ISO 8601 UTC with seconds, e.g. ``2017-10-15T22:00:00Z``.

    A time without a zone is taken to be UTC. ``None`` means now.
    Raises ``ValueError`` for text that is not ISO 8601.
    """
    if value is None:
        moment = datetime.now(UTC)
    elif isinstance(value, datetime):
        moment = value
    else:
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
