"""`verify` reads only confined, bounded files of an untrusted bundle (issue 9, items 6 and 9).

Each test hands the verifier one hostile bundle and checks the specific message; the bundle
itself is never changed by the verifier.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from ledger_pubkit import Pub
from memsource import load_folder
from typer.testing import CliRunner

from escrutinio.cli.main import app
from escrutinio.ledger.cosignature import CosignatureSigner, cosign
from escrutinio.ledger.keys import generate_key
from escrutinio.ledger.note import sign_note
from escrutinio.model.canonical import canonical_json_fast
from escrutinio.publish.site import MANIFEST_NOTE, manifest_note_text
from escrutinio.verify.source import MAX_ENTRY_BUNDLE_BYTES, MAX_NOTE_BYTES, limit_for
from escrutinio.verify.verifier import Report, verify_publication


def _verify(pub: Pub, location: str | Path | None = None, **kw: int) -> Report:
    return verify_publication(location or pub.out, pub.log_key, [pub.witness_key], 1, None, **kw)


def _failure(report: Report) -> tuple[str, str]:
    assert not report.ok
    first = report.failures()[0]
    return first.name, first.detail


def _manifest(out: Path) -> dict[str, object]:
    doc: dict[str, object] = json.loads((out / "manifest.json").read_bytes())
    return doc


def _rewrite_manifest(pub: Pub, doc: dict[str, object], *, sign: bool) -> None:
    raw = canonical_json_fast(doc)
    (pub.out / "manifest.json").write_bytes(raw)
    if sign:  # the operator itself (log key) forging: deeper checks must still catch it
        text = manifest_note_text(
            str(doc["origin"]), int(str(doc["size"])), str(doc["root_hash"]), raw
        )
        (pub.out / MANIFEST_NOTE).write_text(sign_note(text, [pub.signer]), encoding="utf-8")


def _with_entry(pub: Pub, rel: str, digest: str, *, sign: bool = True) -> None:
    doc = _manifest(pub.out)
    files = doc["files"]
    assert isinstance(files, dict)
    files[rel] = digest
    _rewrite_manifest(pub, doc, sign=sign)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "observer-secret.txt"
    path.write_text("the observer's private file", encoding="utf-8")
    return path


def test_honest_bundle_has_nothing_uncovered(pub: Pub) -> None:
    report = _verify(pub)
    assert report.ok and report.exit_code == 0 and report.uncovered == []
    assert next(c for c in report.checks if c.name == "binding").ok


@pytest.mark.parametrize("kind", ["dotdot", "absolute"])
def test_manifest_paths_outside_the_bundle_are_refused_before_reading(
    pub: Pub, secret: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rel = "../observer-secret.txt" if kind == "dotdot" else str(secret)
    digest = hashlib.sha256(secret.read_bytes()).hexdigest()
    _with_entry(pub, rel, digest)
    before = load_folder(pub.out)
    opened: list[str] = []
    real_open = os.open

    def spy(path: str, *args: int) -> int:
        opened.append(str(path))
        return real_open(path, *args)

    monkeypatch.setattr(os, "open", spy)
    name, detail = _failure(_verify(pub))
    assert name == "manifest"
    reason = "'..' segment" if kind == "dotdot" else "is an absolute path"
    assert detail.startswith("manifest.json: refused entry: ") and reason in detail
    assert not any("observer-secret" in p for p in opened)
    assert load_folder(pub.out) == before


def test_link_escaping_the_bundle_is_refused(pub: Pub, secret: Path) -> None:
    shutil.copy(pub.out / "fields.json", secret)
    (pub.out / "fields.json").unlink()
    (pub.out / "fields.json").symlink_to(secret)
    name, detail = _failure(_verify(pub))
    assert (name, detail) == (
        "manifest",
        "fields.json: a symbolic link that leads outside the publication",
    )


def test_link_inside_the_bundle_is_followed(pub: Pub) -> None:
    shutil.move(pub.out / "fields.json", pub.out / "fields-copy.json")
    (pub.out / "fields.json").symlink_to("fields-copy.json")
    report = _verify(pub)
    assert report.ok and report.uncovered == ["fields-copy.json"]


def test_dev_zero_is_refused(pub: Pub) -> None:
    (pub.out / "actas.csv").unlink()
    (pub.out / "actas.csv").symlink_to("/dev/zero")
    assert _failure(_verify(pub)) == (
        "manifest",
        "actas.csv: a symbolic link that leads outside the publication",
    )


def test_pipe_inside_the_bundle_is_refused_without_blocking(pub: Pub) -> None:
    (pub.out / "actas.csv").unlink()
    os.mkfifo(pub.out / "actas.csv")
    assert _failure(_verify(pub)) == ("manifest", "actas.csv: not a regular file")


def test_per_file_limit(pub: Pub) -> None:
    size = (pub.out / "actas.parquet").stat().st_size
    name, detail = _failure(_verify(pub, max_file_bytes=size - 1))
    assert name == "manifest"
    assert detail == f"actas.parquet: larger than the limit of {size - 1:,} bytes"


def test_fixed_limits_for_tiles_and_notes(pub: Pub) -> None:
    assert limit_for("tile/entries/000") == MAX_ENTRY_BUNDLE_BYTES
    assert limit_for("tile/0/000") == 8192
    assert limit_for("cosignatures/w.note") == limit_for("checkpoint") == MAX_NOTE_BYTES
    (pub.out / "checkpoint").write_bytes(b"x" * (MAX_NOTE_BYTES + 1))
    assert _failure(_verify(pub)) == (
        "manifest",
        f"checkpoint: larger than the limit of {MAX_NOTE_BYTES:,} bytes",
    )


def test_deeply_nested_manifest(pub: Pub) -> None:
    (pub.out / "manifest.json").write_bytes(b"[" * 200_000 + b"]" * 200_000)
    name, detail = _failure(_verify(pub))
    assert name == "manifest" and detail == "manifest.json: nested too deep"


def test_bad_digest_in_manifest(pub: Pub) -> None:
    _with_entry(pub, "fields.json", "ABC")
    assert _failure(_verify(pub)) == (
        "manifest",
        "manifest.json: fields.json: the SHA-256 is not 64 lowercase hex digits",
    )


def test_missing_folder_could_not_run(pub: Pub, tmp_path: Path) -> None:
    report = _verify(pub, tmp_path / "nowhere")
    assert report.could_not_run and report.exit_code == 2
    assert report.failures()[0].detail.endswith("nowhere: no such folder")


# ------------------------------------------------------------------ binding (item 9)


def test_fields_json_edited_with_manifest_rehashed_is_caught_by_the_binding(pub: Pub) -> None:
    (pub.out / "fields.json").write_bytes(b'{"actas.csv / actas.parquet":{"x":"forged"}}')
    _with_entry(
        pub,
        "fields.json",
        hashlib.sha256((pub.out / "fields.json").read_bytes()).hexdigest(),
        sign=False,
    )
    assert _failure(_verify(pub)) == (
        "binding",
        "manifest.note: does not bind this manifest.json to the signed checkpoint",
    )


def test_missing_or_forged_manifest_note(pub: Pub) -> None:
    (pub.out / MANIFEST_NOTE).unlink()
    name, detail = _failure(_verify(pub))
    assert name == "binding" and detail.startswith("manifest.note: cannot read")
    stranger = generate_key(pub.signer.name)  # same name, another key
    raw = (pub.out / "manifest.json").read_bytes()
    doc = _manifest(pub.out)
    text = manifest_note_text(pub.signer.name, int(str(doc["size"])), str(doc["root_hash"]), raw)
    (pub.out / MANIFEST_NOTE).write_text(sign_note(text, [stranger]), encoding="utf-8")
    assert _failure(_verify(pub)) == (
        "binding",
        f"manifest.note carries no signature by the key {pub.signer.name}",
    )


# ---------------------------------------------------------- cosignatures and witness keys

COSIG = "cosignatures/witness.example/observer.note"


def test_changed_cosignature_copy_is_caught(pub: Pub) -> None:
    data = bytearray((pub.out / COSIG).read_bytes())
    data[-10] = ord("A") if data[-10] != ord("A") else ord("B")
    (pub.out / COSIG).write_bytes(bytes(data))
    name, detail = _failure(_verify(pub))
    assert name == "checkpoint" and detail.startswith(COSIG + ": ")


def test_cosignature_copy_by_a_stranger_is_caught(pub: Pub) -> None:
    note = (pub.out / "checkpoint").read_text(encoding="utf-8")
    text = note[: note.index("\n\n") + 1]
    stranger = CosignatureSigner.from_signer(generate_key("witness.example/observer"))
    forged = cosign(sign_note(text, [pub.signer]), stranger)
    (pub.out / COSIG).write_text(forged, encoding="utf-8")
    name, detail = _failure(_verify(pub))
    assert name == "checkpoint"
    assert (
        detail
        == f"{COSIG}: signature line by 'witness.example/observer' is not from a published key"
    )


def test_cosignature_of_a_fork_is_caught(pub: Pub) -> None:
    from escrutinio.ledger.checkpoint import Checkpoint, sign_checkpoint

    fork = sign_checkpoint(Checkpoint(pub.signer.name, 3, b"\x07" * 32), [pub.signer])
    (pub.out / COSIG).write_text(cosign(fork, pub.witness), encoding="utf-8")
    assert _failure(_verify(pub)) == (
        "history",
        f"{COSIG}: cosigns a checkpoint of size 3 that this log does not extend "
        "(a fork or split view)",
    )


def test_cosignature_of_an_older_checkpoint_is_accepted(pub: Pub) -> None:
    from escrutinio.ledger.checkpoint import Checkpoint, sign_checkpoint
    from escrutinio.store.checkpoints import log_tree

    tree = log_tree(pub.store)
    old = sign_checkpoint(Checkpoint(pub.signer.name, 5, tree.root(5)), [pub.signer])
    (pub.out / COSIG).write_text(cosign(old, pub.witness), encoding="utf-8")
    report = _verify(pub)
    assert report.ok and report.uncovered == []
    assert "1 older cosigned checkpoint(s)" in next(
        c.detail for c in report.checks if c.name == "history"
    )


def test_unlisted_files_are_reported(pub: Pub) -> None:
    (pub.out / "keys" / "witnesses" / "extra.vkey").write_text("x\n", encoding="utf-8")
    (pub.out / "cosignatures" / "unknown.note").write_text("y\n", encoding="utf-8")
    (pub.out / "results" / "results-final.json").write_text("{}", encoding="utf-8")
    report = _verify(pub)
    assert report.ok
    assert report.uncovered == [
        "cosignatures/unknown.note",
        "keys/witnesses/extra.vkey",
        "results/results-final.json",
    ]
    coverage = next(c for c in report.checks if c.name == "coverage")
    assert coverage.detail.startswith("3 file(s) no check covers: ")


def test_witness_key_changed_by_the_operator_is_caught(pub: Pub) -> None:
    rel = "keys/witnesses/witness.example/observer.vkey"
    other = CosignatureSigner.from_signer(generate_key("witness.example/observer"))
    (pub.out / rel).write_text(other.verifier().verifier_key() + "\n", encoding="utf-8")
    _with_entry(pub, rel, hashlib.sha256((pub.out / rel).read_bytes()).hexdigest())
    assert _failure(_verify(pub)) == (
        "checkpoint",
        f"{rel}: differs from the trusted key of witness witness.example/observer",
    )


# -------------------------------------------------------------------------- http(s)


class _Handler(http.server.SimpleHTTPRequestHandler):
    endless: ClassVar[set[str]] = set()
    declared: ClassVar[set[str]] = set()

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        name = self.path.lstrip("/")
        if name in self.endless:
            self.send_response(200)
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"\0" * 65536)
            except OSError:
                return
        if name in self.declared:
            self.send_response(200)
            self.send_header("Content-Length", str(10**12))
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture
def server(pub: Pub) -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("H", (_Handler,), {"endless": set(), "declared": set()})

    def make(*args: object, **kw: object) -> http.server.BaseHTTPRequestHandler:
        return handler(*args, directory=str(pub.out), **kw)  # type: ignore[arg-type,no-any-return]

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def test_over_http_verifies_and_bounds_endless_bodies(
    pub: Pub, server: tuple[str, type[_Handler]]
) -> None:
    url, handler = server
    assert _verify(pub, url).ok
    handler.endless.add("actas.csv")
    name, detail = _failure(_verify(pub, url, max_file_bytes=1_000_000))
    assert (name, detail) == ("manifest", "actas.csv: larger than the limit of 1,000,000 bytes")
    handler.endless.clear()
    handler.declared.add("actas.parquet")  # a Content-Length over the limit: not even read
    name, detail = _failure(_verify(pub, url, max_file_bytes=1_000_000))
    assert (name, detail) == ("manifest", "actas.parquet: larger than the limit of 1,000,000 bytes")


def test_over_http_unreachable_could_not_run(pub: Pub) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    report = _verify(pub, f"http://127.0.0.1:{port}")
    assert report.could_not_run and report.exit_code == 2
    assert report.failures()[0].detail.startswith("manifest.json: cannot fetch")


# ------------------------------------------------------------------------ CLI status


def test_cli_exit_status_and_warnings(pub: Pub, tmp_path: Path) -> None:
    runner = CliRunner()
    vkey = tmp_path / "log.vkey"
    vkey.write_text(pub.signer.verifier().verifier_key() + "\n", encoding="ascii")
    (pub.out / "stray.txt").write_text("?", encoding="utf-8")
    ok = runner.invoke(app, ["verify", str(pub.out), "--log-key", str(vkey)])
    assert ok.exit_code == 0 and "'stray.txt' is in the folder but no check covers it" in ok.output
    (pub.out / "fields.json").write_bytes(b"{}")
    bad = runner.invoke(app, ["verify", str(pub.out), "--log-key", str(vkey)])
    assert bad.exit_code == 1 and "FAILED" in bad.output
    gone = runner.invoke(app, ["verify", str(tmp_path / "nowhere"), "--log-key", str(vkey)])
    assert gone.exit_code == 2 and "COULD NOT RUN" in gone.output
    assert gone.exception is None or isinstance(gone.exception, SystemExit)


def test_unreadable_verifier_state_could_not_run(pub: Pub, tmp_path: Path) -> None:
    state = tmp_path / "state"
    assert verify_publication(pub.out, pub.log_key, [], 0, state).ok
    (state_file,) = state.iterdir()
    state_file.write_text('{"checkpoints": [{"size": "x"}]}', encoding="utf-8")
    report = verify_publication(pub.out, pub.log_key, [], 0, state)
    assert report.exit_code == 2
    assert report.failures()[0].detail == (
        f"{state_file}: the verifier's state is not a list of checkpoints"
    )
    state_file.write_text("{", encoding="utf-8")
    detail = verify_publication(pub.out, pub.log_key, [], 0, state).failures()[0].detail
    assert detail.startswith(f"{state_file}: the verifier's state cannot be read (")


def test_acta_lookup_in_a_missing_folder_could_not_run(pub: Pub, tmp_path: Path) -> None:
    vkey = tmp_path / "log.vkey"
    vkey.write_text(pub.signer.verifier().verifier_key() + "\n", encoding="ascii")
    acta = tmp_path / "acta.json"
    acta.write_text("{}", encoding="utf-8")
    args = ["verify", str(tmp_path / "nowhere"), "--log-key", str(vkey), "--acta", str(acta)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "nowhere: no such folder" in " ".join(result.output.split())
    (pub.out / "checkpoint").unlink()
    (pub.out / "checkpoint").symlink_to("/dev/zero")
    result = CliRunner().invoke(app, ["verify", str(pub.out), *args[2:]])
    assert result.exit_code == 1
    assert "checkpoint: a symbolic link that leads outside the publication" in " ".join(
        result.output.split()
    )
