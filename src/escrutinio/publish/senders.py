"""``senders.json``: the sender registry as the log's sender and revocation leaves define it
(who could send actas for which source and units, since when, and until when)."""

from __future__ import annotations

from typing import Any

from escrutinio.model.canonical import canonical_json_fast
from escrutinio.publish.replay import Replay

SENDERS_FILE = "senders.json"


def sender_registry(state: Replay) -> list[dict[str, Any]]:
    """One entry per sender leaf, in log order, with its revocation (null fields if none)."""
    revoked = {leaf["name"]: (idx, leaf) for idx, leaf in state.revocations}
    out: list[dict[str, Any]] = []
    for idx, leaf in state.senders:
        rev = revoked.get(leaf["name"])
        out.append(
            {
                "name": leaf["name"],
                "key": leaf["key"],
                "key_id": leaf["key_id"],
                "source": leaf["source"],
                "units": leaf["units"],
                "regions": leaf["regions"],
                "registered_at": leaf["registered_at"],
                "log_index": idx,
                "revoked_at": None if rev is None else rev[1]["revoked_at"],
                "revocation_reason": None if rev is None else rev[1]["reason"],
                "revocation_index": None if rev is None else rev[0],
            }
        )
    return out


def senders_json(state: Replay) -> bytes | None:
    """The canonical bytes of senders.json, or None when the log registers no sender."""
    if not state.senders:
        return None
    return canonical_json_fast({"senders": sender_registry(state)})
