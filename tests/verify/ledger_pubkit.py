"""Build a small published election for the publish, verify, witness and tamper tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from escrutinio import reads
from escrutinio.ledger.cosignature import CosignatureSigner
from escrutinio.ledger.keys import generate_key
from escrutinio.ledger.note import Ed25519Signer
from escrutinio.model import Definition
from escrutinio.publish.site import publish
from escrutinio.store import definitions as store_definitions
from escrutinio.store import versions as store_versions
from escrutinio.store.checkpoints import add_cosignature
from escrutinio.store.store import Store
from escrutinio.verify.notes import PublicKey, parse_key
from escrutinio.witness.witness import cosign_publication
from support import ingest_file

HEADER = "unit,contest,source,received_at,voters,null,blank,a1-psuv,a1-pcv,a2-mud,a3,b1,b2\n"
WAVE1 = (
    "u1,gov-A,,2017-10-15T20:00:00Z,300,3,,100,20,150,5,,\n"
    "u2,gov-A,,2017-10-15T20:01:00Z,350,2,1,120,30,190,5,,\n"
    "u3,gov-A,,2017-10-15T20:02:00Z,250,1,,90,10,140,4,,\n"
    "u5,gov-B,,2017-10-15T20:03:00Z,400,2,1,,,,,200,150\n"
    "u1,gov-A,party-x,2017-10-15T20:04:00Z,300,3,,100,20,150,5,,\n"
)
WAVE2 = (
    "u4,gov-A,,2017-10-15T21:00:00Z,150,1,,50,10,80,5,,\n"
    "u6,gov-B,,2017-10-15T21:01:00Z,80,0,,,,,,40,35\n"
    "u2,gov-A,,2017-10-15T21:02:00Z,350,2,1,121,30,189,5,,\n"
)
ORIGIN = "escrutinio.example/test-2017"
WITNESS = "witness.example/observer"


@dataclass
class Pub:
    """A store, its keys and its publication directory."""

    store: Store
    signer: Ed25519Signer
    witness: CosignatureSigner
    out: Path
    witness_state: Path

    @property
    def log_key(self) -> PublicKey:
        """The log's verifier key as the verifier parses it."""
        return parse_key(self.signer.verifier().verifier_key())

    @property
    def witness_key(self) -> PublicKey:
        """The witness's cosignature verifier key."""
        return parse_key(self.witness.verifier().verifier_key())


def ingest(store: Store, tmp: Path, name: str, rows: str) -> None:
    """Import acta rows from a CSV file."""
    path = tmp / name
    path.write_text(HEADER + rows, encoding="utf-8")
    ingest_file(store, path)


def wave1(db_url: str, definition: Definition, tmp: Path) -> Pub:
    """Store + first wave of actas + bulletin 1, published and cosigned."""
    store = Store.open(db_url)
    store_definitions.load_definition(store, definition)
    ingest(store, tmp, "wave1.csv", WAVE1)
    reads.record_bulletin(store)
    pub = Pub(
        store,
        generate_key(ORIGIN),
        CosignatureSigner.from_signer(generate_key(WITNESS)),
        tmp / "pub",
        tmp / "witness-state",
    )
    publish(store, pub.out, pub.signer)
    done = cosign_publication(pub.out, pub.witness, pub.signer.verifier(), pub.witness_state)
    add_cosignature(store, done.note, pub.witness.verifier().verifier_key())
    return pub


def wave2(pub: Pub, tmp: Path) -> None:
    """Second wave with a conflicting version, an adjudication and bulletin 2; republish."""
    ingest(pub.store, tmp, "wave2.csv", WAVE2)
    store_versions.adjudicate(
        pub.store,
        "u2",
        "gov-A",
        store_definitions.read_definition(pub.store).info.official_source,
        2,
        "recount",
        "board",
    )
    reads.record_bulletin(pub.store)
    publish(pub.store, pub.out, pub.signer)
    done = cosign_publication(pub.out, pub.witness, pub.signer.verifier(), pub.witness_state)
    add_cosignature(pub.store, done.note, pub.witness.verifier().verifier_key())
    publish(pub.store, pub.out, pub.signer)


def full(db_url: str, definition: Definition, tmp: Path) -> Pub:
    """Both waves published, with the witness cosignature included in the checkpoint."""
    pub = wave1(db_url, definition, tmp)
    wave2(pub, tmp)
    return pub
