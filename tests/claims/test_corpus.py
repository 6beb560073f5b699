"""The whole corpus: at least 60 claims about both demos, at least 90% parsed, every parsed
one judged as expected (verdict and most plausible reading)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from claims_support import runner


def test_corpus_is_large_and_varied() -> None:
    doc = runner.load_corpus()
    claims = doc["claims"]
    assert len(claims) >= 60
    assert len({c["id"] for c in claims}) == len(claims)
    by_election = Counter(str(c["election"]) for c in claims)
    assert by_election["2017"] >= 30 and by_election["2024"] >= 15
    kinds = Counter(c.get("kind", "plain") for c in claims)
    for trap in ("denominator", "bulletin", "rounding", "party-vs-alliance", "not-checkable"):
        assert kinds[trap] >= 1, trap
    verdicts = Counter(c["expect"].get("verdict") for c in claims)
    for v in ("accurate", "approximately_accurate", "inaccurate", "not_checkable"):
        assert verdicts[v] >= 2, v


def test_corpus_is_judged_correctly(demo_dbs: dict[str, Path]) -> None:
    outcomes = runner.judge_corpus(demo_dbs)
    parsed = [o for o in outcomes if o.parsed]
    assert len(parsed) / len(outcomes) >= 0.90
    wrong = [f"{o.id}: {o.problem}" for o in outcomes if not o.correct]
    assert not wrong, "\n".join(wrong)
