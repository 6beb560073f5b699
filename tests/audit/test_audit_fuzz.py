"""Fuzzing the audit input files: hand counts (``unit,contest,option,votes[,reason]``),
ballot manifests (``batch,ballots``), CVRs and ballot readings (``ballot_id,contest,option``).

Every input, however broken (bytes flipped, inserted or cut, lines duplicated, non-UTF-8,
huge numbers or cells, control characters), is either accepted or refused with an
:class:`InputError` whose every issue names the file and the line (a whole-file issue: its
code) and says what is wrong; never another exception. Refused imports store nothing.

A seeded byte-level mutator and Hypothesis run fast in the normal suite; the ``slow`` campaign
feeds at least 10,000 inputs of each kind.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from escrutinio.audit.files.ballot_files import (
    MAX_BATCH_BALLOTS,
    parse_ballot_readings,
    parse_manifest,
    parse_marks,
)
from escrutinio.audit.files.handcounts import MAX_COUNT, parse_hand_counts
from escrutinio.audit.files.text import decode, read_input
from escrutinio.audit.stats.sampling import in_manifest
from escrutinio.audit.workflow import persist as sa
from escrutinio.audit.workflow import rounds as wf
from escrutinio.audit.workflow.reported import ReportedContest
from escrutinio.audit.workflow.state import POOLED, AuditState
from escrutinio.model.errors import EscrutinioError, InputError
from escrutinio.model.text import text_problem
from escrutinio.store import schema as t
from escrutinio.store.audit_records import AuditRecords
from escrutinio.store.store import Store
from support import AUDIT_SEED

FILE = "in.csv"
OPTIONS = ("w-a", "w-b", "l")


def reported(cid: str = "c1", tables: int = 12) -> ReportedContest:
    """A small contest: W (options w-a, w-b) against L in ``tables`` tables of 200 ballots."""
    counts = np.tile([100, 10, 86], (tables, 1)).astype(np.int64)
    return ReportedContest(
        contest=cid,
        seats=1,
        option_ids=OPTIONS,
        candidate_ids=("W", "L"),
        option_candidate=(0, 0, 1),
        units=tuple(f"t{i:02d}" for i in range(tables)),
        counts=counts,
        ballots=np.full(tables, 200, dtype=np.int64),
    )


def table_state() -> AuditState:
    """A table-comparison audit with 6 tables drawn."""
    state = AuditState("f", "table-comparison", 0.1, AUDIT_SEED, ("c1",), {"c1": reported()})
    state.rounds.append(wf.draw(state, {"c1": 6}))
    return state


def ballot_state() -> AuditState:
    """A ballot-polling audit over a manifest of the tables, with 20 ballots drawn."""
    rc = reported()
    state = AuditState("b", "ballot-polling", 0.1, AUDIT_SEED, ("c1",), {"c1": rc})
    state.manifest = {u: 200 for u in rc.units}
    state.table_batches = frozenset(rc.units)
    state.test = "bravo"
    state.rounds.append(wf.draw(state, {POOLED: 20}))
    return state


TABLES = table_state()
BALLOTS = ballot_state()
DRAWN = TABLES.missing()[0][0]


def hand_count_seed() -> bytes:
    rows = ["unit,contest,option,votes,reason"]
    for unit, cid in TABLES.missing():
        for opt, v in zip(OPTIONS, (100, 10, 86), strict=True):
            rows.append(f"{unit},{cid},{opt},{v},")
    return ("\n".join(rows) + "\n").encode()


def manifest_seed() -> bytes:
    return ("batch,ballots\n" + "".join(f"t{i:02d},200\n" for i in range(12))).encode()


def cvr_seed() -> bytes:
    rows = ["ballot_id,contest,option,reason"]
    for i in range(12):
        for p in (1, 2, 3):
            rows.append(f"t{i:02d}:{p},c1,{OPTIONS[(i + p) % 3]},")
    return ("\n".join(rows) + "\n").encode()


def readings_seed() -> bytes:
    rows = ["ballot_id,contest,option"]
    rows += [f"{b},{c},w-a" for b, c in BALLOTS.missing()]
    return ("\n".join(rows) + "\n").encode()


def parse_cvrs(text: str) -> object:
    manifest = {f"t{i:02d}": 200 for i in range(12)}

    def accept(ballot: str, cid: str) -> str | None:
        return (
            None if in_manifest(manifest, ballot) else f"ballot {ballot!r} is not in the manifest"
        )

    marks, reasons = parse_marks(text, {"c1": OPTIONS}, accept=accept, file=FILE, skip={"c2"})
    for (ballot, cid), m in marks.items():
        assert in_manifest(manifest, ballot) and cid == "c1" and set(m) <= {0, 1}
    assert all(text_problem(r) is None for r in reasons.values())
    return marks


def parse_tables(text: str) -> object:
    rows = parse_hand_counts(text, TABLES, FILE)
    required = set(TABLES.required())
    for r in rows:
        assert (r.unit, r.contest) in required and len(r.votes) == len(OPTIONS)
        assert all(0 <= v <= MAX_COUNT for v in r.votes) and text_problem(r.reason) is None
    return rows


def parse_batches(text: str) -> object:
    out = parse_manifest(text, FILE)
    assert out and sum(out.values()) > 0
    for batch, n in out.items():
        assert ":" not in batch and text_problem(batch) is None and 0 <= n <= MAX_BATCH_BALLOTS
    return out


def parse_readings(text: str) -> object:
    rows = parse_ballot_readings(text, BALLOTS, FILE)
    required = set(BALLOTS.required())
    assert all((r.unit, r.contest) in required and set(r.votes) <= {0, 1} for r in rows)
    return rows


KINDS: dict[str, tuple[Callable[[], bytes], Callable[[str], object]]] = {
    "hand-counts": (hand_count_seed, parse_tables),
    "manifest": (manifest_seed, parse_batches),
    "cvrs": (cvr_seed, parse_cvrs),
    "readings": (readings_seed, parse_readings),
}


def outcome(kind: str, data: bytes) -> str:
    """Feed one input: ``accepted`` or ``refused``; anything but a well-formed
    :class:`InputError` propagates and fails the test."""
    parse = KINDS[kind][1]
    try:
        parse(decode(data, FILE))
    except InputError as exc:
        assert exc.issues, "an error without issues"
        for issue in exc.issues:
            assert issue.file == FILE and issue.message.strip(), issue
            assert issue.line is not None or issue.code == "empty", issue
            assert issue.line is None or issue.line >= 1
        return "refused"
    return "accepted"


# ------------------------------------------------------------------- the byte mutator
TOKENS = [
    b",",
    b'"',
    b"\n",
    b"\r\n",
    b"\r",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xe2\x80",
    "Bolívar".encode("latin-1"),
    b"\xef\xbb\xbf",
    b"-",
    b"+",
    b"1" * 5000,
    b"9" * 40,
    b"x" * 140_000,
    b"\x1b[31m",
    b"t00:1",
    b"t05",
    b"c1",
    b"w-a",
    b"unit",
    b"ballots",
    b"votes",
    b":",
    b" ",
    b"\t",
    "١٢".encode(),
    "²".encode(),
    b"\\u0000",
]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four random edits of ``data``: flip, insert (a byte or a nasty token),
    delete, duplicate or swap a range of lines, truncate."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(8)
        at = rng.randint(0, len(buf))
        if op == 0 and buf:
            buf[min(at, len(buf) - 1)] = rng.randrange(256)
        elif op == 1:
            buf[at:at] = bytes([rng.randrange(256)])
        elif op == 2:
            buf[at:at] = rng.choice(TOKENS)
        elif op == 3:
            del buf[at : at + rng.randint(1, 40)]
        elif op == 4:
            del buf[at:]
        else:
            lines = bytes(buf).split(b"\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            if op == 5:
                lines.insert(i, lines[j])
            elif op == 6:
                lines[i], lines[j] = lines[j], lines[i]
            else:
                cells = lines[i].split(b",")
                cells.insert(rng.randrange(len(cells) + 1), rng.choice(TOKENS))
                lines[i] = b",".join(cells)
            buf = bytearray(b"\n".join(lines))
    return bytes(buf)


def campaign(kind: str, n: int, seed: int) -> dict[str, int]:
    """Feed ``n`` mutants of the kind's valid file; counts of each outcome."""
    rng = random.Random(seed)
    original = KINDS[kind][0]()
    assert outcome(kind, original) == "accepted"
    tally = {"accepted": 0, "refused": 0}
    for _ in range(n):
        tally[outcome(kind, mutate(original, rng))] += 1
    return tally


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_mutated_files_are_accepted_or_refused_clearly(kind: str) -> None:
    tally = campaign(kind, 400, seed=sum(map(ord, kind)))
    assert tally["refused"] > 100  # the mutator does break files


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_fuzz_campaign(kind: str) -> None:
    tally = campaign(kind, 10_000, seed=2017 + sum(map(ord, kind)))
    assert sum(tally.values()) == 10_000 and tally["refused"] > 2_500


