"""Ballot-level audit draws re-derived from the published ballot manifest.

A ballot-level audit's ``create`` leaf states the SHA-256 of its ballot manifest (canonical
JSON rows ``[batch, ballots, is_table]``); the publication holds the manifest as
``audits/ballots/<sha256>.json``. Its ballots are the ids ``batch:position`` (positions from
1), and the audit draws them in the order of Rivest's consistent sampler (arXiv:1808.10016)
for the seed, with or without replacement as the leaf says; round r continues where round
r−1 stopped. The draw itself is :func:`escrutinio.audit.stats.manifest_sampling.
sample_manifest` (byte-identical to the ``consistent_sampler`` package, only faster).

A hybrid (SUITE) audit splits the manifest into two strata, the batches holding a ballot
with a CVR (``cvrs_sha256``, ``audits/ballots/<sha256>.json``) and the others, and draws
each stratum's own consistent sample; a round's list holds the comparison stratum's draws
first (:func:`hybrid_draws`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from escrutinio.audit.stats.manifest_sampling import sample_manifest
from escrutinio.verify.record import RecordProblem

BALLOT_DRAWS = ("ballot-polling", "ballot-comparison", "minerva", "providence")
"""Ballot-level methods drawing one consistent sample of the whole manifest."""

HYBRID = "hybrid"
"""The stratified method: one consistent sample per stratum (:func:`hybrid_draws`)."""

BALLOT_DIR = "audits/ballots"
"""Where a publication keeps ballot manifests and CVR sets, named by their SHA-256."""


@dataclass(frozen=True)
class BallotInputs:
    """A ballot-level audit's published inputs: the manifest (batch → ballots), which of its
    batches are polling tables of the election, and the CVRs (ballot → contest → 0/1 per
    option; empty when the audit has none)."""

    manifest: dict[str, int]
    table_batches: frozenset[str]
    cvrs: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)


def _published(name: str, what: str, digest: object, read: Callable[[str], bytes]) -> Any:
    """The JSON file ``audits/ballots/<digest>.json``, checked against its SHA-256."""
    if not isinstance(digest, str) or len(digest) != 64:
        raise RecordProblem(f"audit '{name}': its create leaf has no {what}")
    data = read(f"{BALLOT_DIR}/{digest}.json")
    if hashlib.sha256(data).hexdigest() != digest:
        kind = "that manifest" if what == "manifest_sha256" else "those CVRs"
        raise RecordProblem(f"audit '{name}': {BALLOT_DIR}/{digest}.json is not {kind}")
    try:
        return json.loads(data)
    except ValueError as exc:
        raise RecordProblem(f"audit '{name}': {BALLOT_DIR}/{digest}.json is malformed") from exc


def published_manifest(
    name: str, leaf: dict[str, Any], read: Callable[[str], bytes]
) -> dict[str, int]:
    """The audit's ballot manifest (batch → ballots) read from the publication and checked
    against the SHA-256 and ballot total of its create leaf."""
    return published_inputs(name, leaf, read, cvrs=False).manifest


def published_inputs(
    name: str, leaf: dict[str, Any], read: Callable[[str], bytes], *, cvrs: bool = True
) -> BallotInputs:
    """The audit's manifest and (``cvrs``, when its create leaf names them) CVRs read from
    the publication and checked against the SHA-256 and ballot total of its create leaf."""
    rows = _published(name, "manifest_sha256", leaf.get("manifest_sha256"), read)
    try:
        manifest = {str(r[0]): int(r[1]) for r in rows}
        tables = frozenset(str(r[0]) for r in rows if len(r) > 2 and r[2])
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise RecordProblem(f"audit '{name}': the ballot manifest is malformed ({exc})") from exc
    total = leaf.get("manifest_ballots")
    if total is not None and sum(manifest.values()) != total:
        raise RecordProblem(
            f"audit '{name}': the manifest holds {sum(manifest.values())} ballots, its create "
            f"leaf says {total}"
        )
    marks: dict[str, dict[str, tuple[int, ...]]] = {}
    if cvrs and leaf.get("cvrs_sha256") is not None:
        doc = _published(name, "cvrs_sha256", leaf.get("cvrs_sha256"), read)
        try:
            marks = {
                str(b): {str(c): tuple(int(x) for x in m) for c, m in per.items()}
                for b, per in doc.items()
            }
        except (ValueError, TypeError, AttributeError) as exc:
            raise RecordProblem(f"audit '{name}': the CVRs are malformed ({exc})") from exc
    return BallotInputs(manifest, tables, marks)


def ballot_draws(
    manifest: dict[str, int], seed: str, skip: int, size: int, replacement: bool
) -> list[str]:
    """Draws ``skip+1 .. skip+size`` of the manifest's consistent sample."""
    return sample_manifest(manifest, seed, size, replacement=replacement, skip=skip)


def batch_of(ballot: str) -> str:
    """The batch of a ballot id ``batch:position``."""
    return ballot.rpartition(":")[0]


def strata(inputs: BallotInputs) -> tuple[dict[str, int], dict[str, int]]:
    """A hybrid audit's strata: the manifest's batches holding a ballot with a CVR, and the
    others (batch → ballots, manifest order)."""
    with_cvr = {batch_of(b) for b in inputs.cvrs}
    cvr = {b: n for b, n in inputs.manifest.items() if b in with_cvr}
    polling = {b: n for b, n in inputs.manifest.items() if b not in with_cvr}
    return cvr, polling


def hybrid_draws(
    inputs: BallotInputs, seed: str, done: list[str], drawn: list[str], replacement: bool
) -> list[str]:
    """What a hybrid round's list ``drawn`` should be after the draws ``done``: the next
    draws of the comparison stratum's consistent sample (as many as ``drawn`` holds in that
    stratum), then the polling stratum's."""
    out: list[str] = []
    for part in strata(inputs):
        size = sum(1 for b in drawn if batch_of(b) in part)
        skip = sum(1 for b in done if batch_of(b) in part)
        if size:
            out.extend(sample_manifest(part, seed, size, replacement=replacement, skip=skip))
    return out
