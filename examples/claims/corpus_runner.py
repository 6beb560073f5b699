"""Judge the claims corpus (tests/claims/corpus.yaml) against the demo stores: for each
claim, whether it was parsed, whether its verdict and most plausible reading are the
expected ones, and how long it took. Used by tests/claims/test_corpus.py and bench/claims.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from escrutinio.claims.check import ClaimCheck, check_claim
from escrutinio.claims.record import Record
from escrutinio.reads.claims import claim_record
from escrutinio.store.store import Store

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "claims" / "corpus.yaml"


@dataclass(frozen=True)
class Outcome:
    """One corpus claim: parsed or not, judged as expected or not (and why), seconds."""

    id: str
    parsed: bool
    expected_parsed: bool
    correct: bool
    problem: str
    seconds: float


def _mismatch(check: ClaimCheck, expect: dict[str, Any]) -> str:
    if check.verdict != expect["verdict"]:
        return f"verdict {check.verdict}, expected {expect['verdict']}"
    tops = check.top()
    if not tops:
        return "no reading"
    got = tops[0].to_dict()
    for key, want in expect.get("reading", {}).items():
        have = got.get(key)
        if key == "value" and have is not None and abs(float(have) - float(want)) < 5e-4:
            continue
        if str(have) != str(want):
            return f"reading {key} = {have!r}, expected {want!r}"
    return ""


def _warm(record: Record) -> None:
    """Load every snapshot a corpus claim may name (each bulletin and the final count) and
    the entity names, so that a claim's time is the checking alone."""
    _ = record.catalogue
    for key in (*range(1, 4), "final"):
        record.snapshot(key)


def load_corpus(path: Path = CORPUS) -> dict[str, Any]:
    """The corpus document."""
    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return doc


def judge_corpus(dbs: dict[str, Path], path: Path = CORPUS) -> list[Outcome]:
    """Check every corpus claim against the store of its election."""
    doc = load_corpus(path)
    stores = {name: Store.open(str(db)) for name, db in dbs.items()}
    records: dict[tuple[str, str], Record] = {}
    out: list[Outcome] = []
    try:
        for item in doc["claims"]:
            election = str(item["election"])
            key = item.get("bulletin", "final")
            if (election, str(key)) not in records:
                record = claim_record(stores[election], [key], doc["roles"][election])
                _warm(record)
                records[(election, str(key))] = record
            record = records[(election, str(key))]
            start = time.perf_counter()
            check = check_claim(item["text"], record)
            seconds = time.perf_counter() - start
            expect = item["expect"]
            parsed = check.problem is None
            wanted = expect.get("parsed", True)
            problem = "" if parsed == wanted else f"parsed={parsed}, expected {wanted}"
            if parsed and wanted and not problem:
                problem = _mismatch(check, expect)
            out.append(Outcome(item["id"], parsed, wanted, not problem, problem, seconds))
    finally:
        for store in stores.values():
            store.close()
    return out
