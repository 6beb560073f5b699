"""What the ERR v2 reader shares: escrutinio identifiers from ObjectIds and
``escrutinio-id`` external identifiers, whole counts, the GpUnits of a report, and the list
of problems found (each with its element path)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from escrutinio.interop.nist import ids
from escrutinio.interop.nist.parse import Obj, many, one, refs, text
from escrutinio.model.errors import InputError, Issue
from escrutinio.model.text import is_identifier

_UNESCAPE = {"_c": ":", "_p": "+", "_s": "/"}


def _unescape(encoded: str) -> str | None:
    out, i = [], 0
    while i < len(encoded):
        pair = encoded[i : i + 2]
        if encoded[i] == "_":
            if pair not in _UNESCAPE:
                return None
            out.append(_UNESCAPE[pair])
            i += 2
        else:
            out.append(encoded[i])
            i += 1
    return "".join(out)


def native_id(object_id: str, prefix: str = "") -> str:
    """The escrutinio identifier of an ObjectId: what :func:`ids.object_id` encoded when
    it carries ``prefix``, else the ObjectId with characters escrutinio does not allow
    replaced by ``-``."""
    if prefix and object_id.startswith(prefix):
        decoded = _unescape(object_id[len(prefix) :])
        if decoded is not None and is_identifier(decoded):
            return decoded
    cleaned = "".join(
        c if c.isascii() and (c.isalnum() or c in "._:+/-") else "-" for c in object_id
    )
    return cleaned if cleaned[:1].isalnum() else "x" + cleaned


class Problems:
    """Every problem found in one report, raised together as an ``InputError``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.issues: list[Issue] = []

    def add(self, path: str, message: str) -> None:
        """Note a problem at the element ``path``."""
        self.issues.append(Issue(message, field=path, file=self.name))

    def raise_any(self) -> None:
        """Raise an ``InputError`` listing every problem noted so far, if any."""
        if self.issues:
            raise InputError(self.issues)


def escrutinio_id(node: Obj) -> str | None:
    """The object's escrutinio identifier from its ``escrutinio-id`` ExternalIdentifier."""
    for ext in many(node, "ExternalIdentifier"):
        if isinstance(ext, dict) and one(ext, "OtherType") == ids.ESCRUTINIO_ID:
            value = one(ext, "Value")
            if isinstance(value, str) and is_identifier(value):
                return value
    return None


def whole(value: Any, path: str, problems: Problems) -> int | None:
    """A non-negative whole count (a problem noted and None otherwise)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        problems.add(path, f"expected a count, got {str(value)[:60]!r}")
        return None
    if number < 0 or number != int(number):
        problems.add(path, f"expected a non-negative whole count, got {value}")
        return None
    return int(number)


@dataclass
class GpUnitInfo:
    """One GpUnit as the reader needs it."""

    object_id: str
    native: str
    name: str
    level: str
    children: list[str]
    registered: int | None
    path: str


def read_gpunits(report: Obj, problems: Problems) -> dict[str, GpUnitInfo]:
    """Every GpUnit of the report by ObjectId (unknown composing ids noted)."""
    out: dict[str, GpUnitInfo] = {}
    for i, gp in enumerate(many(report, "GpUnit"), start=1):
        path = f"ElectionReport/GpUnit[{i}]"
        oid = gp.get("@id") if isinstance(gp, dict) else None
        if not isinstance(oid, str):
            problems.add(path, "a GpUnit without an ObjectId")
            continue
        kind = one(gp, "Type") or "other"
        level = one(gp, "OtherType") if kind == "other" and one(gp, "OtherType") else kind
        registered = one(gp, "VotersRegistered")
        out[oid] = GpUnitInfo(
            oid,
            escrutinio_id(gp) or native_id(oid, "ru-" if not oid.startswith("pu-") else "pu-"),
            text(gp, "Name") or oid,
            native_id(str(level)),
            refs(gp, "ComposingGpUnitIds"),
            None if registered is None else whole(registered, path + "/VotersRegistered", problems),
            path,
        )
    for gp in out.values():
        for child in gp.children:
            if child not in out:
                problems.add(gp.path + "/ComposingGpUnitIds", f"unknown GpUnit '{child[:60]}'")
    return out
