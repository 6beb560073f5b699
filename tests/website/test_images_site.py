"""The table page's image section: each image linked from the page, a view of JPEG/PNG,
its hash and its latest QR status, flagged when the QR disagrees or cannot be read."""

from __future__ import annotations

from escrutinio.website.i18n import Lang
from escrutinio.website.images import images_html, read_images
from escrutinio.website.paths import Place

A, B = "a" * 64, "b" * 64
IMAGES_CSV = (
    "log_index,unit,contest,source,version,sha256,media_type,attached_at\n"
    f"7,u1,gov-A,official,1,{A},image/png,2017-10-15T21:00:00Z\n"
    f"8,u1,gov-A,witness:MUD,1,{B},application/pdf,2017-10-15T21:00:00Z\n"
).encode()
QR_CSV = (
    "unit,contest,source,version,sha256,status,differences,detail,checked_at\n"
    f"u1,gov-A,official,1,{A},no_qr,,,2017-10-15T21:01:00Z\n"
    f'u1,gov-A,official,1,{A},mismatch,"votes.a1=107/100",,2017-10-15T21:02:00Z\n'
).encode()


def test_images_of_a_table_with_their_latest_status() -> None:
    images = read_images({"images.csv": IMAGES_CSV, "qr-checks.csv": QR_CSV})
    (first, second) = images[("u1", "gov-A")]
    assert (first.sha256, first.qr_status, first.qr_differences) == (
        A,
        "mismatch",
        "votes.a1=107/100",
    )
    assert (second.media_type, second.qr_status) == ("application/pdf", "")
    assert read_images({}) == {}

    html = images_html(Lang("es"), Place("", "table/u1/gov-A.html"), images[("u1", "gov-A")])
    assert f'<a href="../../images/{A}"><img src="../../images/{A}"' in html
    assert f'<a href="../../images/{B}">PDF</a>' in html
    assert '<td class="flag">NO coincide (votes.a1: QR 107, transcrito 100)</td>' in html
    assert "sin revisar" in html and f"<code>{B}</code>" in html
    english = images_html(Lang("en"), Place("en/", "table/u1/gov-A.html"), [first])
    assert f'href="../../../images/{A}"' in english and "does NOT match" in english
    assert images_html(Lang("en"), Place("", "x.html"), []) == ""
