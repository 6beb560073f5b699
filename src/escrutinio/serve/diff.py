"""What changed between two bulletins: seats, actas counted, and each race's status,
winners and votes per candidate."""

from __future__ import annotations

from typing import Any

from escrutinio.serve.state import contest_fingerprint


def _pair(old: Any, new: Any) -> dict[str, Any]:
    return {"from": old, "to": new}


def _status(contest: dict[str, Any]) -> str | None:
    status = contest.get("status")
    return status.get("state") if isinstance(status, dict) else None


def bulletin_diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The changes from bulletin ``old`` to bulletin ``new`` (both as stored)."""
    s_old, s_new = old.get("summary", {}), new.get("summary", {})
    alliances = list(dict.fromkeys([*s_old.get("seats", {}), *s_new.get("seats", {})]))
    before = {c["contest_id"]: c for c in old.get("contests", [])}
    contests = []
    for c in new.get("contests", []):
        o = before.get(c["contest_id"], {})
        votes_before = {x["candidate_id"]: x["votes"] for x in o.get("candidates", [])}
        contests.append(
            {
                "contest_id": c["contest_id"],
                "contest_name": c.get("contest_name"),
                "changed": contest_fingerprint(o) != contest_fingerprint(c),
                "status": _pair(_status(o) if o else None, _status(c)),
                "winners": _pair(o.get("winners"), c.get("winners")),
                "actas_counted": _pair(o.get("actas_counted"), c.get("actas_counted")),
                "candidates": [
                    {
                        "candidate_id": x["candidate_id"],
                        "name": x.get("name"),
                        "from": votes_before.get(x["candidate_id"]),
                        "to": x["votes"],
                        "delta": x["votes"] - votes_before.get(x["candidate_id"], 0),
                    }
                    for x in c.get("candidates", [])
                ],
            }
        )
    return {
        "from": old.get("number"),
        "to": new.get("number"),
        "created_at": _pair(old.get("created_at"), new.get("created_at")),
        "log_size": _pair(old.get("log_size"), new.get("log_size")),
        "seats": {
            a: _pair(s_old.get("seats", {}).get(a, 0), s_new.get("seats", {}).get(a, 0))
            for a in alliances
        },
        "pending": _pair(s_old.get("pending_ids"), s_new.get("pending_ids")),
        "actas_counted": _pair(s_old.get("actas_counted"), s_new.get("actas_counted")),
        "races_changed": [c["contest_id"] for c in contests if c["changed"]],
        "contests": contests,
    }
