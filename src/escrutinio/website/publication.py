"""The site as part of ``escrutinio publish``: the publisher hands over what it already holds
(the definition, the data files it is writing, the replayed acta versions and adjudications)
and gets the site's files back one at a time, to be written, hashed into ``manifest.json`` and
left untouched when their bytes did not change."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from escrutinio.model.definition import Definition
from escrutinio.publish.previous import Previous
from escrutinio.tally import ContestCounts
from escrutinio.website.build import SiteOptions, republished_files
from escrutinio.website.bundle import Bundle


def publication_site(
    definition: Definition,
    files: Mapping[str, bytes],
    actas: pl.DataFrame,
    adjudications: Sequence[tuple[int, Mapping[str, Any]]],
    out: Path,
    previous: Previous | None = None,
    options: SiteOptions | None = None,
    *,
    audits: Sequence[tuple[int, Mapping[str, Any]]] | None = None,
    counts: Mapping[str, ContestCounts] | None = None,
) -> Iterator[tuple[str, bytes | None]]:
    """Every site file of the publication being written to ``out`` (whose tiles are already
    written: audit steps, unless given, are read from its entry bundles; ``counts``: the
    official source's counts the publisher took from ``actas``); ``None`` for a page left
    as ``previous`` wrote it."""
    bundle = Bundle.from_files(definition, files, actas, out)
    bundle.set_log_leaves(adjudications, audits)
    if counts is not None:
        bundle.set_counts(counts)
    return republished_files(bundle, files, previous, options)
