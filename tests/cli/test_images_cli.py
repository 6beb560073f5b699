"""``images add``, ``qr-check``, and images through publish and verify, end to end: generated
acta pages attached to stored actas, a QR that disagrees found and listed (exit 1), results
appended not overwritten, the images published under their hashes, shown on the table page,
verified, and a tampered image caught."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from escrutinio.cli.main import app
from escrutinio.images.synthetic import ActaPage, Distortion, render_acta
from escrutinio.model import Definition
from escrutinio.store import definitions as store_definitions
from escrutinio.store import schema as t
from escrutinio.store.store import Store
from support import ingest_file

HEADER = "unit,contest,source,received_at,voters,null,blank,a1-psuv,a1-pcv,a2-mud,a3,b1,b2\n"
ROWS = (
    "u1,gov-A,,2017-10-15T20:00:00Z,278,3,,100,20,150,5,,\n"
    "u5,gov-B,,2017-10-15T20:03:00Z,353,2,1,,,,,200,150\n"
)
U1 = ActaPage("u1", "gov-A", {"a1-psuv": 100, "a1-pcv": 20, "a2-mud": 150, "a3": 5}, 3, None, 278)
U5 = ActaPage("u5", "gov-B", {"b1": 200, "b2": 150}, 2, 1, 353)
runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture
def db(tmp_path: Path, definition: Definition) -> str:
    path = tmp_path / "e.db"
    store = Store.open(str(path))
    store_definitions.load_definition(store, definition)
    (tmp_path / "a.csv").write_text(HEADER + ROWS, encoding="utf-8")
    ingest_file(store, tmp_path / "a.csv")
    store.close()
    return str(path)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _checks(db: str) -> int:
    store = Store.open(db)
    with store.engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(t.qr_checks)).scalar_one()
    store.close()
    return int(n)


def test_images_qr_check_publish_verify(db: str, tmp_path: Path) -> None:
    images = tmp_path / "images"
    good = _write(tmp_path, "u1.png", render_acta(U1, distortion=Distortion(rotate=10)))
    blank = _write(tmp_path, "u1-noqr.png", render_acta(U1, qr=False))
    bad = _write(
        tmp_path, "u5.jpg", render_acta(U5, disagree=True, distortion=Distortion(jpeg_quality=40))
    )
    code, out = run("images", "add", "u1", "gov-A", "official", "1", good, blank,
                    "--images", images, "--db", db)  # fmt: skip
    assert code == 0, out
    assert out.count("attached") == 2
    code, out = run("images", "add", "u5", "gov-B", "official", "1", bad, "--images", images,
                    "--db", db)  # fmt: skip
    assert code == 0, out
    code, out = run("images", "add", "u1", "gov-A", "official", "1", good, "--images", images,
                    "--db", db)  # fmt: skip
    assert code == 0 and "already attached" in out

    code, out = run("qr-check", "--images", images, "--db", db, "--format", "json")
    assert code == 1, out
    rows = json.loads(out)
    assert [(r["unit"], r["status"]) for r in rows] == [
        ("u1", "match"),
        ("u1", "no_qr"),
        ("u5", "mismatch"),
    ]
    assert rows[2]["differences"] == [
        {"field": "votes.b1", "qr": 207, "typed": 200},
        {"field": "voters", "qr": 360, "typed": 353},
    ]
    assert not any(r["reused"] for r in rows)
    code, out = run("qr-check", "--images", images, "--db", db)
    assert code == 1 and "votes.b1" in out and "3 image(s) checked: 1 match, 1 mismatch" in out
    assert _checks(db) == 3  # reused, nothing new recorded
    assert run("qr-check", "--images", images, "--db", db, "--recheck")[0] == 1
    assert _checks(db) == 6  # appended
    assert run("log", "check", "--db", db)[0] == 0

    keys = tmp_path / "keys"
    assert run("keys", "generate", "--name", "example.org/img", "--out", keys)[0] == 0
    skey, vkey = keys / "example.org_img.skey", keys / "example.org_img.vkey"
    pub = tmp_path / "pub"
    code, out = run("publish", pub, "--key", skey, "--images", images, "--db", db)
    assert code == 0, out
    published = sorted(p.name for p in (pub / "images").iterdir())
    assert len(published) == 3
    assert (pub / "images.csv").read_text().count("\n") == 4
    qr_csv = (pub / "qr-checks.csv").read_text()
    assert qr_csv.count("mismatch") == 2 and "votes.b1=207/200;voters=360/353" in qr_csv
    page = (pub / "table/u5/gov-B.html").read_text("utf-8")
    pages = (pub / "table/u1/gov-A.html").read_text("utf-8") + page
    assert "NO coincide" in page and "coincide" in pages and "sin código QR" in pages
    assert all(f'href="../../images/{sha}"' in pages for sha in published)
    assert "does NOT match" in (pub / "en/table/u5/gov-B.html").read_text("utf-8")
    code, out = run("verify", pub, "--log-key", vkey)
    assert code == 0 and "VERIFIED" in out, out
    code, out = run("verify", pub, "--log-key", vkey, "--json")
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert checks["images"]["detail"] == "3 images match their names; 3 image leaves"

    target = pub / "images" / published[0]
    target.write_bytes(target.read_bytes() + b"x")
    code, out = run("verify", pub, "--log-key", vkey, "--json")
    assert code == 1 and f"images/{published[0]}: SHA-256 does not match" in out


def test_qr_check_exit_zero_without_mismatch(db: str, tmp_path: Path) -> None:
    images = tmp_path / "images"
    good = _write(tmp_path, "u1.png", render_acta(U1))
    assert run("images", "add", "u1", "gov-A", "official", "1", good, "--images", images,
               "--db", db)[0] == 0  # fmt: skip
    code, out = run("qr-check", "--images", images, "--db", db, "--format", "csv")
    assert code == 0, out
    assert out.splitlines()[0].startswith("unit,contest,source,version,sha256")
    assert ",match," in out


def test_images_add_refusals_store_nothing(db: str, tmp_path: Path) -> None:
    images = tmp_path / "images"
    gif = _write(tmp_path, "x.gif", b"GIF89a....")
    code, out = run("images", "add", "u1", "gov-A", "official", "1", gif, "--images", images,
                    "--db", db)  # fmt: skip
    assert code == 2 and "image_type" in out
    good = _write(tmp_path, "u1.png", render_acta(U1))
    code, out = run("images", "add", "u1", "gov-A", "official", "2", good, "--images", images,
                    "--db", db)  # fmt: skip
    assert code == 2 and "no stored acta version 2" in out
    code, out = run("images", "add", "u1", "gov-A", "official", "1", good, "--images", images,
                    "--max-bytes", "100", "--db", db)  # fmt: skip
    assert code == 2 and "image_too_large" in out
    code, out = run("images", "add", "u1", "gov-A", "official", "1", tmp_path / "none.png",
                    "--images", images, "--db", db)  # fmt: skip
    assert code == 2 and "no such file" in out
    code, out = run("qr-check", "--images", images, "--db", db)
    assert code == 0 and "none attached" in out


def test_publish_needs_the_attached_images(db: str, tmp_path: Path) -> None:
    images = tmp_path / "images"
    good = _write(tmp_path, "u1.png", render_acta(U1))
    assert run("images", "add", "u1", "gov-A", "official", "1", good, "--images", images,
               "--db", db)[0] == 0  # fmt: skip
    for f in images.rglob("*"):
        if f.is_file():
            f.unlink()
    keys = tmp_path / "keys"
    assert run("keys", "generate", "--name", "example.org/img", "--out", keys)[0] == 0
    code, out = run("publish", tmp_path / "pub", "--key", keys / "example.org_img.skey",
                    "--images", images, "--db", db)  # fmt: skip
    assert code == 2 and "image_missing" not in out and "no image" in out


def test_images_add_and_qr_check_on_each_database(
    db_url: str, definition: Definition, tmp_path: Path
) -> None:
    store = Store.open(db_url)
    store_definitions.load_definition(store, definition)
    (tmp_path / "a.csv").write_text(HEADER + ROWS, encoding="utf-8")
    ingest_file(store, tmp_path / "a.csv")
    store.close()
    images = tmp_path / "images"
    bad = _write(tmp_path, "u5.png", render_acta(U5, disagree=True))
    code, out = run("images", "add", "u5", "gov-B", "official", "1", bad, "--images", images,
                    "--db", db_url)  # fmt: skip
    assert code == 0, out
    code, out = run("qr-check", "--images", images, "--db", db_url, "--format", "json")
    assert code == 1 and [r["status"] for r in json.loads(out)] == ["mismatch"]
    assert run("log", "check", "--db", db_url)[0] == 0
