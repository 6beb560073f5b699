"""The sender registry: who may send actas through the submission endpoint, with which key,
for which source and which units. Every registration and revocation is a log leaf
(`escrutinio.model.leaves.sender_leaf`, `sender_revocation_leaf`) written in the same
transaction as its row, so anyone can see which keys could send for which units, and since
when."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from escrutinio.ledger.note import KeyFormatError, parse_verifier_key
from escrutinio.model import leaves
from escrutinio.model.acta import utc_timestamp
from escrutinio.model.definition import Definition
from escrutinio.model.text import identifier_problem
from escrutinio.store import schema as t
from escrutinio.store.definitions import read_definition
from escrutinio.store.log import append_log
from escrutinio.store.store import Store, StoreError

OFFICIAL = "official"
"""``--source official`` stands for the definition's official source."""
SOURCE_PREFIXES = ("witness:", "citizen:")


@dataclass(frozen=True)
class Sender:
    """A registered sender as the registry holds it."""

    name: str
    key: str
    key_id: str
    source: str
    units: tuple[str, ...]
    regions: tuple[str, ...]
    registered_at: str
    log_index: int
    revoked_at: str | None = None
    revocation_reason: str | None = None
    revocation_index: int | None = None
    unit_set: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    @property
    def revoked(self) -> bool:
        """True once the sender's key is revoked."""
        return self.revoked_at is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view (the shape of ``senders list --format json`` and senders.json)."""
        return {
            "name": self.name,
            "key": self.key,
            "key_id": self.key_id,
            "source": self.source,
            "units": list(self.units),
            "regions": list(self.regions),
            "registered_at": self.registered_at,
            "log_index": self.log_index,
            "revoked_at": self.revoked_at,
            "revocation_reason": self.revocation_reason,
            "revocation_index": self.revocation_index,
        }


def resolve_source(source: str, definition: Definition) -> str:
    """The acta source a sender sends for: ``official`` is the definition's official source,
    otherwise ``witness:PARTY`` or ``citizen:ORG`` as given (a valid source name)."""
    if source == OFFICIAL:
        return definition.info.official_source
    if not source.startswith(SOURCE_PREFIXES) or len(source.split(":", 1)[1]) == 0:
        raise StoreError(f"--source must be official, witness:PARTY or citizen:ORG, not {source!r}")
    problem = identifier_problem(source)
    if problem is not None:
        raise StoreError(f"--source {source!r} is not a valid source name: {problem}")
    return source


def _check_scope(definition: Definition, units: list[str], regions: list[str]) -> None:
    if bool(units) == bool(regions):
        raise StoreError("give the sender's scope as units or as regions (exactly one of them)")
    known_units = definition.units.index
    for unit in units:
        if unit not in known_units:
            raise StoreError(f"unknown polling unit {unit!r} in the sender's scope")
    known_regions = set(definition.regions.ids)
    for region in regions:
        if region not in known_regions:
            raise StoreError(f"unknown region {region!r} in the sender's scope")


def register_sender(
    store: Store,
    name: str,
    verifier_key: str,
    source: str,
    *,
    units: list[str] | None = None,
    regions: list[str] | None = None,
    at: str | None = None,
) -> Sender:
    """Register ``name`` with its signed-note verifier key, source and scope (units or
    regions), and log it. Raises `StoreError` for a bad key, source or scope, or a name
    already registered."""
    definition = read_definition(store)
    try:
        key = parse_verifier_key(verifier_key.strip())
    except KeyFormatError as exc:
        raise StoreError(f"malformed sender verifier key: {exc}") from None
    if key.name != name:
        raise StoreError(f"the key is for {key.name!r}, not for the sender {name!r}")
    resolved = resolve_source(source, definition)
    unit_list = sorted(dict.fromkeys(units or []))
    region_list = sorted(dict.fromkeys(regions or []))
    _check_scope(definition, unit_list, region_list)
    when = utc_timestamp(at)
    key_id = f"{key.key_id:08x}"
    body = leaves.sender_leaf(
        name, key.verifier_key(), key_id, resolved, unit_list, region_list, when
    )
    with store.engine.begin() as conn:
        idx = append_log(store, conn, [(leaves.SENDER, body)])
        if _row(conn, name) is not None:  # checked under the append lock
            raise StoreError(f"sender {name!r} is already registered")
        conn.execute(
            insert(t.senders).values(
                name=name,
                verifier_key=key.verifier_key(),
                key_id=key_id,
                source=resolved,
                units=json.dumps(unit_list),
                regions=json.dumps(region_list),
                registered_at=when,
                log_idx=idx,
            )
        )
    found = get_sender(store, name)
    assert found is not None
    return found


def revoke_sender(store: Store, name: str, reason: str = "", at: str | None = None) -> Sender:
    """Revoke a sender's key (envelopes received afterwards are refused) and log it."""
    when = utc_timestamp(at)
    with store.engine.begin() as conn:
        row = _row(conn, name)
        if row is None:
            raise StoreError(f"no sender named {name!r}")
        if row.revoked_at is not None:
            raise StoreError(f"sender {name!r} was already revoked at {row.revoked_at}")
        body = leaves.sender_revocation_leaf(name, row.key_id, reason, when)
        idx = append_log(store, conn, [(leaves.SENDER_REVOCATION, body)])
        conn.execute(
            insert(t.sender_revocations).values(
                name=name, key_id=row.key_id, reason=reason, revoked_at=when, log_idx=idx
            )
        )
    found = get_sender(store, name)
    assert found is not None
    return found


