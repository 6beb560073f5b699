"""``escrutinio export nist``: the record as an ERR v2 report (XML or JSON), live results or a
stored bulletin, read through the read seam and written by :mod:`escrutinio.interop.nist`.

A bulletin keeps only contest totals, so its unit-level counts are rebuilt by replaying the
log up to the bulletin's log size (the publisher's replay: acta leaves and adjudications in
log order), which gives exactly the actas the bulletin counted.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from escrutinio import reads
from escrutinio.interop.nist.emit import Emitter, JsonEmitter, XmlEmitter
from escrutinio.interop.nist.google import write_google_report
from escrutinio.interop.nist.report import (
    RESULTS_STATUSES,
    RaceState,
    ReportInput,
    default_status,
    write_report,
)
from escrutinio.model.errors import EscrutinioError
from escrutinio.publish.replay import counting_counts, replay
from escrutinio.store import definitions as store_definitions
from escrutinio.store import log as store_log
from escrutinio.store.store import Store
from escrutinio.tally.results import ContestResultDoc

FORMATS = ("xml", "json")
FLAVORS = ("nist", "google")
"""``nist``: NIST SP 1500-100 v2 (its XSD and JSON Schema); ``google``: the variant Google's
civics-cdf-validator reads (XML only)."""


_COUNTRY = re.compile(r"[A-Za-z]{2}")


class ExportError(EscrutinioError):
    """An export that cannot be made (unknown level or status, unwritable output)."""


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    path: Path
    status: str
    contests: int
    bulletin: int | None
    log_size: int


def _races(contests: list[ContestResultDoc]) -> dict[str, RaceState]:
    out: dict[str, RaceState] = {}
    for c in contests:
        status = c["status"]
        if status is None:
            continue
        out[c["contest_id"]] = RaceState(
            status["state"], status["recount_range"], status["reason"], tuple(c["winners"])
        )
    return out


def _timestamp(text: str | None = None) -> str:
    """A DateTimeWithZone (no fractional seconds) for ``text`` (ISO 8601) or now."""
    moment = datetime.fromisoformat(text) if text else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def report_input(
    store: Store,
    *,
    bulletin: int | None = None,
    level: str | None = None,
    status: str | None = None,
    source: str | None = None,
) -> ReportInput:
    """The report's content: live results of ``source`` (default official), or bulletin N."""
    definition = store_definitions.read_definition(store)
    if level is not None:
        try:
            definition.level_index(level)
        except KeyError as exc:
            raise ExportError(str(exc.args[0])) from None
    if status is not None and status not in RESULTS_STATUSES:
        raise ExportError(
            f"unknown --status '{status}' (expected one of {', '.join(RESULTS_STATUSES)})"
        )
    if bulletin is not None:
        doc = reads.bulletin(store, bulletin)
        log_size = doc["log_size"]
        state = replay((e.idx, e.body) for e in store_log.log_entries(store, 0, log_size))
        counts = counting_counts(definition, state.actas, doc["source"])
        races = _races(doc["contests"])
        generated = _timestamp(doc["created_at"])
        identifiers = [
            ("escrutinio-bulletin", str(bulletin)),
            ("escrutinio-log-size", str(log_size)),
            ("escrutinio-source", doc["source"]),
        ]
        sequence = bulletin
    else:
        source = source or definition.info.official_source
        counts = reads.load_counts(store, source)
        log_size = store_log.log_size(store)
        races = _races([r.to_dict() for r in reads.contest_results(definition, counts)])
        generated = _timestamp()
        identifiers = [("escrutinio-log-size", str(log_size)), ("escrutinio-source", source)]
        sequence = 1
    identifiers.append(("escrutinio-definition-sha256", definition.fingerprint))
    return ReportInput(
        definition=definition,
        counts=counts,
        races=races,
        generated=generated,
        status=status or default_status(races),
        level=level,
        sequence=sequence,
        identifiers=identifiers,
    )


def export_nist(
    store: Store,
    out: Path,
    fmt: str = "xml",
    *,
    bulletin: int | None = None,
    level: str | None = None,
    status: str | None = None,
    source: str | None = None,
    flavor: str = "nist",
    country: str | None = None,
) -> ExportSummary:
    """Write the report to ``out`` (whole or not at all: a temporary file beside it is
    renamed into place) in NIST's v2 ``flavor`` or Google's (``country``: the ISO 3166-1
    alpha-2 code of its root GpUnit, required there)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format '{fmt}' (expected xml or json)")
    if flavor not in FLAVORS:
        raise ExportError(f"unknown flavor '{flavor}' (expected nist or google)")
    if flavor == "google":
        if fmt != "xml":
            raise ExportError("the google flavor is XML only")
        if country is None or not _COUNTRY.fullmatch(country):
            raise ExportError(
                "the google flavor needs --country: the two-letter ISO 3166-1 code of the "
                f"country (got {country!r})"
            )
    inp = report_input(store, bulletin=bulletin, level=level, status=status, source=source)
    target = out.resolve()
    if not target.parent.is_dir():
        raise ExportError(f"{out}: the folder {out.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as fh:
            if flavor == "google":
                assert country is not None
                write_google_report(inp, country, XmlEmitter(fh, google=True))
            else:
                emitter: Emitter = XmlEmitter(fh) if fmt == "xml" else JsonEmitter(fh)
                write_report(inp, emitter)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log_size = int(dict(inp.identifiers)["escrutinio-log-size"])
    return ExportSummary(out, inp.status, len(inp.definition.contests), bulletin, log_size)
