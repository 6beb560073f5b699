"""verify.js in chromium: "verify in your browser" and "compare with your copy" on a table page.

A real publication (store, publisher, witness cosignature) gets a minimal table page per the
verify-widget contract; the script must say VERIFIED on it and NOT VERIFIED, naming what
failed, when the page's acta, a hash tile, an entry bundle or a signature is altered. Its
pure functions are checked against the RFC 6962 vectors and against the project's Python
Merkle tree and tiles (multi-level, partial tiles).
"""

from __future__ import annotations

import base64
import json
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from verify_pub import VERIFY_JS, acta_of, counting_row, install_page, publication, serve

from escrutinio.ledger.merkle import MerkleTree, leaf_hash
from escrutinio.ledger.note import parse_signer_key
from escrutinio.ledger.tiles import render_tiles
from escrutinio.publish.site import publish
from escrutinio.store.store import Store
from escrutinio.website.publication import publication_site

pytestmark = pytest.mark.browser

UNIT, CONTEST = "u1", "gov-A"
LEAVES = [
    bytes.fromhex(x)
    for x in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION_0_8 = [
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both waves of the small election published and witness-cosigned (built once)."""
    folder: Path = publication(tmp_path_factory.mktemp("verify-js"))
    return folder


@pytest.fixture
def out(built: Path, tmp_path: Path) -> Path:
    """A fresh copy of the publication this test may alter."""
    return Path(shutil.copytree(built, tmp_path / "pub"))


@pytest.fixture
def site(out: Path) -> Iterator[str]:
    with serve(out) as base:
        yield base


def verify_state(page: Page, url: str) -> tuple[str, str]:
    """Open a table page, click verify; return (state, text) of the final result."""
    page.goto(url)
    page.click(".verify-run")
    result = page.locator(".verify-result[data-state]")
    result.wait_for(timeout=10_000)
    return str(result.get_attribute("data-state")), result.inner_text()


def test_untouched_publication_verifies_with_its_witness(
    page: Page, out: Path, site: str, screenshots: Path
) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    path = install_page(out, UNIT, CONTEST)
    state, text = verify_state(page, f"{site}/{path}")
    checkpoint = (out / "checkpoint").read_text(encoding="utf-8").split("\n")
    assert state == "verified", text
    assert text.startswith("VERIFICADO")
    assert f"tamaño del árbol: {checkpoint[1]}" in text  # data-i18n-size
    assert f"root: {checkpoint[2]}" in text
    vkey = (out / "keys" / "log.vkey").read_text(encoding="ascii").split("+")
    assert f"signed by: {vkey[0]} ({vkey[1]})" in text
    assert "cosigned by: witness.example/observer" in text
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.screenshot(path=str(screenshots / "verify-verified.png"), full_page=True)
    # live.js may swap <main> for a newer bulletin's: the new button still works
    page.evaluate("document.querySelector('main').innerHTML += ''")
    page.click(".verify-run")
    expect(page.locator(".verify-result")).to_have_attribute("data-state", "verified")


def test_an_acta_number_differing_on_the_page_is_named(
    page: Page, out: Path, site: str, screenshots: Path
) -> None:
    acta = acta_of(counting_row(out, UNIT, CONTEST))
    acta["votes"]["a2-mud"] += 1
    path = install_page(out, UNIT, CONTEST, acta)
    state, text = verify_state(page, f"{site}/{path}")
    assert state == "failed"
    assert text.startswith("NO VERIFICADO")
    assert "a2-mud on this page is 151, the log entry says 150" in text
    assert "voters" not in text and "tiles" not in text and "signature" not in text
    page.screenshot(path=str(screenshots / "verify-failed.png"), full_page=True)


def test_a_changed_voters_count_is_named(page: Page, out: Path, site: str) -> None:
    acta = acta_of(counting_row(out, UNIT, CONTEST))
    acta["voters"] = 299
    state, text = verify_state(page, f"{site}/{install_page(out, UNIT, CONTEST, acta)}")
    assert state == "failed"
    assert "voters on this page is 299, the log entry says 300" in text


def flip(path: Path, offset: int) -> None:
    """Change one byte of a file."""
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_one_byte_of_a_hash_tile_is_caught(page: Page, out: Path, site: str) -> None:
    path = install_page(out, UNIT, CONTEST)
    (tile,) = (p for p in (out / "tile" / "0").rglob("*") if p.is_file())
    index = int(counting_row(out, UNIT, CONTEST)["log_index"])
    flip(tile, 32 * (index + 1) + 5)  # a sibling's hash on the acta's path
    state, text = verify_state(page, f"{site}/{path}")
    assert state == "failed"
    assert "the hash tiles (tile/0/000.p/" in text
    assert "do not lead to the checkpoint's root" in text


def test_one_byte_of_the_entry_bundle_is_caught(page: Page, out: Path, site: str) -> None:
    path = install_page(out, UNIT, CONTEST)
    bundles = [p for p in (out / "tile" / "entries").rglob("*") if p.is_file()]
    (bundle,) = bundles
    data = bundle.read_bytes()
    row = counting_row(out, UNIT, CONTEST)
    # the entry's received_at (the numbers stay equal, so only the hash can tell)
    at = data.index(b'"received_at":"' + row["received_at"].encode()) + len('"received_at":"')
    flip(bundle, at + 3)
    state, text = verify_state(page, f"{site}/{path}")
    assert state == "failed"
    rel = bundle.relative_to(out).as_posix()
    assert f"log entry {row['log_index']} in {rel} does not hash to the leaf" in text
    assert "on this page" not in text


def alter_signature(out: Path, name: str) -> None:
    """Change one byte of ``name``'s signature in the checkpoint (valid base64 kept)."""
    path = out / "checkpoint"
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        if line.startswith(f"— {name} "):
            blob = bytearray(base64.b64decode(line.split(" ")[2]))
            blob[-10] ^= 0x01
            lines[i] = f"— {name} {base64.b64encode(bytes(blob)).decode()}"
            break
    else:
        raise AssertionError(f"no signature by {name}")
    path.write_text("\n".join(lines), encoding="utf-8")


def test_the_log_signature_altered_is_caught(page: Page, out: Path, site: str) -> None:
    path = install_page(out, UNIT, CONTEST)
    origin = (out / "checkpoint").read_text(encoding="utf-8").split("\n")[0]
    alter_signature(out, origin)
    state, text = verify_state(page, f"{site}/{path}")
    assert state == "failed"
    assert f"la firma del registro ({origin}) no es válida" in text  # data-i18n-fail-signature
    assert "witness" not in text


def test_a_witness_cosignature_altered_is_caught(page: Page, out: Path, site: str) -> None:
    path = install_page(out, UNIT, CONTEST)
    alter_signature(out, "witness.example/observer")
    state, text = verify_state(page, f"{site}/{path}")
    assert state == "failed"
    assert "the cosignature of witness witness.example/observer does not verify" in text
    assert "firma del registro" not in text


def test_a_signature_by_an_unknown_key_is_ignored(page: Page, out: Path, site: str) -> None:
    path = install_page(out, UNIT, CONTEST)
    note = out / "checkpoint"
    stranger = base64.b64encode(bytes(range(68))).decode()
    note.write_text(note.read_text(encoding="utf-8") + f"— x.example/y {stranger}\n", "utf-8")
    state, text = verify_state(page, f"{site}/{path}")
    assert state == "verified", text
    assert "cosigned by: witness.example/observer" in text and "x.example" not in text


def test_an_insecure_context_says_why(page: Page, out: Path, site: str) -> None:
    page.add_init_script("Object.defineProperty(window, 'isSecureContext', { value: false })")
    state, text = verify_state(page, f"{site}/{install_page(out, UNIT, CONTEST)}")
    assert state == "failed"
    assert "this browser cannot check Ed25519 signatures (WebCrypto) here" in text


def test_a_missing_tile_is_named(page: Page, out: Path, site: str) -> None:
    path = install_page(out, UNIT, CONTEST)
    shutil.rmtree(out / "tile" / "0")
    state, text = verify_state(page, f"{site}/{path}")
    assert state == "failed"
    assert "could not download tile/0/000.p/" in text and "(404)" in text


def test_compare_with_typed_numbers_names_the_differing_field(
    page: Page, out: Path, site: str, screenshots: Path
) -> None:
    acta = acta_of(counting_row(out, UNIT, CONTEST))
    page.goto(f"{site}/{install_page(out, UNIT, CONTEST)}")
    page.click("form.compare button[type=submit]")
    expect(page.locator(".compare-result")).to_have_attribute("data-state", "empty")
    for option, votes in acta["votes"].items():
        page.fill(f'input[name="{option}"]', str(votes))
    page.fill('input[name="voters"]', "310")
    page.fill('input[name="null"]', str(acta["null"]))
    page.click("form.compare button[type=submit]")
    result = page.locator(".compare-result")
    expect(result).to_have_attribute("data-state", "differs")
    text = result.inner_text()
    assert text.startswith("DIFIERE en voters\n")
    assert "voters: 310 ≠ 300" in text
    for option, votes in acta["votes"].items():
        assert f"{option}: {votes} = {votes}" in text
    assert "null: 3 = 3" in text and "blank" not in text  # left empty: not compared
    page.screenshot(path=str(screenshots / "verify-compare.png"), full_page=True)
    page.fill('input[name="voters"]', "300")
    page.click("form.compare button[type=submit]")
    expect(result).to_have_attribute("data-state", "match")
    assert result.inner_text().startswith("COINCIDE con el acta registrada\n")
    assert "≠" not in result.inner_text()


def test_compare_with_a_json_copy(page: Page, out: Path, site: str, tmp_path: Path) -> None:
    acta = acta_of(counting_row(out, UNIT, CONTEST))
    page.goto(f"{site}/{install_page(out, UNIT, CONTEST)}")
    copy = tmp_path / "copy.json"
    copy.write_text(json.dumps(acta), encoding="utf-8")
    page.set_input_files('input[name="copy"]', str(copy))
    page.click("form.compare button[type=submit]")
    result = page.locator(".compare-result")
    expect(result).to_have_attribute("data-state", "match")
    text = result.inner_text()
    assert text.startswith("COINCIDE")
    assert "unit: u1 = u1" in text and "a2-mud: 150 = 150" in text and "blank: — = —" in text
    acta["votes"]["a1-psuv"] = 99
    copy.write_text(json.dumps({"acta": acta}), encoding="utf-8")  # a log entry's shape
    page.set_input_files('input[name="copy"]', str(copy))
    page.click("form.compare button[type=submit]")
    expect(result).to_have_attribute("data-state", "differs")
    assert result.inner_text().startswith("DIFIERE en a1-psuv\n")
    assert "a1-psuv: 99 ≠ 100" in result.inner_text()


# ---- pure functions ----------------------------------------------------------------------


@pytest.fixture
def blank(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A page that only loads verify.js, and the folder it is served from."""
    (tmp_path / "verify.js").write_bytes(VERIFY_JS.read_bytes())
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="en"><head><title>t</title>'
        '<script src="verify.js"></script></head><body></body></html>',
        encoding="utf-8",
    )
    with serve(tmp_path) as base:
        yield base, tmp_path


JS_VECTORS = """async ([leaves]) => {
  const V = window.EscrutinioVerify;
  const bytes = (h) => Uint8Array.from(h.match(/../g) || [], (x) => parseInt(x, 16));
  const hashes = [];
  for (const l of leaves) hashes.push(await V.leafHash(bytes(l)));
  const roots = [];
  for (let n = 1; n <= hashes.length; n++) roots.push(V.hex(await V.treeHash(hashes.slice(0, n))));
  const proofs = {};
  const checked = {};
  for (let n = 1; n <= hashes.length; n++) {
    const tile = (path) => {
      if (path !== V.tilePath(0, 0, n)) throw new Error("unexpected " + path);
      const out = new Uint8Array(32 * n);
      hashes.slice(0, n).forEach((h, i) => out.set(h, 32 * i));
      return Promise.resolve(out);
    };
    for (let i = 0; i < n; i++) {
      const proof = await V.inclusionProof(i, n, V.tiledTree(n, tile));
      proofs[`${i}/${n}`] = proof.map(V.hex);
      checked[`${i}/${n}`] = V.hex(await V.rootFromInclusion(i, n, hashes[i], proof));
    }
  }
  const wrong = await V.rootFromInclusion(0, 8, hashes[1], await V.inclusionProof(
    0, 8, V.tiledTree(8, () => Promise.resolve(Uint8Array.from(hashes.flatMap((h) => [...h]))))));
  return { hashes: hashes.map(V.hex), roots, proofs, checked, wrong: V.hex(wrong) };
}"""


def test_rfc6962_vectors(page: Page, blank: tuple[str, Path]) -> None:
    page.goto(f"{blank[0]}/index.html")
    got: dict[str, Any] = page.evaluate(JS_VECTORS, [[leaf.hex() for leaf in LEAVES]])
    assert got["hashes"] == [leaf_hash(leaf).hex() for leaf in LEAVES]
    assert got["roots"] == ROOTS
    assert got["proofs"]["0/8"] == INCLUSION_0_8
    tree = MerkleTree.from_leaf_hashes(leaf_hash(leaf) for leaf in LEAVES)
    for n in range(1, 9):
        for i in range(n):
            assert got["proofs"][f"{i}/{n}"] == [p.hex() for p in tree.inclusion_proof(i, n)]
            assert got["checked"][f"{i}/{n}"] == ROOTS[n - 1]
    assert got["wrong"] != ROOTS[7]


JS_TILES = """async ([size, indices]) => {
  const V = window.EscrutinioVerify;
  const get = async (p) => new Uint8Array(await (await fetch(p)).arrayBuffer());
  const out = {};
  for (const i of indices) {
    const tree = V.tiledTree(size, get);
    const leaf = await tree.stored(0, i);
    const proof = await V.inclusionProof(i, size, tree);
    const root = await V.rootFromInclusion(i, size, leaf, proof);
    out[i] = { proof: proof.map(V.hex), root: V.hex(root), tiles: tree.paths() };
  }
  return out;
}"""


def test_inclusion_from_multilevel_partial_tiles(page: Page, blank: tuple[str, Path]) -> None:
    base, folder = blank
    size = 256 * 256 + 300  # full and partial tiles at levels 0 and 1, a partial level 2
    rng = random.Random(11)
    tree = MerkleTree.from_leaf_hashes(rng.randbytes(32) for _ in range(size))
    for rel, data in render_tiles(tree, None, size).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    indices = [0, 255, 256, 65535, 65536, 65600, size - 1]
    page.goto(f"{base}/index.html")
    got: dict[str, Any] = page.evaluate(JS_TILES, [size, indices])
    for i in indices:
        assert got[str(i)]["proof"] == [p.hex() for p in tree.inclusion_proof(i, size)]
        assert got[str(i)]["root"] == tree.root(size).hex()
    assert "tile/2/000.p/1" not in got["0"]["tiles"]  # its sibling is the partial right edge
    assert "tile/1/001.p/1" in got["0"]["tiles"]
    assert "tile/2/000.p/1" in got["65600"]["tiles"]  # its sibling is the first 65,536 leaves


JS_PARSE = """async ([vkey, note]) => {
  const V = window.EscrutinioVerify;
  const key = await V.parseVerifierKey(vkey, 1);
  const parsed = V.parseNote(note);
  const cp = V.parseCheckpoint(parsed.text);
  const sig = parsed.signatures.find((s) => s.name === key.name && s.id === key.id);
  return {
    name: key.name, id: key.id, size: cp.size, origin: cp.origin, root: V.b64(cp.root),
    sigs: parsed.signatures.map((s) => s.name),
    ok: await V.verifyNoteSignature(key, parsed.text, sig.sig),
    bad: await V.verifyNoteSignature(key, parsed.text + " ", sig.sig),
    wrongType: await V.parseVerifierKey(vkey, 4),
    indices: [0, 999, 1000, 1234067].map(V.encodeIndex),
    paths: [V.tilePath(0, 1234067, 256), V.tilePath("entries", 3, 17)],
  };
}"""


def test_note_key_and_path_parsing(page: Page, blank: tuple[str, Path], built: Path) -> None:
    vkey = (built / "keys" / "log.vkey").read_text(encoding="ascii")
    note = (built / "checkpoint").read_text(encoding="utf-8")
    page.goto(f"{blank[0]}/index.html")
    got: dict[str, Any] = page.evaluate(JS_PARSE, [vkey, note])
    origin, size, root = note.split("\n")[:3]
    assert (got["origin"], got["size"], got["root"]) == (origin, int(size), root)
    assert [got["name"], got["id"]] == vkey.strip().split("+")[:2]
    assert got["sigs"] == [origin, "witness.example/observer"]
    assert got["ok"] is True and got["bad"] is False
    assert got["wrongType"] is None
    assert got["indices"] == ["000", "999", "x001/000", "x001/x234/067"]
    assert got["paths"] == ["tile/0/x001/x234/067", "tile/entries/003.p/17"]


def test_the_script_is_small() -> None:
    import gzip

    raw = VERIFY_JS.read_bytes()
    assert len(gzip.compress(raw, 9)) < 8_000, len(gzip.compress(raw, 9))


DROP = """(text) => {
  const data = new DataTransfer();
  data.items.add(new File([text], "copia.json", { type: "application/json" }));
  const init = { dataTransfer: data, bubbles: true, cancelable: true };
  document.querySelector("form.compare").dispatchEvent(new DragEvent("drop", init));
}"""


def test_compare_with_a_dropped_copy(page: Page, out: Path, site: str) -> None:
    acta = acta_of(counting_row(out, UNIT, CONTEST))
    page.goto(f"{site}/{install_page(out, UNIT, CONTEST)}")
    acta["null"] = 4
    page.evaluate(DROP, json.dumps(acta))
    result = page.locator(".compare-result")
    expect(result).to_have_attribute("data-state", "differs")
    assert result.inner_text().startswith("DIFIERE en null\n")
    page.evaluate(DROP, "{not json")
    expect(result).to_have_attribute("data-state", "error")
    assert "copia.json is malformed" in result.inner_text()


# ---- the site's own table pages (SITE's builder, once merged) ----------------------------


@pytest.fixture(scope="module")
def with_site(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The publication re-published with the results site (skips before the site lands)."""
    folder = Path(shutil.copytree(built.parent, tmp_path_factory.mktemp("site") / "p"))
    store = Store.open(f"sqlite:///{folder / 'store.db'}")
    try:
        signer = parse_signer_key((folder / "log.skey").read_text(encoding="ascii"))
        publish(store, folder / "pub", signer, website=publication_site)
    finally:
        store.close()
    return folder / "pub"


def test_the_sites_own_table_pages_verify(page: Page, with_site: Path, screenshots: Path) -> None:
    pages = sorted(p.relative_to(with_site).as_posix() for p in with_site.glob("**/table/*/*.html"))
    assert len(pages) == 12  # 6 tables, Spanish at the root and English under en/
    with serve(with_site) as base:
        for rel in pages:
            state, text = verify_state(page, f"{base}/{rel}")
            assert state == "verified", (rel, text)
            label = "cosigned by" if rel.startswith("en/") else "cofirmado por"  # page language
            assert f"{label}: witness.example/observer" in text, (rel, text)
        page.screenshot(path=str(screenshots / "verify-site-table.png"), full_page=True)
        # the page's own field names (row headers) name what differs
        first = page.locator("form.compare input[type=number]").first
        first.fill("9999")
        page.click("form.compare button[type=submit]")
        result = page.locator(".compare-result")
        expect(result).to_have_attribute("data-state", "differs")
        name = str(first.get_attribute("name"))
        assert name not in result.inner_text().split("\n")[0]  # a label, not the option id


def test_an_altered_number_on_a_site_page_is_caught(
    page: Page, with_site: Path, tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(with_site, tmp_path / "pub"))
    path = folder / "table" / UNIT / f"{CONTEST}.html"
    html = path.read_text(encoding="utf-8")
    assert "&#34;voters&#34;: 300" in html
    path.write_text(html.replace("&#34;voters&#34;: 300", "&#34;voters&#34;: 301"), "utf-8")
    with serve(folder) as base:
        state, text = verify_state(page, f"{base}/table/{UNIT}/{CONTEST}.html")
    assert state == "failed"
    assert "en esta página es 301, la entrada del registro dice 300" in text  # Spanish page
