"""Benchmark of the observer's audit recomputation: ``escrutinio verify`` on a publication
with audits, printing the ``audits`` step's wall time (draws re-derived, risks recomputed)
against the whole verification's, and the process's peak memory.

Run (after ``make demo``, which writes the audited publication of the 2017 demo):
.venv/bin/python bench/verify_audits.py demo-output/audit-2017/published \
    demo-output/keys/escrutinio.example_ve-2017-regional.vkey
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from escrutinio.verify.notes import parse_key
from escrutinio.verify.verifier import verify_publication


def main() -> None:
    """Verify the publication and print the audits step's figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("publication", type=Path)
    parser.add_argument("log_key", type=Path)
    args = parser.parse_args()
    key = parse_key(args.log_key.read_text(encoding="utf-8"))
    start = time.perf_counter()
    report = verify_publication(args.publication, key)
    total = time.perf_counter() - start
    check = next(c for c in report.checks if c.name == "audits")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"verified: {report.ok}; whole verification {total:.1f} s; peak RSS {peak:.0f} MiB")
    print(f"audits step: {check.seconds:.2f} s — {check.detail}")


if __name__ == "__main__":
    main()
