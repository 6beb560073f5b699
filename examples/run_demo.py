"""The main job (`make demo`): election night 2017 replayed, then the 2024 citizen actas.

Each step runs the `escrutinio` command exactly as a user would type it, and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def run(*args: str, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> None:
    """Print and run one escrutinio command; stop the demo if it fails."""
    print(f"\n$ escrutinio {shlex.join(args)}", flush=True)
    code = subprocess.call([str(BIN / "escrutinio"), *args], env=env)
    if code not in ok:
        sys.exit(f"demo step failed with exit status {code}: escrutinio {shlex.join(args)}")


def validate_nist(xml: Path, js: Path) -> None:
    """Check the NIST exports against NIST's XSD and JSON Schema (shipped with escrutinio)."""
    import json

    import jsonschema
    from lxml import etree

    data = HERE.parent / "src" / "escrutinio" / "data" / "nist"
    schema = etree.XMLSchema(etree.parse(str(data / "NIST_V2_election_results_reporting.xsd")))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    if not schema.validate(etree.parse(str(xml), parser)):
        sys.exit(f"{xml}: not valid against NIST's XSD: {schema.error_log.last_error}")
    print(f"{xml.name}: valid against NIST's XSD (NIST_V2_election_results_reporting.xsd)")
    json_schema = json.loads((data / "NIST_V2_election_results_reporting.json").read_text())
    errors = list(jsonschema.Draft4Validator(json_schema).iter_errors(json.loads(js.read_text())))
    if errors:
        sys.exit(f"{js}: not valid against NIST's JSON Schema: {errors[0].message}")
    print(f"{js.name}: valid against NIST's JSON Schema (NIST_V2_election_results_reporting.json)")


def validate_google(xml: Path) -> None:
    """Run Google's civics-cdf-validator (every rule of its election_results set) on the
    google-flavour export, offline: its OCD-ID list is the ids the file gives."""
    from lxml import etree

    data = HERE.parent / "src" / "escrutinio" / "data" / "nist"
    found = etree.parse(str(xml)).xpath("//ExternalIdentifier[Type='ocd-id']/Value/text()")
    ocd = xml.with_name("ocd-ids.csv")
    ocd.write_text("id,name\n" + "".join(f"{i},{i}\n" for i in sorted(set(found))))
    args = [
        str(BIN / "civics_cdf_validator"),
        "validate",
        str(xml),
        "--xsd",
        str(data / "escrutinio_google_cdf.xsd"),
        "--rule_set",
        "election_results",
        "--ocdid_file",
        str(ocd),
        "-c",
        "ve",
    ]
    print(f"\n$ {shlex.join(args)}", flush=True)
    # exit status: the highest severity found (3 = errors); warnings are explained in
    # docs/interop.md
    if subprocess.call(args) >= 3:
        sys.exit(f"{xml}: civics-cdf-validator found errors")


