"""Audit demo on the 2017 regional example: a table-comparison risk-limiting audit of all 23
governor races at 5% risk, run through the CLI as an audit team would, plus the risk that a
54% fixed-percentage table audit attains for Bolívar if it finds no discrepancy.

Usage: python examples/audit_demo.py DATABASE OUT_DIR [LOG_KEY]
(DATABASE: the 2017 store with both waves of actas imported; it is copied, not changed.
LOG_KEY: the log's key files without their .skey/.vkey suffix; when given, the audited
record is published and verified, and the verifier re-derives every draw from the seed.)
"""

from __future__ import annotations

import csv
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

SEED = (
    "83920174650218374629"  # a fixed demo seed; a real audit rolls it in public after the results
)
DISCREPANCY_CONTEST = "gov-VE07"  # Bolívar: the 0.26% margin


def run(db: str, *args: str) -> None:
    """Run one ``escrutinio`` command as a user would, echoing it."""
    exe = Path(sys.executable).with_name("escrutinio")
    cmd = [str(exe) if exe.exists() else "escrutinio", *args]
    print(f"\n$ escrutinio {shlex.join(args)}", flush=True)
    env = {**os.environ, "ESCRUTINIO_DB": db, "COLUMNS": "120"}
    subprocess.run(cmd, check=True, env=env)


def fill_hand_counts(retrieval_dir: Path, out: Path, round_no: int, *, discrepancy: bool) -> int:
    """Write the audit boards' hand counts for one round: equal to the actas except, if asked,
    two votes moved from the winner to the runner-up in the first Bolívar table drawn."""
    rows = []
    changed = False
    with (retrieval_dir / "retrieval.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if int(r["round"]) != round_no:
                continue
            for contest, part in zip(r["contests"].split(), r["reported"].split("; "), strict=True):
                votes = {k: int(v) for k, v in (x.split("=") for x in part.split())}
                if discrepancy and not changed and contest == DISCREPANCY_CONTEST:
                    top = sorted(votes, key=lambda o: -votes[o])
                    moved = min(2, votes[top[0]])
                    votes[top[0]] -= moved
                    votes[top[1]] += moved
                    changed = True
                    print(
                        f"  (simulated hand count: {moved} votes planted as misattributed "
                        f"at {r['unit']})"
                    )
                for option, v in votes.items():
                    rows.append(
                        {"unit": r["unit"], "contest": contest, "option": option, "votes": v}
                    )
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["unit", "contest", "option", "votes"])
        w.writeheader()
        w.writerows(rows)
    return len(rows)


def needs_next_round(db: str, name: str) -> bool:
    """Whether the audit asks for another round (read from the store, as ``status`` shows)."""
    from escrutinio.audit.workflow.persist import load_audit
    from escrutinio.audit.workflow.rounds import next_round_sizes, status
    from escrutinio.store.audit_records import AuditRecords
    from escrutinio.store.store import Store

    store = Store.open(db)
    try:
        state = load_audit(AuditRecords(store), name)
        return bool(next_round_sizes(state, status(state)))
    finally:
        store.close()


def main(db_path: str, out_dir: str, log_key: str | None = None) -> None:
    """Run the demo against a copy of ``db_path``, writing documents under ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    db = str(out / "audit_demo.db")
    shutil.copyfile(db_path, db)
    for suffix in ("-wal", "-shm"):
        if Path(db_path + suffix).exists():
            shutil.copyfile(db_path + suffix, db + suffix)
    source = Path(db_path)
    images = source.with_name(f"{source.stem}-images")  # the acta photos of the copied store
    if images.is_dir():
        os.environ["ESCRUTINIO_IMAGES"] = str(images)
    name = "rla-2017"
    run(db, "audit", "create", name, "--all", "--method", "table-comparison",
        "--risk-limit", "0.05", "--seed", SEED)  # fmt: skip
    round_no = 0
    while True:
        round_no += 1
        run(db, "audit", "draw", name)
        ret = out / f"retrieval-round{round_no}"
        run(db, "audit", "retrieval", name, "--out", str(ret), "--show-reported")
        counts = out / f"hand_counts_round{round_no}.csv"
        n = fill_hand_counts(ret, counts, round_no, discrepancy=round_no == 1)
        print(
            f"  (simulated hand counts, equal to the actas but for the planted error: "
            f"{n} option counts in {counts.name})"
        )
        run(db, "audit", "record", name, str(counts))
        if round_no == 1:
            run(db, "audit", "record", name, str(counts))  # re-import: a no-op
        run(db, "audit", "status", name)
        if not needs_next_round(db, name) or round_no >= 3:
            break
    run(db, "audit", "report", name, "--out", str(out / "report"))
    run(db, "audit", "create", "fixed54-bolivar", "--contest", DISCREPANCY_CONTEST,
        "--method", "fixed-percentage", "--percent", "54", "--risk-limit", "0.05",
        "--seed", SEED)  # fmt: skip
    if log_key is not None:
        print("\nThe audit is part of the public record: publish it; the verifier re-derives")
        print("every table drawn from the seed, so no table can have been hand-picked.")
        site = str(out / "published")
        run(db, "publish", site, "--key", f"{log_key}.skey")
        run(db, "verify", site, "--log-key", f"{log_key}.vkey")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(*sys.argv[1:])