ROW_CELLS = st.sampled_from(
    ["t00", "t01", "t05", "t00:1", "t03:7", "c1", "c2", "w-a", "w-b", "l", "", "0", "7", "-1"]
) | st.text(max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(sorted(KINDS)),
    rows=st.lists(st.lists(ROW_CELLS, min_size=0, max_size=6), max_size=12),
    keep_header=st.booleans(),
)
def test_generated_rows_are_accepted_or_refused_clearly(
    kind: str, rows: list[list[str]], keep_header: bool
) -> None:
    header = KINDS[kind][0]().split(b"\n", 1)[0].decode()
    lines = [header] if keep_header else []
    lines += [",".join(c.replace("\n", " ") for c in r) for r in rows]
    outcome(kind, "\n".join(lines).encode("utf-8", "surrogatepass"))


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(sorted(KINDS)), data=st.binary(max_size=300))
def test_arbitrary_bytes_are_accepted_or_refused_clearly(kind: str, data: bytes) -> None:
    outcome(kind, data)


def test_non_utf8_names_its_line_and_byte_offset(tmp_path: Path) -> None:
    data = hand_count_seed().replace(b",w-b,", ",Bolívar,".encode("latin-1"), 1)
    path = tmp_path / "latin1.csv"
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        read_input(path)
    (issue,) = err.value.issues
    offset = data.index(b"\xed")
    assert issue.line == 3 and issue.file == str(path)
    assert f"byte 0xED at byte offset {offset}" in issue.message and "UTF-8" in issue.message


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("unit,contest,option,votes,votes\n", 1, "repeated column(s): votes"),
        (
            f"unit,contest,option,votes\n{DRAWN},c1,w-a," + "9" * 5000 + "\n",
            2,
            "at most 999,999,999",
        ),
        (f"unit,contest,option,votes\n{DRAWN},c1,w-a,²\n", 2, "non-negative integer, got '²'"),
        (f"unit,contest,option,votes\n{DRAWN},c1,w-a," + "x" * 140_000 + "\n", 2, "field larger"),
    ],
)
def test_hand_count_file_problems_are_specific(text: str, line: int, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_hand_counts(text, TABLES, FILE)
    assert err.value.issues[0].line == line and message in err.value.issues[0].message


def test_reason_with_a_control_character_is_refused() -> None:
    rows = hand_count_seed().decode().splitlines()
    rows[1] = rows[1] + "recount\x1b[2J"
    with pytest.raises(InputError) as err:
        parse_hand_counts("\n".join(rows), TABLES, FILE)
    issue = err.value.issues[0]
    assert issue.field == "reason" and issue.line == 2 and "U+001B" in issue.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("batch,ballots\nt1,5\nt1\x00x,3\n", "control character U+0000"),
        ("batch,ballots\nt1,²\n", "non-negative integer"),
        ("batch,ballots\nt1," + "1" * 5000 + "\n", "at most 999,999,999"),
        ("batch,ballots\nt1,2000000\n", "at most 1,000,000 per batch"),
        ("batch,batch,ballots\nt1,t2,3\n", "repeated column(s): batch"),
    ],
)
def test_manifest_problems_are_specific(text: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_manifest(text, FILE)
    assert any(message in i.message for i in err.value.issues)


def test_in_manifest_refuses_odd_positions() -> None:
    manifest = {"t1": 3}
    assert in_manifest(manifest, "t1:3")
    for ballot in ("t1:²", "t1:+1", "t1:" + "1" * 5000, "t1:-1", "t1:0", "t1:", "t1"):
        assert not in_manifest(manifest, ballot)


def stored(store: Store) -> tuple[int, int]:
    """(log entries, audit count rows)."""
    with store.engine.connect() as conn:
        log = conn.execute(select(func.count()).select_from(t.log_entries)).scalar_one()
        counts = conn.execute(select(func.count()).select_from(t.audit_counts)).scalar_one()
    return int(log), int(counts)


def test_refused_imports_store_nothing(store: Store) -> None:
    state, _ = sa.create_audit(
        AuditRecords(store), "z", "table-comparison", 0.1, AUDIT_SEED, ["gov-A"]
    )
    sa.add_round(AuditRecords(store), state, wf.draw(state, {"gov-A": 3}))
    rows = ["unit,contest,option,votes,reason"]
    for unit, cid in state.missing():
        rc = state.reported[cid]
        votes = rc.counts[rc.position[unit]]
        rows += [f"{unit},{cid},{o},{int(v)}," for o, v in zip(rc.option_ids, votes, strict=True)]
    original = ("\n".join(rows) + "\n").encode()
    rng = random.Random(9)
    refused = 0
    for _ in range(60):
        before = stored(store)
        try:
            parsed = parse_hand_counts(decode(mutate(original, rng), FILE), state, FILE)
            sa.record_counts(AuditRecords(store), state, parsed, FILE)
        except EscrutinioError:
            refused += 1
            assert stored(store) == before
    assert refused > 20
