"""A re-publication after a new bulletin rewrites only the pages whose content changed:
region, table, audits and data pages carry no bulletin number."""

from __future__ import annotations

from pathlib import Path

from site_kit import published

from escrutinio import reads
from escrutinio.publish.site import publish
from escrutinio.website.publication import publication_site


def test_a_bulletin_without_new_actas_leaves_region_and_table_pages(tmp_path: Path) -> None:
    pub = published(tmp_path)
    home = (pub.out / "index.html").read_text(encoding="utf-8")
    assert 'data-bulletin="2"' in home
    table = next((pub.out / "table").rglob("*.html")).read_text(encoding="utf-8")
    region = next((pub.out / "region").glob("*.html")).read_text(encoding="utf-8")
    assert "data-bulletin" not in table and "data-bulletin" not in region
    reads.record_bulletin(pub.store)
    report = publish(pub.store, pub.out, pub.signer, website=publication_site)
    pages = [p for p in report.written if p.endswith(".html")]
    assert "index.html" in pages and "bulletins/3.html" in pages
    assert not [p for p in pages if p.removeprefix("en/").startswith(("table/", "region/"))]
    assert 'data-bulletin="3"' in (pub.out / "index.html").read_text(encoding="utf-8")
    pub.store.close()
