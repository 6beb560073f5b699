"""The verifier's own reading of the log leaves: definition, acta versions, adjudications,
bulletins, and the counting version of every acta slot after any prefix of the log.

Leaves are canonical JSON (RFC 8785); an acta leaf carries its counting flag when stored and
an adjudication leaf makes exactly the chosen version of its slot count (none when null).
Only `escrutinio.model` is used besides the standard library.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from escrutinio.model.canonical import canonical_json_fast


class RecordProblem(ValueError):
    """A leaf is malformed or inconsistent with the leaves before it."""


@dataclass
class Version:
    """One acta version read from its leaf; ``counting`` is updated by later adjudications."""

    index: int
    content: dict[str, Any]
    version: int
    status: str
    counting: bool
    received_at: str
    content_hash: str
    votes_json: str

    @property
    def slot(self) -> tuple[str, str, str]:
        """(unit, contest, source)."""
        return (self.content["unit"], self.content["contest"], self.content["source"])


@dataclass
class Record:
    """Everything the leaves say, in log order."""

    definition: dict[str, Any] | None = None
    versions: list[Version] = field(default_factory=list)
    slots: dict[tuple[str, str, str], list[Version]] = field(default_factory=dict)
    bulletins: list[tuple[int, dict[str, Any], set[int]]] = field(default_factory=list)
    audits: int = 0
    size: int = 0

    def counting_now(self) -> set[int]:
        """Log indexes of the versions that count after the leaves read so far."""
        return {v.index for v in self.versions if v.counting}

    def add(self, entry: bytes) -> None:
        """Read the next leaf."""
        index = self.size
        try:
            leaf = json.loads(entry)
        except ValueError as exc:
            raise RecordProblem(f"log entry {index} is not JSON") from exc
        if not isinstance(leaf, dict):
            raise RecordProblem(f"log entry {index} is not a JSON object")
        content = _acta_content_bytes(entry, leaf)
        if content is None and canonical_json_fast(leaf) != entry:
            raise RecordProblem(f"log entry {index} is not canonical JSON (RFC 8785)")
        try:
            self._apply(index, leaf, content)
        except RecordProblem:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            kind = leaf.get("kind")
            raise RecordProblem(f"log entry {index}: malformed {kind} leaf ({exc})") from exc
        self.size += 1

    def _apply(self, index: int, leaf: dict[str, Any], raw: bytes | None) -> None:
        kind = leaf["kind"]
        if kind == "definition":
            if self.definition is not None:
                raise RecordProblem(f"log entry {index}: a second definition leaf")
            self.definition = leaf
        elif kind == "acta":
            content = leaf["acta"]
            raw = canonical_json_fast(content) if raw is None else raw
            digest = hashlib.sha256(raw).hexdigest()
            if digest != leaf["content_hash"]:
                raise RecordProblem(f"log entry {index}: content_hash does not match the acta")
            v = Version(
                index,
                content,
                int(leaf["version"]),
                str(leaf["status"]),
                bool(leaf["counting"]),
                str(leaf["received_at"]),
                digest,
                raw[raw.rindex(b',"votes":') + 9 : -1].decode("utf-8"),
            )
            previous = self.slots.setdefault(v.slot, [])
            if v.version != len(previous) + 1:
                raise RecordProblem(f"log entry {index}: version {v.version} out of sequence")
            previous.append(v)
            self.versions.append(v)
        elif kind == "adjudication":
            slot = (leaf["unit"], leaf["contest"], leaf["source"])
            chosen = leaf["version"]
            if slot not in self.slots:
                raise RecordProblem(f"log entry {index}: adjudication of an unknown acta")
            for v in self.slots[slot]:
                v.counting = chosen is not None and v.version == chosen
        elif kind == "bulletin":
            self.bulletins.append((index, leaf, self.counting_now()))
        elif kind == "audit":  # audit records: authenticated by the tree, checked elsewhere
            self.audits += 1
        else:
            raise RecordProblem(f"log entry {index}: unknown kind {kind!r}")


_ACTA_PREFIX = b'{"acta":'
_SIMPLE = re.compile(r"[A-Za-z0-9_.:/-]*")
_CONTENT_KEYS = ("blank", "contest", "null", "source", "unit", "voters", "votes")


def _int(value: Any) -> str:
    if type(value) is not int:
        raise TypeError("not an integer")
    return str(value)


_QUOTED: dict[str, str] = {}


def _str(value: Any) -> str:
    quoted = _QUOTED.get(value) if type(value) is str else None
    if quoted is not None:
        return quoted
    if type(value) is not str or not _SIMPLE.fullmatch(value):
        raise TypeError("not a simple string")
    quoted = f'"{value}"'
    if len(_QUOTED) < 10_000:
        _QUOTED[value] = quoted
    return quoted


def _content_json(content: dict[str, Any]) -> bytes:
    """RFC 8785 bytes of an acta content; a fast path for plain ASCII ids and integers."""
    try:
        if len(content) != len(_CONTENT_KEYS) or any(k not in content for k in _CONTENT_KEYS):
            raise TypeError("unexpected keys")
        votes = content["votes"]
        counts = [votes[k] for k in sorted(votes)]
        if any(type(v) is not int for v in counts):
            raise TypeError("not an integer")
        pairs = ",".join([f"{_str(k)}:{v}" for k, v in zip(sorted(votes), counts, strict=True)])
        blank = "null" if content["blank"] is None else _int(content["blank"])
        text = (
            f'{{"blank":{blank},"contest":{_str(content["contest"])},'
            f'"null":{_int(content["null"])},"source":{_str(content["source"])},'
            f'"unit":{_str(content["unit"])},"voters":{_int(content["voters"])},'
            f'"votes":{{{pairs}}}}}'
        )
    except (TypeError, AttributeError):
        return canonical_json_fast(content)
    return text.encode("ascii")


def _acta_content_bytes(entry: bytes, leaf: dict[str, Any]) -> bytes | None:
    """The canonical acta content inside a canonical acta leaf, or None if not provable.

    An acta leaf's keys sort as acta, content_hash, counting, kind, received_at, status,
    version; rebuilding the leaf around the canonical content and comparing with the entry
    proves the whole entry canonical with one small canonicalisation instead of two.
    """
    if leaf.get("kind") != "acta" or not entry.startswith(_ACTA_PREFIX):
        return None
    try:
        content = _content_json(leaf["acta"])
        rebuilt = b"".join(
            (
                _ACTA_PREFIX,
                content,
                b',"content_hash":"',
                str(leaf["content_hash"]).encode(),
                b'","counting":',
                b"true" if leaf["counting"] is True else b"false",
                b',"kind":"acta","received_at":"',
                str(leaf["received_at"]).encode(),
                b'","status":"',
                str(leaf["status"]).encode(),
                b'","version":',
                str(leaf["version"]).encode(),
                b"}",
            )
        )
    except (KeyError, TypeError, ValueError):
        return None
    return content if rebuilt == entry else None
