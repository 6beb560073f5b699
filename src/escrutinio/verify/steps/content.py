"""Steps on the published data: ``definition`` (rebuilt and fingerprinted against its
leaf), ``actas`` (actas.csv and actas.parquet against the acta leaves), ``images`` (each
published image's hash is its name, every image leaf's image is published, images.csv
rebuilt from the image leaves) and ``results`` (results recomputed from the counting
actas)."""

from __future__ import annotations

import csv
import io

import polars as pl

from escrutinio.model.canonical import canonical_json_fast
from escrutinio.model.errors import EscrutinioError
from escrutinio.verify import expected
from escrutinio.verify.rebuild import rebuild_definition
from escrutinio.verify.snapshots import Snapshots
from escrutinio.verify.steps.context import (
    Context,
    Failed,
    compare_bytes,
    compare_doc,
    first_line,
    need,
    parse_json,
)
from escrutinio.verify.steps.manifest import REQUIRED


def check_definition(ctx: Context) -> str:
    """The definition files rebuild to the definition whose fingerprint the log holds.

    Needs ``ctx.files`` and ``ctx.record``; establishes ``ctx.snapshots``. Fatal."""
    files = need(ctx.files, "manifest")
    record = need(ctx.record, "record")
    leaf = need(record.definition, "definition leaf")
    published = {p: files.get(p) for p in REQUIRED if p.startswith("definition/")}
    try:
        rebuilt, fingerprint = rebuild_definition(published, leaf)
    except (
        ValueError,
        EscrutinioError,
        csv.Error,
        pl.exceptions.PolarsError,
        pl.exceptions.PanicException,
    ) as exc:
        raise Failed(f"definition/: does not rebuild: {first_line(exc)}") from exc
    ctx.snapshots = Snapshots(rebuilt, fingerprint, record)
    return f"fingerprint {fingerprint[:16]}… matches the log"


def check_actas(ctx: Context) -> str:
    """actas.csv and actas_prep.csv byte for byte and actas.parquet column by column equal
    the acta leaves. Needs ``ctx.files``, ``ctx.record``, ``ctx.acta_leaf_hashes`` and
    ``ctx.snapshots``. Not fatal."""
    files = need(ctx.files, "manifest")
    record = need(ctx.record, "record")
    compare_bytes("actas.csv", files.get("actas.csv"), expected.actas_csv(record.actas))
    files.cache.pop("actas.csv", None)
    try:
        frame = pl.read_parquet(io.BytesIO(files.get("actas.parquet")))
        files.cache.pop("actas.parquet", None)
        bad = expected.actas_frame_matches(frame, record.actas)
    except (
        pl.exceptions.PolarsError,
        pl.exceptions.PanicException,
        OSError,
        ValueError,
    ) as exc:
        raise Failed(f"actas.parquet: not the expected Parquet table ({first_line(exc)})") from exc
    if bad is not None:
        raise Failed(f"actas.parquet: differs from the acta leaves (row {bad})")
    definition = need(ctx.snapshots, "snapshots").definition
    options = list(dict.fromkeys(o.id for c in definition.contests.values() for o in c.options))
    compare_bytes(
        "actas_prep.csv",
        files.get("actas_prep.csv"),
        expected.actas_prep_csv(
            record.actas,
            options,
            need(ctx.acta_leaf_hashes, "acta leaf hashes"),
            expected.prep_senders(record.submissions),
        ),
    )
    files.cache.pop("actas_prep.csv", None)
    return f"{record.actas.height} acta versions match their leaves (csv, parquet, prep csv)"


def check_results(ctx: Context) -> str:
    """results/results.json and results.csv equal the snapshot recomputed from the actas
    counting after the whole log. Needs ``ctx.files``, ``ctx.record``, ``ctx.body`` and
    ``ctx.snapshots``. Not fatal."""
    files = need(ctx.files, "manifest")
    record = need(ctx.record, "record")
    body = need(ctx.body, "checkpoint")
    snapshots = need(ctx.snapshots, "snapshots")
    published = parse_json("results/results.json", files.get("results/results.json"))
    snap = snapshots.snapshot(
        record.counting_now(), snapshots.definition.info.official_source, body.size
    )
    compare_doc("results/results.json", snap, published)
    compare_bytes(
        "results/results.json", files.get("results/results.json"), canonical_json_fast(snap)
    )
    compare_bytes(
        "results/results.csv", files.get("results/results.csv"), expected.results_csv(snap)
    )
    return f"{len(snap['contests'])} contests recomputed from the actas"


def check_images(ctx: Context) -> str:
    """Every image an image leaf records is published as ``images/<sha256>`` and every
    published image's bytes hash to its name (the manifest step read them against the
    manifest's digests). Needs ``ctx.files`` and ``ctx.record``. Not fatal."""
    files = need(ctx.files, "manifest")
    record = need(ctx.record, "record")
    published = {rel: d for rel, d in files.manifest.items() if rel.startswith("images/")}
    for rel, digest in published.items():
        if rel != f"images/{digest}":
            raise Failed(f"{rel}: its SHA-256 is {digest}, not its name")
    missing = sorted(
        {leaf["sha256"] for _, leaf in record.images} - {d for d in published.values()}
    )
    if missing:
        raise Failed(f"images/{missing[0]}: recorded by the log but not published")
    return f"{len(published)} images match their names; {len(record.images)} image leaves"