def _select() -> Any:
    s, r = t.senders.c, t.sender_revocations.c
    return select(
        s.name,
        s.verifier_key,
        s.key_id,
        s.source,
        s.units,
        s.regions,
        s.registered_at,
        s.log_idx,
        r.revoked_at,
        r.reason,
        r.log_idx.label("revocation_idx"),
    ).select_from(t.senders.outerjoin(t.sender_revocations, s.name == r.name))


def _sender(row: Any) -> Sender:
    """A sender from a row of `_select` or of `SENDERS_SQL` (the same columns in order)."""
    name, key, key_id, source, units_json, regions, registered_at, log_idx = row[:8]
    revoked_at, reason, revocation_idx = row[8:11]
    units = tuple(json.loads(units_json))
    return Sender(
        name=name,
        key=key,
        key_id=key_id,
        source=source,
        units=units,
        regions=tuple(json.loads(regions)),
        registered_at=registered_at,
        log_index=int(log_idx),
        revoked_at=revoked_at,
        revocation_reason=reason,
        revocation_index=None if revocation_idx is None else int(revocation_idx),
        unit_set=frozenset(units),
    )


SENDERS_SQL = (
    "SELECT s.name, s.verifier_key, s.key_id, s.source, s.units, s.regions, s.registered_at, "
    "s.log_idx, r.revoked_at, r.reason, r.log_idx FROM senders s "
    "LEFT JOIN sender_revocations r ON r.name = s.name WHERE s.name "
)
"""The columns of `_select` as driver SQL, for `senders_from_rows`; the caller appends
the name condition (e.g. ``= ANY(?)`` or ``IN (?, ?)``)."""


def senders_from_rows(names: set[str], rows: list[tuple[Any, ...]]) -> dict[str, Sender | None]:
    """The senders ``names`` from the rows `SENDERS_SQL` returned (None for an
    unregistered name)."""
    found: dict[str, Sender | None] = {str(r[0]): _sender(r) for r in rows}
    return {name: found.get(name) for name in names}


def _row(conn: Connection, name: str) -> Any:
    return conn.execute(_select().where(t.senders.c.name == name)).first()


def sender_in(conn: Connection, name: str) -> Sender | None:
    """The sender ``name`` as seen by ``conn``'s transaction (None when unregistered)."""
    row = _row(conn, name)
    return None if row is None else _sender(row)


def senders_in(conn: Connection, names: set[str]) -> dict[str, Sender | None]:
    """The senders ``names`` as seen by ``conn``'s transaction, in one query (None for an
    unregistered name)."""
    rows = conn.execute(_select().where(t.senders.c.name.in_(names))).all()
    return senders_from_rows(names, [tuple(r) for r in rows])


def get_sender(store: Store, name: str) -> Sender | None:
    """The registered sender ``name``, with its revocation if any (None when unknown)."""
    with store.engine.connect() as conn:
        return sender_in(conn, name)


def list_senders(store: Store) -> list[Sender]:
    """Every registered sender, in registration order."""
    with store.engine.connect() as conn:
        rows = conn.execute(_select().order_by(t.senders.c.log_idx)).all()
    return [_sender(r) for r in rows]


def unit_in_scope(definition: Definition, sender: Sender, unit: str) -> bool:
    """True when ``unit`` is one of the sender's units or lies in one of its regions."""
    if sender.units:
        return unit in sender.unit_set
    unit_idx = definition.units.index.get(unit)
    if unit_idx is None:
        return False
    region = int(definition.units.region[unit_idx])
    index = definition.regions.index
    return any(r in index and definition.region_contains(index[r], region) for r in sender.regions)
