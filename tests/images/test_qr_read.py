"""Generated acta pages decode as expected: straight, rotated 90° and 10°, blurred, JPEG at
quality 40, a QR that disagrees with the typed numbers, and no QR; PDFs are not scanned."""

from __future__ import annotations

import pytest

from escrutinio.images import ImageError
from escrutinio.images.qr_check import (
    ESCRUTINIO1_MAPPING,
    MATCH,
    MISMATCH,
    NO_QR,
    VE2024_CITIZEN_MAPPING,
    check_texts,
)
from escrutinio.images.qr_payload import VE2024, encode_ve2024
from escrutinio.images.qr_read import scan_qr
from escrutinio.images.store import sniff
from escrutinio.images.synthetic import ActaPage, Distortion, qr_text, render_acta

PAGE = ActaPage(
    unit="u1",
    contest="gov-A",
    votes={"a1-psuv": 100, "a1-pcv": 20, "a2-mud": 150, "a3": 5},
    null=3,
    blank=None,
    voters=278,
    names={"a1-psuv": "Ana (PSUV)", "a1-pcv": "Ana (PCV)", "a2-mud": "Beto (MUD)"},
)
CONTENT = {
    "unit": PAGE.unit,
    "contest": PAGE.contest,
    "votes": PAGE.votes,
    "null": PAGE.null,
    "blank": PAGE.blank,
    "voters": PAGE.voters,
}


@pytest.mark.parametrize(
    "distortion",
    [
        Distortion(),
        Distortion(rotate=90),
        Distortion(rotate=10),
        Distortion(rotate=-10, blur=1.5),
        Distortion(blur=2.0),
        Distortion(jpeg_quality=40),
        Distortion(rotate=10, blur=1.0, jpeg_quality=40),
    ],
    ids=["straight", "rot90", "rot10", "rot-10-blur", "blur2", "jpeg40", "all"],
)
def test_generated_pages_decode_to_their_numbers(distortion: Distortion) -> None:
    data = render_acta(PAGE, distortion=distortion, seed=7)
    assert sniff(data) == ("image/png" if distortion.jpeg_quality is None else "image/jpeg")
    scan = scan_qr(data)
    assert scan.texts == (qr_text(PAGE),)
    assert check_texts(list(scan.texts), CONTENT, {"escrutinio1": ESCRUTINIO1_MAPPING}).status == (
        MATCH
    )


def test_a_disagreeing_qr_is_a_mismatch() -> None:
    scan = scan_qr(render_acta(PAGE, disagree=True, distortion=Distortion(jpeg_quality=40)))
    result = check_texts(list(scan.texts), CONTENT, {"escrutinio1": ESCRUTINIO1_MAPPING})
    assert result.status == MISMATCH
    assert [(d.field, d.qr, d.typed) for d in result.differences] == [
        ("votes.a1-psuv", 107, 100),
        ("voters", 285, 278),
    ]


def test_a_page_without_qr() -> None:
    scan = scan_qr(render_acta(PAGE, qr=False, distortion=Distortion(rotate=10)))
    assert scan.texts == () and scan.undecoded == 0
    assert check_texts([], CONTENT, {}).status == NO_QR


def test_generation_is_deterministic_for_a_seed() -> None:
    one = render_acta(PAGE, distortion=Distortion(rotate=10, jpeg_quality=40), seed=3)
    assert one == render_acta(PAGE, distortion=Distortion(rotate=10, jpeg_quality=40), seed=3)
    assert one != render_acta(PAGE, distortion=Distortion(rotate=10, jpeg_quality=40), seed=4)


def test_pdf_is_skipped_and_garbage_refused() -> None:
    scan = scan_qr(b"%PDF-1.7\n%...")
    assert scan.texts == () and "not rasterised" in scan.skipped
    with pytest.raises(ImageError) as caught:
        scan_qr(b"GIF89a")
    assert caught.value.code == "image_type"
    with pytest.raises(ImageError) as caught:
        scan_qr(b"\x89PNG\r\n\x1a\ntruncated")
    assert caught.value.code == "image_type"


def test_a_venezuela_2024_page_decodes_and_maps_to_the_citizen_options() -> None:
    counts = [0] * 38
    counts[0], counts[34], counts[20] = 140, 155, 4
    text = encode_ve2024("201301006.01.1.0001", counts, 1)
    page = ActaPage("x1", "presidente", {"gonzalez": 155, "maduro": 140, "otros": 4}, 1, None, 300)
    scan = scan_qr(
        render_acta(page, payload=text, distortion=Distortion(rotate=10, jpeg_quality=40))
    )
    assert scan.texts == (text,)
    content = {"votes": page.votes, "null": 1, "voters": 300, "blank": None}
    result = check_texts(list(scan.texts), content, {VE2024: VE2024_CITIZEN_MAPPING})
    assert result.status == MATCH
