"""What the simulation studies in bench/ share: the Clopper–Pearson interval of a
wrong-outcome rate and writing a table between two markers of a document."""

from __future__ import annotations

import re
from pathlib import Path

from scipy.stats import beta


def clopper_pearson(k: int, n: int, level: float = 0.99) -> tuple[float, float]:
    """Two-sided Clopper–Pearson interval for k successes in n trials (Clopper & Pearson,
    Biometrika 26(4), 1934)."""
    a = 1 - level
    lo = 0.0 if k == 0 else float(beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a / 2, k + 1, n - k))
    return lo, hi


def write_between(doc: Path, start: str, end: str, table: str) -> bool:
    """Put ``table`` between the markers ``start`` and ``end`` of ``doc``; False (nothing
    written) when the document or either marker is missing."""
    if not doc.exists():
        return False
    text = doc.read_text(encoding="utf-8")
    if start not in text or end not in text:
        return False
    text = re.sub(
        re.escape(start) + ".*?" + re.escape(end),
        lambda _: f"{start}\n{table}\n{end}",
        text,
        flags=re.S,
    )
    doc.write_text(text, encoding="utf-8")
    print(f"wrote {doc}")
    return True
