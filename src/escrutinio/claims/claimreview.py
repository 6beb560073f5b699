"""schema.org ClaimReview JSON-LD for checked claims (https://schema.org/ClaimReview; the
rating scale follows Google's fact-check markup guidance: 1 = false … 5 = true)."""

from __future__ import annotations

from typing import Any

from escrutinio.claims.check import ClaimCheck

RATINGS = {
    "accurate": (5, "Accurate"),
    "approximately_accurate": (4, "Approximately accurate"),
    "inaccurate": (1, "Inaccurate"),
    "not_checkable": (0, "Not checkable"),
}


def claim_review(check: ClaimCheck, election: str, date: str | None = None) -> dict[str, Any]:
    """One ClaimReview object: the claim, the rating of its verdict, and the reading,
    figure, bulletin and log checkpoint it rests on."""
    tops = check.top()
    value, name = RATINGS[check.verdict]
    basis = "; ".join(
        f"{r.spec.words()}: {r.value_text or r.reason} ({r.verdict}, "
        + (f"bulletin {r.snapshot}" if isinstance(r.snapshot, int) else "final results")
        + (
            f", log checkpoint size {r.checkpoint['size']} root {r.checkpoint['root_hash']}"
            if r.checkpoint
            else ""
        )
        + ")"
        for r in tops
    )
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": check.claim,
        "inLanguage": check.language,
        "author": {"@type": "Organization", "name": "escrutinio"},
        "itemReviewed": {
            "@type": "Claim",
            "about": {"@type": "Event", "name": election},
        },
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": value,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": name,
        },
        "reviewBody": basis or (check.problem or ""),
    }
    if date:
        review["datePublished"] = date
    return review
