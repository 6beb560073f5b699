"""Benchmark: re-publish after a bulletin that changes 1,000 actas of a 1M-table election.

Builds a synthetic election (``bench/_synthetic.py``: N tables × 1 contest × 12 options),
stores all but the last ``--changed`` actas through the store's intake, records bulletin 1
and publishes it with the results website (as ``escrutinio publish`` does); then stores the
remaining actas, records bulletin 2 and re-publishes (incremental integrity check), then
re-publishes with ``--full-check``'s full integrity check for comparison (unless
``--no-full-check``). Prints the wall-clock and process CPU time of each publication.

    .venv/bin/python bench/republish.py --units 1000000 [--changed 1000] [--work DIR]

Goal (issue 11): the re-publish after the bulletin ≤ 15 s. Copy the printed lines into
docs/benchmarks.md with the command line.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _synthetic import write_synthetic
from escrutinio import reads
from escrutinio.io.acta_chunks import file_chunks
from escrutinio.io.definition_files import load_definition
from escrutinio.ledger.keys import generate_key, load_signer_key, write_signer_key
from escrutinio.ledger.merkle import MerkleTree
from escrutinio.ledger.resumed import ResumedTree, saved_nodes
from escrutinio.model.definition import Definition
from escrutinio.publish.integrity import check_store_state
from escrutinio.publish.site import publish
from escrutinio.store import definitions as store_definitions
from escrutinio.store import intake as store_intake
from escrutinio.store.checkpoints import sign_checkpoint_now
from escrutinio.store.integrity_marks import IntegrityMark
from escrutinio.store.store import Store
from escrutinio.website.publication import publication_site


def _split(actas: Path, changed: int) -> tuple[Path, Path]:
    """The acta file cut in two: all but the last ``changed`` rows, and those rows."""
    lines = actas.read_text(encoding="utf-8").splitlines(keepends=True)
    first, second = actas.with_name("wave1.csv"), actas.with_name("wave2.csv")
    first.write_text("".join(lines[: len(lines) - changed]), encoding="utf-8")
    second.write_text(lines[0] + "".join(lines[len(lines) - changed :]), encoding="utf-8")
    return first, second


def _checks_only(store: Store, wave2: Path, definition: Definition, changed: int) -> int:
    """Time the full check, record its mark with a signed checkpoint of its size (as
    ``publish`` does) and keep its acta versions as the carried frame, add the second wave
    and a bulletin, then time the incremental check, the incremental check with nothing
    changed, and the full check again."""
    signer = generate_key("bench.example/log")

    def marked(tree: MerkleTree) -> IntegrityMark:
        sign_checkpoint_now(store, signer, tree)
        return IntegrityMark(tree.size, tree.root(), saved_nodes(tree, tree.size))

    start = time.perf_counter()
    problems, state, tree = check_store_state(store)
    print(f"full check of {state.size:,} leaves: {time.perf_counter() - start:.1f} s", flush=True)
    assert not problems, problems
    mark, carried = marked(tree), state.acta_frame()
    store_intake.ingest_chunks(store, file_chunks(wave2, definition))
    reads.record_bulletin(store)
    for label in (f"after {changed:,} more actas + bulletin", "with nothing changed"):
        start = time.perf_counter()
        problems, state, tree = check_store_state(store, mark, carried)
        took = time.perf_counter() - start
        print(f"incremental check {label}: {took:.2f} s", flush=True)
        assert not problems, problems
        assert isinstance(tree, ResumedTree), "the incremental check did not resume the tree"
        mark, carried = marked(tree), state.acta_frame()
    start = time.perf_counter()
    problems, state, _ = check_store_state(store)
    print(f"full check of {state.size:,} leaves: {time.perf_counter() - start:.1f} s", flush=True)
    store.close()
    return 0


def _copy_db(src: Path, dst: Path) -> None:
    """Copy the SQLite store (with its WAL files, when present) from ``src`` to ``dst``."""
    for name in ("e.db", "e.db-wal", "e.db-shm"):
        (dst / name).unlink(missing_ok=True)
        if (src / name).is_file():
            shutil.copyfile(src / name, dst / name)


def main() -> int:
    """Run the benchmark and print one line per phase; exit status 1 when the goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--changed", type=int, default=1_000)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument(
        "--check-only",
        action="store_true",
        help="time only the store integrity check after the bulletin (full, then incremental)",
    )
    parser.add_argument(
        "--no-full-check",
        action="store_true",
        help="skip the last re-publish with --full-check's full check",
    )
    parser.add_argument(
        "--snapshot",
        type=Path,
        default=None,
        help="keep the store, key and publication after bulletin 1 in this folder (first run)"
        " and start later runs from a copy of it (skips storing and publishing bulletin 1)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print the re-publish's cProfile top 30 (cumulative) and top 25 (own time)",
    )
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="escrutinio-republish-bench-"))
    shutil.rmtree(work / "pub", ignore_errors=True)
    (work / "e.db").unlink(missing_ok=True)
    t0 = time.perf_counter()
    definition_path, actas = write_synthetic(work / "data", args.units)
    wave1, wave2 = _split(actas, args.changed)
    print(f"synthetic data ({args.units:,} tables): {time.perf_counter() - t0:.1f} s", flush=True)
    snap = args.snapshot
    restored = snap is not None and (snap / "done").is_file()
    if restored:
        assert snap is not None
        _copy_db(snap, work)
        shutil.copytree(snap / "pub", work / "pub")
        print(f"restored store and publication of bulletin 1 from {snap}", flush=True)
    store = Store.open(str(work / "e.db"))
    definition = load_definition(definition_path)
    if restored:
        assert snap is not None
        signer = load_signer_key(snap / "bench.key")
    else:
        store_definitions.load_definition(store, definition)
        signer = generate_key("escrutinio.example/bench")

    def timed(label: str, profile: bool = False, full_check: bool = False) -> float:
        prof = cProfile.Profile() if profile else None
        cpu = time.process_time()
        start = time.perf_counter()
        if prof is not None:
            prof.enable()
        rep = publish(store, work / "pub", signer, website=publication_site, full_check=full_check)
        took = time.perf_counter() - start
        cpu = time.process_time() - cpu
        if prof is not None:
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
            pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        print(
            f"{label}: {took:.1f} s, CPU {cpu:.1f} s ({len(rep.written):,} files written, "
            f"{rep.unchanged:,} unchanged, {len(rep.removed)} removed; check: {rep.check})",
            flush=True,
        )
        return took

    if not restored:
        t0 = time.perf_counter()
        store_intake.ingest_chunks(store, file_chunks(wave1, definition))
        reads.record_bulletin(store)
        if args.check_only:
            return _checks_only(store, wave2, definition, args.changed)
        print(
            f"store {args.units - args.changed:,} actas + bulletin 1: "
            f"{time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        timed("publish bulletin 1 (full check, whole site)")
        if snap is not None:
            store.close()
            shutil.rmtree(snap, ignore_errors=True)
            snap.mkdir(parents=True)
            _copy_db(work, snap)
            shutil.copytree(work / "pub", snap / "pub")
            write_signer_key(snap / "bench.key", signer)
            (snap / "done").write_text(f"{args.units} units\n")
            store = Store.open(str(work / "e.db"))
            print(f"snapshot of bulletin 1 kept in {snap}", flush=True)
    elif args.check_only:
        raise SystemExit("--check-only needs a run without a restored snapshot")
    t0 = time.perf_counter()
    store_intake.ingest_chunks(store, file_chunks(wave2, definition))
    reads.record_bulletin(store)
    print(
        f"store {args.changed:,} more actas + bulletin 2: {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    republish = timed("RE-PUBLISH bulletin 2 (incremental check; goal ≤ 15 s)", args.profile)
    timed("re-publish, nothing changed (incremental check)")
    if not args.no_full_check:
        timed("re-publish, nothing changed, full check", full_check=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"peak RSS: {peak:,.0f} MiB; load average {load}; work dir {work}")
    store.close()
    return 0 if republish <= 15 else 1


if __name__ == "__main__":
    raise SystemExit(main())
