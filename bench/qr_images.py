"""Acta images: generating pages, decoding their QR codes, and the image store.

Prints, for N generated acta pages of each kind (straight PNG, rotated 10° JPEG q=40,
blurred, no QR): pages per second decoded and p50/p99 decode latency, how many decoded to
the expected text, and the store's put throughput for 1 MiB images with peak memory.

    .venv/bin/python bench/qr_images.py --pages 40 --store-images 50
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from escrutinio.images.qr_read import scan_qr
from escrutinio.images.store import ImageStore
from escrutinio.images.synthetic import ActaPage, Distortion, qr_text, render_acta

KINDS = {
    "straight PNG": (True, Distortion()),
    "rotated 10° JPEG q=40": (True, Distortion(rotate=10, jpeg_quality=40)),
    "blurred r=2 PNG": (True, Distortion(blur=2.0)),
    "no QR, rotated 10° PNG": (False, Distortion(rotate=10)),
}


def _page(i: int) -> ActaPage:
    votes = {f"o{k:02d}": (i * 37 + k * 11) % 400 for k in range(12)}
    return ActaPage(f"U{i:06d}", "pres", votes, i % 5, None, sum(votes.values()) + i % 5)


def bench_decode(pages: int) -> None:
    """Decode throughput and latency per kind of page."""
    for name, (qr, distortion) in KINDS.items():
        data = [render_acta(_page(i), qr=qr, distortion=distortion, seed=i) for i in range(pages)]
        times, ok = [], 0
        for i, blob in enumerate(data):
            start = time.perf_counter()
            scan = scan_qr(blob)
            times.append(time.perf_counter() - start)
            ok += scan.texts == ((qr_text(_page(i)),) if qr else ())
        total = sum(times)
        times.sort()
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(
            f"{name:26s} {pages} pages, {sum(map(len, data)) / pages / 1024:6.0f} KiB each: "
            f"{pages / total:6.1f} pages/s, p50 {statistics.median(times) * 1000:6.0f} ms, "
            f"p99 {p99 * 1000:6.0f} ms, as expected {ok}/{pages}"
        )


def bench_store(images: int) -> None:
    """ImageStore.put throughput (fsync'ed) for 1 MiB JPEG-like blobs, and peak memory."""
    blobs = [b"\xff\xd8\xff\xe0" + os.urandom(1024 * 1024 - 4) for _ in range(images)]
    with tempfile.TemporaryDirectory() as tmp:
        store = ImageStore(Path(tmp))
        tracemalloc.start()
        start = time.perf_counter()
        for blob in blobs:
            store.put(blob, "image/jpeg")
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        start = time.perf_counter()
        for blob in blobs[:10]:
            store.put(blob, "image/jpeg")  # already held: hashed and compared only
        again = (time.perf_counter() - start) / 10
    print(
        f"store.put 1 MiB: {images / elapsed:6.1f} images/s ({images / elapsed:.0f} MiB/s), "
        f"a repeat put {again * 1000:.1f} ms, peak traced memory {peak / 2**20:.1f} MiB"
    )


def main() -> None:
    """Run both benchmarks at the sizes given."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--store-images", type=int, default=50)
    args = parser.parse_args()
    bench_decode(args.pages)
    bench_store(args.store_images)


if __name__ == "__main__":
    main()
