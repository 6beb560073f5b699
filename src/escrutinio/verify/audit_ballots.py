"""Ballot-level audit draws re-derived from the published ballot manifest.

A ballot-level audit's ``create`` leaf states the SHA-256 of its ballot manifest (canonical
JSON rows ``[batch, ballots, is_table]``); the publication holds the manifest as
``audits/ballots/<sha256>.json``. Its ballots are the ids ``batch:position`` (positions from
1), and the audit draws them in the order of Rivest's consistent sampler (arXiv:1808.10016)
for the seed, with or without replacement as the leaf says; round r continues where round
r−1 stopped. The draw itself is :func:`escrutinio.audit.stats.manifest_sampling.
sample_manifest` (byte-identical to the ``consistent_sampler`` package, only faster).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from escrutinio.audit.stats.manifest_sampling import sample_manifest
from escrutinio.verify.record import RecordProblem

BALLOT_DRAWS = ("ballot-polling", "ballot-comparison", "minerva", "providence")
"""Ballot-level methods drawing one consistent sample of the whole manifest."""

BALLOT_DIR = "audits/ballots"
"""Where a publication keeps ballot manifests and CVR sets, named by their SHA-256."""


def published_manifest(
    name: str, leaf: dict[str, Any], read: Callable[[str], bytes]
) -> dict[str, int]:
    """The audit's ballot manifest (batch → ballots) read from the publication and checked
    against the SHA-256 and ballot total of its create leaf."""
    digest = leaf.get("manifest_sha256")
    if not isinstance(digest, str) or len(digest) != 64:
        raise RecordProblem(f"audit '{name}': its create leaf has no manifest_sha256")
    data = read(f"{BALLOT_DIR}/{digest}.json")
    if hashlib.sha256(data).hexdigest() != digest:
        raise RecordProblem(f"audit '{name}': {BALLOT_DIR}/{digest}.json is not that manifest")
    try:
        rows = json.loads(data)
        manifest = {str(r[0]): int(r[1]) for r in rows}
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise RecordProblem(f"audit '{name}': the ballot manifest is malformed ({exc})") from exc
    total = leaf.get("manifest_ballots")
    if total is not None and sum(manifest.values()) != total:
        raise RecordProblem(
            f"audit '{name}': the manifest holds {sum(manifest.values())} ballots, its create "
            f"leaf says {total}"
        )
    return manifest


def ballot_draws(
    manifest: dict[str, int], seed: str, skip: int, size: int, replacement: bool
) -> list[str]:
    """Draws ``skip+1 .. skip+size`` of the manifest's consistent sample."""
    return sample_manifest(manifest, seed, size, replacement=replacement, skip=skip)
