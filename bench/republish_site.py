"""Benchmark: ``bench/republish.py`` with the website part of each publication timed.

Runs ``bench/republish.py`` (same arguments) and prints, before each publication's line, the
wall time from the site's first file to its last, which includes what the publisher does
with each site file (hashing, comparing with the folder, writing), and the time spent in
the site's own code (rendering, reading back previous pages), and the process CPU time of
the website part (the figure to compare on a shared machine). Goal (issue 11, item 4): the
website part of the re-publish after 1,000 new actas of a 1M-table election ≤ 3 s.

    flock /work/bench/1m.lock .venv/bin/python bench/republish_site.py --units 1000000 \\
        --no-full-check --snapshot DIR
"""

from __future__ import annotations

import runpy
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import escrutinio.website.publication as publication

_site = publication.publication_site


def _timed(*args: Any, **kwargs: Any) -> Iterator[tuple[str, bytes | None]]:
    """The site's files, with the website part's times printed after the last one."""
    t0, cpu0 = time.perf_counter(), time.process_time()
    files: Iterable[tuple[str, bytes | None]] = _site(*args, **kwargs)
    it = iter(files)
    inside = time.perf_counter() - t0
    count = 0
    while True:
        t = time.perf_counter()
        try:
            item = next(it)
        except StopIteration:
            break
        inside += time.perf_counter() - t
        count += 1
        yield item
    total, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    print(
        f"  website part: {total:.2f} s wall, CPU {cpu:.2f} s (site code {inside:.2f} s wall;"
        f" {count:,} files)",
        flush=True,
    )


def main() -> None:
    """Run bench/republish.py with the site timed."""
    publication.publication_site = _timed  # type: ignore[assignment]
    script = Path(__file__).with_name("republish.py")
    sys.argv = [str(script), *sys.argv[1:]]
    runpy.run_path(str(script), run_name="__main__")


if __name__ == "__main__":
    main()
