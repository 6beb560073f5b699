"""Structured claims (already read from YAML or JSON): one exact reading, no parsing.

A claims document is a list of claims, or a mapping with ``claims`` (that list) and
optionally ``roles`` ({role: alliance/party/candidate id}). A claim is a sentence (a string,
or a mapping with only ``text``), or a mapping with ``measure`` and the fields below::

    text: "GPP, 52.67% of valid votes"   # optional label
    measure: share          # seats votes share turnout abstention voters electorate
                            # margin actas null winner
    subject: GPP            # id or name of an alliance, party or candidate
    other: MUD              # margin: the rival (default: the strongest one)
    denominator: valid      # share: valid, cast or registered (default valid)
    value: 52.67
    unit: percent           # percent, points or count (default by measure)
    decimals: 2             # default: as many as the value has
    comparator: eq          # eq about almost gt ge lt le
    out_of: 23              # seats: "18 of 23"
    scope: national         # or a region id or name (a race)
    counting: decided       # seats/winner: decided (default) or leading
    bulletin: 2             # or final; default: the command's --bulletin
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args

from escrutinio.claims.entities import Catalogue, Entity
from escrutinio.claims.numbers import Quantity
from escrutinio.claims.parse import Assertion
from escrutinio.claims.vocabulary import Comparator
from escrutinio.model.errors import EscrutinioError

MEASURES = (
    "seats",
    "votes",
    "share",
    "turnout",
    "abstention",
    "voters",
    "electorate",
    "margin",
    "actas",
    "null",
    "winner",
)
_FIELDS = frozenset(
    [
        "text",
        "measure",
        "subject",
        "other",
        "denominator",
        "value",
        "unit",
        "decimals",
        "comparator",
        "out_of",
        "scope",
        "counting",
        "bulletin",
    ]
)


class ClaimsFileError(EscrutinioError):
    """A claims document that cannot be used: names the claim and the field."""


@dataclass(frozen=True)
class ClaimEntry:
    """One entry of a claims document: free text, or a structured assertion."""

    text: str
    assertion: Assertion | None


def _entity(cat: Catalogue, where: str, key: Any) -> Entity:
    found = cat.find(str(key))
    if not found:
        raise ClaimsFileError(f"{where}: no alliance, party, candidate or region named '{key}'")
    return found[0]


def _quantity(where: str, raw: Mapping[str, Any], measure: str) -> Quantity | None:
    if measure == "winner":
        return None
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ClaimsFileError(f"{where}: 'value' must be a number, got {value!r}")
    default_unit = "percent" if measure in ("share", "turnout", "abstention") else "count"
    unit = raw.get("unit", default_unit)
    if unit not in ("percent", "points", "count"):
        raise ClaimsFileError(f"{where}: 'unit' must be percent, points or count, got {unit!r}")
    text = repr(value)
    decimals = int(raw.get("decimals", len(text.split(".")[1]) if "." in text else 0))
    step = 10.0**-decimals
    exact = unit == "count" and decimals == 0
    lo, hi = (value, value) if exact else (value - step / 2, value + step / 2)
    out_of = raw.get("out_of")
    if out_of is not None and not isinstance(out_of, int):
        raise ClaimsFileError(f"{where}: 'out_of' must be a whole number, got {out_of!r}")
    shown = f"{value}%" if unit == "percent" else f"{value}" + (f" of {out_of}" if out_of else "")
    return Quantity(float(value), lo, hi, unit, decimals, exact, out_of, 0, 0, shown)


def structured_assertion(raw: Mapping[str, Any], where: str, cat: Catalogue) -> Assertion:
    """The exact assertion a structured claim states (``where`` names it in errors)."""
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise ClaimsFileError(f"{where}: unknown field(s) {', '.join(unknown)}")
    measure = raw.get("measure")
    if measure not in MEASURES:
        raise ClaimsFileError(f"{where}: 'measure' must be one of {', '.join(MEASURES)}")
    comparator = raw.get("comparator", "eq")
    if comparator not in get_args(Comparator):
        raise ClaimsFileError(
            f"{where}: 'comparator' must be one of {', '.join(get_args(Comparator))}"
        )
    denominator = raw.get("denominator", "valid" if measure == "share" else None)
    if denominator not in (None, "valid", "cast", "registered"):
        raise ClaimsFileError(f"{where}: 'denominator' must be valid, cast or registered")
    scope = raw.get("scope", "national")
    region = None if scope == "national" else _entity(cat, where, scope)
    if region is not None and region.kind != "region":
        raise ClaimsFileError(f"{where}: scope '{scope}' is not a region")
    bulletin = raw.get("bulletin")
    if bulletin is not None and bulletin != "final" and not isinstance(bulletin, int):
        raise ClaimsFileError(f"{where}: 'bulletin' must be a number or 'final'")
    counting = raw.get("counting", "decided")
    if counting not in ("decided", "leading"):
        raise ClaimsFileError(f"{where}: 'counting' must be decided or leading")
    subject = raw.get("subject")
    other = raw.get("other")
    return Assertion(
        text=str(raw.get("text", "")),
        measure=measure,
        quantity=_quantity(where, raw, measure),
        comparator=comparator,
        subjects=(_entity(cat, where, subject),) if subject is not None else (),
        others=(_entity(cat, where, other),) if other is not None else (),
        denominator=denominator,
        region=region,
        national=region is None,
        bulletin=bulletin,
        leading=counting == "leading",
        exact=True,
    )


def read_claims_document(
    doc: Any, source: str, cat: Catalogue
) -> tuple[list[ClaimEntry], dict[str, str]]:
    """Entries and roles of a claims document already parsed from YAML/JSON."""
    roles: dict[str, str] = {}
    items = doc
    if isinstance(doc, Mapping):
        raw_roles = doc.get("roles", {})
        if not isinstance(raw_roles, Mapping):
            raise ClaimsFileError(f"{source}: 'roles' must map a role to an id")
        roles = {str(k): str(v) for k, v in raw_roles.items()}
        items = doc.get("claims")
    if not isinstance(items, list) or not items:
        raise ClaimsFileError(f"{source}: expected a non-empty list of claims (or 'claims:')")
    out: list[ClaimEntry] = []
    for i, item in enumerate(items, start=1):
        where = f"{source}: claim {i}"
        if isinstance(item, str):
            out.append(ClaimEntry(item, None))
        elif isinstance(item, Mapping) and "measure" not in item:
            text = item.get("text")
            if not isinstance(text, str) or not text.strip():
                raise ClaimsFileError(f"{where}: needs 'text' or 'measure'")
            out.append(ClaimEntry(text, None))
        elif isinstance(item, Mapping):
            a = structured_assertion(item, where, cat)
            out.append(ClaimEntry(a.text or f"{a.measure} claim {i}", a))
        else:
            raise ClaimsFileError(f"{where}: expected a sentence or a mapping")
    return out, roles
