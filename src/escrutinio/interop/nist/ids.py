"""Object identifiers of an ERR v2 report (XML ``xsd:ID``: an NCName) made from escrutinio
identifiers, and the names and namespaces of the format."""

from __future__ import annotations

NAMESPACE = "http://itl.nist.gov/ns/voting/1500-100/v2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
TYPE_PREFIX = "ElectionResults."
"""JSON ``@type`` values are the XML type names with this prefix."""

ESCRUTINIO_ID = "escrutinio-id"
"""``ExternalIdentifier/OtherType`` carrying an object's escrutinio identifier."""

# escrutinio identifiers use [A-Za-z0-9._:+/-]; an NCName has no ':' '+' '/', and '_' is free
_ESCAPES = {":": "_c", "+": "_p", "/": "_s"}


def encode(ident: str) -> str:
    """An escrutinio identifier as NCName characters (reversible: ``:``→``_c``, ``+``→``_p``,
    ``/``→``_s``; escrutinio identifiers never contain ``_``)."""
    return "".join(_ESCAPES.get(ch, ch) for ch in ident)


def object_id(prefix: str, *parts: str) -> str:
    """An ObjectId: ``prefix-`` and the encoded parts joined by ``__`` (never produced by
    :func:`encode`, so distinct parts never give the same id)."""
    return prefix + "-" + "__".join(encode(p) for p in parts)


ROOT_ID = "ru-election"
"""The GpUnit of the whole election (every region hangs below it)."""


def region_id(region: str) -> str:
    """ObjectId of a region's ReportingUnit."""
    return object_id("ru", region)


def unit_id(unit: str) -> str:
    """ObjectId of a polling unit's (table's) ReportingUnit."""
    return object_id("pu", unit)


def party_id(party: str) -> str:
    """ObjectId of a party."""
    return object_id("par", party)


def coalition_id(alliance: str) -> str:
    """ObjectId of an alliance (a Coalition)."""
    return object_id("coa", alliance)


def contest_id(contest: str) -> str:
    """ObjectId of a CandidateContest."""
    return object_id("cc", contest)


def office_id(contest: str) -> str:
    """ObjectId of the Office a contest elects."""
    return object_id("off", contest)


def candidate_id(contest: str, candidate: str) -> str:
    """ObjectId of a candidate of a contest (candidates are per contest in escrutinio)."""
    return object_id("can", contest, candidate)


def selection_id(contest: str, option: str) -> str:
    """ObjectId of the CandidateSelection of one ballot option (a candidate on one card)."""
    return object_id("cs", contest, option)
