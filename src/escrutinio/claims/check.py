"""Checking a claim: parse it (or take a structured one), enumerate its readings, evaluate
each in every snapshot asked for, and give one verdict per reading and one for the claim.

JSON keys of :meth:`ClaimCheck.to_dict` (stable): ``claim``, ``language``, ``verdict`` (of
the most plausible reading of each assertion, in the first snapshot), ``problem`` (why
nothing could be checked, else null), ``assertions`` [{``text``, ``measure``}],
``readings`` [{``assertion`` (index), ``reading`` (words), ``measure``, ``subject``,
``denominator``, ``scope``, ``counting``, ``claimed``, ``comparator``, ``value``,
``value_text``, ``verdict``, ``reason``, ``bulletin`` (number or "final"), ``checkpoint``
{``size``, ``root_hash``}}] (the first is the most plausible), ``changes`` [{``assertion``,
``reading``, ``verdicts`` [{``bulletin``, ``verdict``, ``value_text``}]}] when more than one
snapshot was asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from escrutinio.claims.evaluate import actual_value
from escrutinio.claims.parse import Assertion, parse_claim
from escrutinio.claims.readings import ReadingSpec, enumerate_readings
from escrutinio.claims.record import Record, Snapshot, SnapshotKey
from escrutinio.claims.verdicts import Verdict, judge, worst


@dataclass(frozen=True)
class CheckedReading:
    """One reading evaluated in one snapshot."""

    assertion: int
    spec: ReadingSpec
    claimed: str
    comparator: str
    snapshot: SnapshotKey
    checkpoint: dict[str, int | str] | None
    value: float | None
    value_text: str
    verdict: Verdict
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (keys in the module docstring)."""
        s = self.spec
        scope = "national"
        if s.contest is not None or s.region is not None:
            scope = (
                s.region.id if s.region is not None and s.contest is None else f"race:{s.contest}"
            )
        return {
            "assertion": self.assertion,
            "reading": s.words(),
            "measure": s.measure,
            "subject": s.subject.id if s.subject else None,
            "subject_kind": s.subject.kind if s.subject else None,
            "denominator": s.denominator,
            "scope": scope,
            "counting": "decided" if s.decided else "leading",
            "claimed": self.claimed,
            "comparator": self.comparator,
            "value": None if self.value is None else round(self.value, 4),
            "value_text": self.value_text,
            "verdict": self.verdict,
            "reason": self.reason,
            "bulletin": self.snapshot,
            "checkpoint": self.checkpoint,
        }


@dataclass(frozen=True)
class ClaimCheck:
    """A claim with its assertions, readings and verdict."""

    claim: str
    language: str
    assertions: tuple[Assertion, ...]
    readings: tuple[CheckedReading, ...]
    problem: str | None
    snapshots: tuple[SnapshotKey, ...]

    def top(self, snapshot: SnapshotKey | None = None) -> list[CheckedReading]:
        """The most plausible reading of each assertion (in the given or first snapshot)."""
        key = self.snapshots[0] if snapshot is None and self.snapshots else snapshot
        out: list[CheckedReading] = []
        for i in range(len(self.assertions)):
            first = next(
                (r for r in self.readings if r.assertion == i and r.snapshot == key), None
            ) or next((r for r in self.readings if r.assertion == i), None)
            if first is not None:
                out.append(first)
        return out

    @property
    def verdict(self) -> Verdict:
        """The claim's verdict: the worst of its assertions' most plausible readings."""
        tops = self.top()
        return worst([r.verdict for r in tops]) if tops else "not_checkable"

    def to_dict(self) -> dict[str, Any]:
        """JSON form (keys in the module docstring)."""
        doc: dict[str, Any] = {
            "claim": self.claim,
            "language": self.language,
            "verdict": self.verdict,
            "problem": self.problem,
            "assertions": [{"text": a.text, "measure": a.measure} for a in self.assertions],
            "readings": [r.to_dict() for r in self.readings],
        }
        if len(self.snapshots) > 1:
            doc["changes"] = [
                {
                    "assertion": i,
                    "reading": top.spec.words(),
                    "verdicts": [
                        {"bulletin": r.snapshot, "verdict": r.verdict, "value_text": r.value_text}
                        for r in self.readings
                        if r.assertion == i and r.spec == top.spec
                    ],
                }
                for i, top in enumerate(self.top())
            ]
        return doc


def _claimed(a: Assertion) -> str:
    q = a.quantity
    if q is None:
        return "winner"
    return q.text


def _evaluate(
    a: Assertion,
    index: int,
    spec: ReadingSpec,
    snap: Snapshot | None,
    key: SnapshotKey,
    record: Record,
) -> CheckedReading:
    q = a.quantity

    def reading(
        cp: dict[str, int | str] | None,
        value: float | None,
        text: str,
        verdict: Verdict,
        reason: str | None,
    ) -> CheckedReading:
        return CheckedReading(
            index, spec, _claimed(a), a.comparator, key, cp, value, text, verdict, reason
        )

    if snap is None:
        reason = f"there is no bulletin {key}" if isinstance(key, int) else "no final results"
        return reading(None, None, "", "not_checkable", reason)
    actual = actual_value(spec, snap, record, q.kind if q else "count")
    cp = snap.checkpoint.to_dict()
    if actual.value is None:
        return reading(cp, None, "", "not_checkable", actual.reason)
    if q is None:
        verdict: Verdict = "accurate" if actual.value == 1.0 else "inaccurate"
    else:
        verdict = judge(q, a.comparator, actual.value, actual.total)
    return reading(cp, actual.value, actual.text, verdict, None)


def check_assertions(
    text: str,
    language: str,
    assertions: tuple[Assertion, ...],
    record: Record,
    problem: str | None = None,
) -> ClaimCheck:
    """Evaluate already-built assertions (parsed or structured) against the record."""
    readings: list[CheckedReading] = []
    used: list[SnapshotKey] = []
    for i, a in enumerate(assertions):
        keys = (a.bulletin,) if a.bulletin is not None else record.default
        for key in keys:
            if key not in used:
                used.append(key)
        first = record.snapshot(keys[0])
        for spec in enumerate_readings(a, record, first):
            for key in keys:
                readings.append(_evaluate(a, i, spec, record.snapshot(key), key, record))
    return ClaimCheck(text, language, assertions, tuple(readings), problem, tuple(used))


def check_claim(text: str, record: Record) -> ClaimCheck:
    """Check one sentence in Spanish or English against the record."""
    parsed = parse_claim(text, record.catalogue)
    return check_assertions(text, parsed.language, parsed.assertions, record, parsed.problem)