def banner(text: str) -> None:
    """Print a section title."""
    print(f"\n{'=' * 78}\n{text}\n{'=' * 78}", flush=True)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def second_wave(
    out: Path, data17: Path, keys: Path, log_key: Path, env: dict[str, str], env17: dict[str, str]
) -> None:
    """The second wave of 2017 through the submission API: three transmission centres and
    two MUD witnesses (with photos of their actas) send signed envelopes to `serve`."""
    print(
        "\nSecond wave: the remaining actas, up to 17 October, arrive through the submission API\n"
        "from three simulated transmission centres (each scoped to its states) and two MUD\n"
        "witnesses (each scoped to two Bolívar tables), who also send photos of the paper actas."
    )
    python = str(BIN / "python")
    subprocess.check_call([python, str(HERE / "venezuela-2017" / "transmission.py"), str(data17)])
    api = data17 / "api"
    senders = json.loads((api / "senders.json").read_text(encoding="utf-8"))
    for sender in senders:
        name = sender["name"]
        run("keys", "generate", "--sender", name, "--out", str(keys), env=env)
        scope = (
            ("--regions", ",".join(sender["regions"]))
            if "regions" in sender
            else ("--units", ",".join(sender["units"]))
        )
        run(
            "senders",
            "add",
            name,
            "--key",
            str(keys / f"{name}.vkey"),
            "--source",
            sender["source"],
            *scope,
            env=env17,
        )
    port = free_port()
    serve = [
        str(BIN / "escrutinio"),
        "serve",
        "--accept-actas",
        "--receipt-key",
        f"{log_key}.skey",
        "--images",
        str(out / "ve2017-images"),
        "--port",
        str(port),
        "--rate",
        "100",
        "--burst",
        "200",
    ]
    print(f"\n$ escrutinio {shlex.join(serve[1:])} &", flush=True)
    server = subprocess.Popen(serve, env=env17)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit("demo step failed: the submission server did not start")
                time.sleep(0.2)
        for sender in senders:
            name = sender["name"]
            images = ("--images", str(api / "images")) if "units" in sender else ()
            run(
                "submit",
                str(api / sender["file"]),
                "--server",
                url,
                "--key",
                str(keys / f"{name}.skey"),
                *images,
                "--log-key",
                f"{log_key}.vkey",
                "--receipts",
                str(out / "receipts" / name),
                "--journal",
                str(out / "receipts" / f"{name}.journal.jsonl"),
                env=env,
            )
        print("\nA re-run after a lost connection sends nothing: the journal holds every receipt.")
        name = senders[0]["name"]
        run(
            "submit",
            str(api / senders[0]["file"]),
            "--server",
            url,
            "--key",
            str(keys / f"{name}.skey"),
            "--receipts",
            str(out / "receipts" / name),
            "--journal",
            str(out / "receipts" / f"{name}.journal.jsonl"),
            env=env,
        )
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def main() -> None:
    """Run the demo into ``--out`` (wiped first)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("demo-output"))
    out: Path = parser.parse_args().out.resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    env = {**os.environ, "COLUMNS": os.environ.get("COLUMNS", "100")}
    python = str(BIN / "python")

    banner("1. Venezuela, regional elections of 15 October 2017: election night replayed")
    data17 = out / "ve2017"
    print("Generating the 2017 polling units and actas (see examples/venezuela-2017/README.md)")
    subprocess.check_call([python, str(HERE / "venezuela-2017" / "generate.py"), str(data17)])
    env17 = {**env, "ESCRUTINIO_DB": str(out / "ve2017.db")}
    keys = out / "keys"
    origin = "escrutinio.example/ve-2017-regional"
    print("\nThe electoral authority creates the log's signing key; an observer its witness key.")
    run("keys", "generate", "--name", origin, "--out", str(keys), env=env)
    run("witness", "init", "--name", "observer.example/mission", "--out", str(keys), env=env)
    log_key = keys / "escrutinio.example_ve-2017-regional"
    witness_key = keys / "observer.example_mission"
    env17["ESCRUTINIO_KEY"] = f"{log_key}.skey"  # every bulletin also signs a checkpoint
    run("init", str(data17 / "election.yaml"), env=env17)
    print("\nFirst wave: the actas transmitted by 22:00 on election night (~95.8%).")
    run(
        "import",
        str(data17 / "actas_wave1.csv"),
        "--received-at",
        "2017-10-15T22:00:00-04:00",
        env=env17,
    )
    run("bulletin", env=env17)
    run("results", "--contest", "gov-VE07", "--contest", "gov-VE14", env=env17)
    second_wave(out, data17, keys, log_key, env, env17)
    run("bulletin", env=env17)
    run("results", "--contest", "gov-VE07", env=env17)
    run("bulletins", env=env17)
    claims17 = HERE / "claims" / "claims-2017.yaml"
    print(
        "\nWhat was said about the results, checked against both bulletins and the final count\n"
        "(exit status 1: some claims are inaccurate; see examples/claims/claims-2017.yaml)."
    )
    run("claims", "--file", str(claims17), "--all-bulletins", env=env17, ok=(0, 1))
    run(
        "claims",
        "64% of the national vote",
        "--bulletin",
        "2",
        "--role",
        "incumbent=GPP",
        "--format",
        "json",
        env=env17,
        ok=(1,),
    )
    print("\nRe-importing a file is safe: identical actas are no-ops.")
    run("import", str(data17 / "actas_wave2.csv"), env=env17)

    banner("2. Publish the record; an observer's witness cosigns; anyone verifies")
    site = out / "published-2017"
    publish = ("publish", str(site), "--key", f"{log_key}.skey")
    run(*publish, "--witness-key", f"{witness_key}.vkey", env=env17)
    run(
        "witness",
        "cosign",
        str(site),
        "--key",
        f"{witness_key}.skey",
        "--log-key",
        f"{log_key}.vkey",
        "--state",
        str(out / "witness-state"),
        env=env,
    )
    cosignature = next((site / "cosignatures").rglob("*.note"))
    run(
        "log",
        "add-cosignature",
        str(cosignature),
        "--witness-key",
        f"{witness_key}.vkey",
        env=env17,
    )
    print(
        "\nRe-publishing writes only what changed (here: the checkpoint with its cosignature,\n"
        "the manifest and the pages that show the checkpoint)."
    )
    run(*publish, "--witness-key", f"{witness_key}.vkey", env=env17)
    run(
        "verify",
        str(site),
        "--log-key",
        f"{log_key}.vkey",
        "--witness-key",
        f"{witness_key}.vkey",
        "--min-witnesses",
        "1",
        "--state",
        str(out / "verifier-state"),
        env=env,
    )

    print(
        "\nThe senders' receipts against the publication: every witness receipt and the first\n"
        "five of each transmission centre (each check reads the whole log, so not all 1,322)."
    )
    receipts = sorted((out / "receipts" / "mud-testigo-1").glob("*.json"))
    receipts += sorted((out / "receipts" / "mud-testigo-2").glob("*.json"))
    for n in range(1, 4):
        receipts += sorted((out / "receipts" / f"cne-transmision-{n}").glob("*.json"))[:5]
    run(
        "verify",
        str(site),
        "--log-key",
        f"{log_key}.vkey",
        *(a for r in receipts for a in ("--receipt", str(r))),
        env=env,
    )
    print("\nThe witnesses' photos: each QR code is decoded and compared with the typed acta.")
    run("qr-check", env=env17, ok=(1,))

    banner("3. Risk-limiting audit of the 23 races (table comparison, 5% risk)")
    print(
        "This part is a simulation. No paper was counted: the 'hand counts' below are\n"
        "simulated, equal to the actas except for one planted error (2 votes moved from the\n"
        "table's leading option to the second in the first Bolívar table drawn). The seed is\n"
        "a fixed demo seed written in examples/audit_demo.py; a real audit rolls its seed in\n"
        "public after the results are published, so that no one can know the tables in advance."
    )
    code = subprocess.call(
        [
            python,
            str(HERE / "audit_demo.py"),
            str(out / "ve2017.db"),
            str(out / "audit-2017"),
            str(log_key),
        ],
        env=env,
    )
    if code:
        sys.exit(f"audit demo failed with exit status {code}")

    banner("4. Examine: the MUD witnesses' copies of Bolívar's actas, and forensics")
    print("Generating hypothetical witness copies (examples/venezuela-2017/witness_copies.py)")
    subprocess.check_call([python, str(HERE / "venezuela-2017" / "witness_copies.py"), str(data17)])
    run("import", str(data17 / "actas_witness_mud.csv"), env=env17)
    run(
        "reconcile",
        "official",
        "witness:MUD",
        "--contest",
        "gov-VE07",
        "--out",
        str(out / "reconcile-2017"),
        env=env17,
    )
    run(
        "forensics",
        "--contest",
        "gov-VE07",
        "--contest",
        "gov-VE14",
        "--contest",
        "gov-VE23",
        "--out",
        str(out / "forensics-2017"),
        env=env17,
    )
    print(
        "\nRe-publishing with --reports puts both reports in the 2017 site (reports/<folder>/,\n"
        "linked from its open-data page and listed in the manifest, so verify checks them);\n"
        "--claims adds the page of checked claims (reports/claims/)."
    )
    run(
        *publish,
        "--witness-key",
        f"{witness_key}.vkey",
        "--reports",
        str(out / "reconcile-2017"),
        "--reports",
        str(out / "forensics-2017"),
        "--claims",
        str(claims17),
        env=env17,
    )
    run(
        "verify",
        str(site),
        "--log-key",
        f"{log_key}.vkey",
        "--witness-key",
        f"{witness_key}.vkey",
        "--state",
        str(out / "verifier-state"),
        env=env,
    )

    banner("5. Venezuela, presidential election of 28 July 2024: citizen-collected actas")
    data24 = out / "ve2024"
    run(
        "convert",
        str(HERE / "venezuela-2024" / "mapping.yaml"),
        str(HERE / "venezuela-2024" / "source" / "actas_resultadosconvzla_v1.csv"),
        "--out",
        str(data24),
        env=env,
    )
    env24 = {**env, "ESCRUTINIO_DB": str(out / "ve2024.db")}
    run("init", str(data24 / "election.yaml"), env=env24)
    run("import", str(data24 / "actas.csv"), env=env24)
    run("results", env=env24)
    run(
        "claims",
        "Edmundo González obtuvo 67% de los votos",
        "Maduro ganó la elección presidencial",
        "La participación fue de 59%",
        "--role",
        "incumbent=maduro",
        env=env24,
        ok=(1,),
    )
    run("forensics", "--out", str(out / "forensics-2024"), env=env24)
    print("\nThe 2024 collection is published with its own key and website, and verified.")
    origin24 = "escrutinio.example/ve-2024-citizen"
    run("keys", "generate", "--name", origin24, "--out", str(keys), env=env)
    key24 = keys / "escrutinio.example_ve-2024-citizen"
    run("bulletin", "--key", f"{key24}.skey", env=env24)
    site24 = out / "published-2024"
    run("publish", str(site24), "--key", f"{key24}.skey", env=env24)
    run("verify", str(site24), "--log-key", f"{key24}.vkey", env=env)

    banner("3. The 2017 results in the NIST SP 1500-100 v2 format (docs/interop.md)")
    nist_xml, nist_json = out / "nist-2017.xml", out / "nist-2017.json"
    run("export", "nist", "--out", str(nist_xml), env=env17)
    print("(the JSON export stops at the municipality level: validating every table's JSON")
    print(" with the Python jsonschema package takes minutes)")
    run(
        "export",
        "nist",
        "--format",
        "json",
        "--level",
        "municipality",
        "--out",
        str(nist_json),
        env=env17,
    )
    validate_nist(nist_xml, nist_json)
    google_xml = out / "google-2017.xml"
    run(
        "export",
        "nist",
        "--flavor",
        "google",
        "--country",
        "ve",
        "--level",
        "state",
        "--out",
        str(google_xml),
        env=env17,
    )
    validate_google(google_xml)
    run("convert", "--from", "nist", str(nist_xml), "--out", str(out / "from-nist-2017"), env=env)

    print(f"\nDemo finished. Databases and files are in {out}")
    print(
        "Look at the results website: .venv/bin/escrutinio serve demo-output/published-2017 "
        "(or published-2024), then open http://127.0.0.1:8000"
    )


if __name__ == "__main__":
    main()
