"""``escrutinio qr-check``'s work: for every image attached to an acta version, decode its
QR codes and compare them with the acta's numbers, or reuse the result already recorded;
new results are appended to the store (never overwriting an older one)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from escrutinio.images import ImageError
from escrutinio.images.qr_check import (
    ESCRUTINIO1_MAPPING,
    UNREADABLE,
    VE2024_CITIZEN_MAPPING,
    QrMapping,
    check_texts,
)
from escrutinio.images.qr_payload import ESCRUTINIO1, VE2024
from escrutinio.images.qr_read import scan_qr
from escrutinio.images.store import ImageStore
from escrutinio.model.definition import Definition
from escrutinio.store import images as store_images
from escrutinio.store.images import ImageRef, QrCheck
from escrutinio.store.store import Store


@dataclass(frozen=True)
class CheckedImage:
    """One image's current QR result and whether it was reused from the store."""

    ref: ImageRef
    check: QrCheck
    reused: bool


def default_mappings(definition: Definition, contest: str) -> dict[str, QrMapping]:
    """The payload mappings for a contest: escrutinio v1 always (it names its options);
    Venezuela 2024 when the contest has the options ``gonzalez``, ``maduro`` and ``otros``
    of examples/venezuela-2024 (see docs/images.md for other mappings)."""
    out = {ESCRUTINIO1: ESCRUTINIO1_MAPPING}
    found = definition.contests.get(contest)
    if found is not None and {"gonzalez", "maduro", "otros"} <= {o.id for o in found.options}:
        out[VE2024] = VE2024_CITIZEN_MAPPING
    return out


def check_image(
    data: bytes, acta: Mapping[str, Any], mappings: Mapping[str, QrMapping]
) -> dict[str, Any]:
    """The QR result (as stored JSON) of one image's bytes against one acta's content."""
    scan = scan_qr(data)
    if scan.skipped:
        return {"status": UNREADABLE, "differences": [], "payloads": [], "detail": scan.skipped}
    return check_texts(list(scan.texts), acta, mappings, scan.undecoded).to_json()


def run_qr_checks(
    store: Store,
    images: ImageStore,
    definition: Definition,
    *,
    recheck: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[CheckedImage]:
    """Check every attached image (reusing recorded results unless ``recheck``)."""
    latest = store_images.latest_qr_checks(store)
    out: list[CheckedImage] = []
    for ref in store_images.image_refs(store):
        known = latest.get(ref.id)
        if known is not None and not recheck:
            out.append(CheckedImage(ref, known, True))
        else:
            out.append(CheckedImage(ref, check_and_record(store, images, definition, ref), False))
        if progress is not None:
            progress(1)
    return out


def check_and_record(
    store: Store, images: ImageStore, definition: Definition, ref: ImageRef
) -> QrCheck:
    """Decode one attached image's QR codes, compare them with its acta version and append
    the result to the store (an image that cannot be read is recorded as unreadable); the
    one way both `qr-check` and the submission server's background decoder record it."""
    acta = store_images.acta_content(store, ref)
    try:
        result = check_image(
            images.read(ref.sha256), acta, default_mappings(definition, ref.contest)
        )
    except ImageError as exc:
        result = {
            "status": UNREADABLE,
            "differences": [],
            "payloads": [],
            "detail": f"{exc.code}: {exc}",
        }
    return store_images.record_qr_check(store, ref.id, result["status"], result)
