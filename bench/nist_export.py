"""NIST SP 1500-100 v2 export and import of the 2017 demo at table level.

Builds the 2017 demo store (23 governor races, 31,468 tables; both waves, two bulletins)
unless ``--db`` names one, then runs ``escrutinio export nist`` (XML and JSON, every table;
and the google flavour's XML), ``escrutinio convert --from nist`` and Google's
``civics-cdf-validator`` on the google flavour (every rule) as separate processes and prints
wall time, peak resident memory and output size of each.

    .venv/bin/python bench/nist_export.py [--db demo-output/ve2017.db] [--work DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(
    *args: str, env: dict[str, str], tool: str = "escrutinio", ok: int = 0
) -> tuple[float, float]:
    """Run one escrutinio command (or ``tool``); its wall seconds and peak RSS in MiB."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(BIN / tool), *args], env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) > ok:
        sys.exit(f"{tool} {' '.join(args)} failed")
    return seconds, usage.ru_maxrss / 1024


def build_2017(work: Path, env: dict[str, str]) -> Path:
    """The 2017 demo store, both waves imported and two bulletins recorded."""
    data = work / "ve2017"
    subprocess.check_call(
        [str(BIN / "python"), str(ROOT / "examples" / "venezuela-2017" / "generate.py"), str(data)]
    )
    db = work / "ve2017.db"
    env = {**env, "ESCRUTINIO_DB": str(db)}
    quiet = {"env": env, "stdout": subprocess.DEVNULL}
    subprocess.check_call([str(BIN / "escrutinio"), "init", str(data / "election.yaml")], **quiet)  # type: ignore[arg-type]
    for wave in ("actas_wave1.csv", "actas_wave2.csv"):
        subprocess.check_call([str(BIN / "escrutinio"), "import", str(data / wave)], **quiet)  # type: ignore[arg-type]
        subprocess.check_call([str(BIN / "escrutinio"), "bulletin"], **quiet)  # type: ignore[arg-type]
    return db


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="nist-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    db = args.db or build_2017(work, env)
    env["ESCRUTINIO_DB"] = str(db)
    print("2017 demo, 23 contests, 31,468 tables, every table (precinct-level)")
    for fmt in ("xml", "json"):
        out = work / f"nist-2017.{fmt}"
        seconds, peak = timed("export", "nist", "--format", fmt, "--out", str(out), env=env)
        size = out.stat().st_size / 2**20
        print(
            f"export {fmt:4}  {seconds:6.1f} s  peak RSS {peak:6.0f} MiB  {size:6.1f} MiB written"
        )
    google = work / "google-2017.xml"
    seconds, peak = timed(
        "export", "nist", "--flavor", "google", "--country", "ve", "--out", str(google), env=env
    )
    size = google.stat().st_size / 2**20
    print(f"export google {seconds:6.1f} s  peak RSS {peak:6.0f} MiB  {size:6.1f} MiB written")
    from lxml import etree

    found = etree.parse(str(google), etree.XMLParser(huge_tree=True)).xpath(
        "//ExternalIdentifier[Type='ocd-id']/Value/text()"
    )
    ocd = work / "ocd-ids.csv"
    ocd.write_text("id,name\n" + "".join(f"{i},{i}\n" for i in sorted(set(found))))
    xsd = ROOT / "src" / "escrutinio" / "data" / "nist" / "escrutinio_google_cdf.xsd"
    seconds, peak = timed(
        "validate",
        str(google),
        "--xsd",
        str(xsd),
        "--rule_set",
        "election_results",
        "--ocdid_file",
        str(ocd),
        "-c",
        "ve",
        env=env,
        tool="civics_cdf_validator",
        ok=2,  # exit status = highest severity found; 2 = warnings, 3 = errors
    )
    print(f"civics-cdf-validator (google XML)  {seconds:6.1f} s  peak RSS {peak:6.0f} MiB")
    for fmt in ("xml", "json"):
        src = work / f"nist-2017.{fmt}"
        seconds, peak = timed(
            "convert", "--from", "nist", str(src), "--out", str(work / f"convert-{fmt}"), env=env
        )
        print(f"import {fmt:4}  {seconds:6.1f} s  peak RSS {peak:6.0f} MiB")


if __name__ == "__main__":
    main()
