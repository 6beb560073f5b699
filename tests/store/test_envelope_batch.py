"""Group commit on SQLite and PostgreSQL: a batch of envelopes stored in one transaction
gives exactly the log, acta versions, image references and receipts that storing them one
after another gives, replays, conflicting copies, repeated images and refusals included."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from escrutinio.io.acta_intake import check_row
from escrutinio.io.actas_jsonl import acta_row
from escrutinio.ledger.note import Ed25519Signer
from escrutinio.model import Definition
from escrutinio.model.prepared import PreparedActa, content_templates
from escrutinio.model.validation import ActaValidator
from escrutinio.receive import group_commit
from escrutinio.receive.group_commit import GroupCommitter
from escrutinio.store import definitions as store_definitions
from escrutinio.store import schema as t
from escrutinio.store.envelopes import Pending, Stored, store_envelope, store_envelopes
from escrutinio.store.log import log_entries
from escrutinio.store.senders import Sender, register_sender
from escrutinio.store.store import Store
from escrutinio.submission import ImageRef, build_envelope, parse_request, request_body
from submission_kit import LOG, acta
from support import DB_KINDS, fresh_db_url

WHEN = "2017-10-15T23:00:00Z"
IMAGE_1 = ImageRef("1" * 64, "image/png", 100)
IMAGE_2 = ImageRef("2" * 64, "image/jpeg", 200)
OFFICIAL = Ed25519Signer.generate("cne-transmission-A")
WITNESS = Ed25519Signer.generate("mud-witness-1")
LOG_KEY = Ed25519Signer.generate(LOG)


class Refused(Exception):
    """The test's stand-in for a revoked sender."""


def _store(url: str, definition: Definition) -> Store:
    store = Store.open(url)
    store_definitions.load_definition(store, definition)
    register_sender(
        store, OFFICIAL.name, OFFICIAL.verifier().verifier_key(), "official", regions=["A"]
    )
    register_sender(
        store, WITNESS.name, WITNESS.verifier().verifier_key(), "witness:MUD", units=["u1", "u2"]
    )
    return store


@pytest.fixture(params=DB_KINDS)
def two_stores(
    request: pytest.FixtureRequest, tmp_path: Path, definition: Definition
) -> Iterator[tuple[Store, Store]]:
    with ExitStack() as stack:
        stores = []
        for name in ("sequential", "batch"):
            (tmp_path / name).mkdir()
            url = stack.enter_context(fresh_db_url(request.param, tmp_path / name))
            store = _store(url, definition)
            stack.callback(store.close)
            stores.append(store)
        yield stores[0], stores[1]


def _pending(
    definition: Definition,
    signer: Ed25519Signer,
    doc: dict[str, Any],
    images: list[ImageRef] | None = None,
    sent_at: str = "2017-10-15T22:00:00Z",
    refuse: bool = False,
) -> Pending:
    raw = request_body(
        build_envelope(doc, signer.name, signer.key_id, images or [], sent_at), signer
    )
    signed = parse_request(raw)
    source = "official" if signer is OFFICIAL else "witness:MUD"
    prepared = check_row(
        ActaValidator(definition, default_source=source),
        content_templates(definition),
        acta_row(signed.acta),
    )
    assert isinstance(prepared, PreparedActa)

    def authorise(sender: Sender | None) -> None:
        assert sender is not None and sender.name == signer.name
        if refuse:
            raise Refused(signer.name)

    return Pending(signed, prepared, authorise)


def _mixed_batch(definition: Definition) -> list[Pending]:
    first = _pending(definition, OFFICIAL, acta(), [IMAGE_1])
    other_votes = {"a1-psuv": 99, "a1-pcv": 20, "a2-mud": 150, "a3": 5}
    return [
        first,
        first,  # the same envelope again: the same receipt
        _pending(definition, OFFICIAL, acta(), [IMAGE_1, IMAGE_2], sent_at="2017-10-15T22:01:00Z"),
        _pending(definition, OFFICIAL, acta(votes=other_votes)),  # a conflicting version
        _pending(definition, WITNESS, acta(source="witness:MUD", votes=other_votes)),
        _pending(definition, OFFICIAL, acta("u2"), refuse=True),  # refused: nothing written
        _pending(definition, OFFICIAL, acta(votes=other_votes), sent_at="2017-10-15T22:02:00Z"),
        _pending(definition, WITNESS, acta("u2", source="witness:MUD")),
        first,
    ]


def _state(store: Store, since: int) -> tuple[list[Any], ...]:
    with store.engine.connect() as conn:
        av, ai, env = t.acta_versions.c, t.acta_images.c, t.envelopes.c
        versions = conn.execute(
            select(av.unit, av.contest, av.source, av.version, av.content_hash, av.status)
            .where(av.log_idx >= since)
            .order_by(av.log_idx)
        ).all()
        images = conn.execute(
            select(ai.unit, ai.source, ai.version, ai.sha256, ai.log_idx).order_by(ai.log_idx)
        ).all()
        envelopes = conn.execute(
            select(env.sha256, env.log_idx, env.acta_log_idx, env.receipt).order_by(env.log_idx)
        ).all()
    entries = [(e.idx, e.kind, e.body) for e in log_entries(store, since)]
    return entries, [tuple(r) for r in versions], [tuple(r) for r in images], list(envelopes)


def _answers(answers: list[Stored | Exception]) -> list[Any]:
    return [a.__class__.__name__ if isinstance(a, Exception) else a for a in answers]


def test_a_batch_gives_the_same_log_as_sequential_submission(
    two_stores: tuple[Store, Store], definition: Definition
) -> None:
    sequential, batch = two_stores
    start = len(list(log_entries(sequential)))
    assert start == len(list(log_entries(batch)))
    pendings = _mixed_batch(definition)
    one_by_one: list[Stored | Exception] = []
    for p in pendings:
        try:
            one_by_one.append(
                store_envelope(
                    sequential, p.signed, p.acta, LOG_KEY, authorise=p.authorise, received_at=WHEN
                )
            )
        except Refused as exc:
            one_by_one.append(exc)
    together = store_envelopes(batch, pendings, LOG_KEY, received_at=WHEN)
    assert _answers(together) == _answers(one_by_one)
    created = [a.created for a in together if isinstance(a, Stored)]
    assert created == [True, False, True, True, True, True, True, False]
    assert _state(batch, start) == _state(sequential, start)
    _, versions, images, envelopes = _state(batch, start)
    assert [v[3] for v in versions] == [1, 2, 1, 1]  # u1 official 1-2, both witness copies
    assert [(i[3], i[2]) for i in images] == [("1" * 64, 1), ("2" * 64, 1)]
    assert len(envelopes) == 6


def test_the_group_committer_stores_concurrent_envelopes_once_each(
    two_stores: tuple[Store, Store], definition: Definition
) -> None:
    _, store = two_stores
    committer = GroupCommitter(store, LOG_KEY, 300, max_batch=8)
    units = [f"u{n}" for n in (1, 2)]
    pendings = [
        _pending(definition, OFFICIAL, acta(u, null=n), sent_at=f"2017-10-15T22:{n:02d}:00Z")
        for u in units
        for n in range(10)
    ] + [_pending(definition, OFFICIAL, acta("u1", null=9), refuse=True)]
    answers: dict[int, Stored | Exception] = {}

    def send(i: int) -> None:
        try:
            answers[i] = committer.store_one(pendings[i])
        except Refused as exc:
            answers[i] = exc

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(pendings))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    committer.close()
    assert isinstance(answers[len(pendings) - 1], Refused)
    stored = [a for a in answers.values() if isinstance(a, Stored)]
    assert len(stored) == 20 and all(a.created for a in stored)
    _, versions, _, envelopes = _state(store, 0)
    assert len(envelopes) == 20
    for unit in units:  # ten versions per slot, numbered without gaps
        assert sorted(v[3] for v in versions if v[0] == unit) == list(range(1, 11))
    entries = list(log_entries(store))
    assert [e.idx for e in entries] == list(range(len(entries)))


def test_a_failed_batch_is_stored_again_one_by_one(
    two_stores: tuple[Store, Store], definition: Definition, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, store = two_stores

    def flaky(
        store: Store, batch: list[Pending], signer: Ed25519Signer, **kw: Any
    ) -> list[Stored | Exception]:
        if len(batch) > 1 or batch[0].acta.unit == "u2":
            raise RuntimeError("batch failed")
        return store_envelopes(store, batch, signer, **kw)

    monkeypatch.setattr(group_commit, "store_envelopes", flaky)
    committer = GroupCommitter(store, LOG_KEY, 300)
    batch = [
        (_pending(definition, OFFICIAL, acta(u, null=n)), Future[Stored]())
        for u, n in (("u1", 1), ("u2", 2), ("u1", 3))
    ]
    committer._commit(batch)  # as the writer thread does with three waiting envelopes
    assert [f.result().created for _, f in (batch[0], batch[2])] == [True, True]
    with pytest.raises(RuntimeError, match="batch failed"):
        batch[1][1].result()
    _, versions, _, envelopes = _state(store, 0)
    assert len(envelopes) == 2 and [v[3] for v in versions] == [1, 2]
