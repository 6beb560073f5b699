"""``escrutinio verify``: check a publication trusting nothing but the public keys.

Steps (`escrutinio.verify.steps`, in order): the manifest's SHA-256 of every file; the
checkpoint's log signature and the witness cosignatures (k of n, C2SP tlog-cosignature);
the manifest bound to the checkpoint; the whole RFC 9162 tree rebuilt from the C2SP
tlog-tiles entry bundles against the checkpoint root; consistency with every checkpoint
seen before (kept in a state directory, so a rewritten history is caught even when it is
internally consistent); the log leaves; the definition, actas, results and every bulletin
recomputed from the log leaves and compared field by field and byte for byte with the
published files; every audit's table draws re-derived from its public seed; fields.json;
the files no check covers.

This package imports only `escrutinio.model` and `escrutinio.tally` from escrutinio.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from escrutinio.verify.acta import ActaProof as ActaProof
from escrutinio.verify.acta import verify_acta as verify_acta
from escrutinio.verify.notes import NoteProblem, PublicKey
from escrutinio.verify.record import RecordProblem
from escrutinio.verify.source import MAX_FILE_BYTES, Source
from escrutinio.verify.steps import STEPS, Context, CouldNotRun, Failed, Step
from escrutinio.verify.steps.log import load_state, save_state
from escrutinio.verify.tiles import TileProblem

INTERNAL = "unexpected content the check could not interpret"


@dataclass
class Check:
    """One named check and its outcome."""

    name: str
    ok: bool
    detail: str
    seconds: float = 0.0


@dataclass
class Report:
    """The outcome of verifying a publication."""

    location: str
    checks: list[Check] = field(default_factory=list)
    size: int | None = None
    witnesses: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)
    could_not_run: bool = False

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return bool(self.checks) and all(c.ok for c in self.checks)

    def failures(self) -> list[Check]:
        """The failed checks."""
        return [c for c in self.checks if not c.ok]

    @property
    def exit_code(self) -> int:
        """0 verified, 1 a check failed, 2 the publication could not be reached."""
        if self.could_not_run:
            return 2
        return 0 if self.ok else 1


def run_step(report: Report, step: Step, ctx: Context) -> bool:
    """Run one step on ``ctx`` and record its outcome in ``report``; any exception is a
    failed check (never a crash). True when the step passed."""
    start = time.perf_counter()
    try:
        detail = step.run(ctx)
    except CouldNotRun as exc:
        report.could_not_run = True
        detail = str(exc)
    except (Failed, NoteProblem, TileProblem, RecordProblem) as exc:
        detail = str(exc)
    except RecursionError:
        detail = "a published JSON document is nested too deep"
    except (Exception, pl.exceptions.PanicException) as exc:
        detail = f"{INTERNAL} ({type(exc).__name__}: {str(exc)[:200]})"
    else:
        report.checks.append(Check(step.name, True, detail, time.perf_counter() - start))
        return True
    report.checks.append(Check(step.name, False, detail))
    return False


def verify_publication(
    location: str | Path | Source,
    log_key: PublicKey,
    witnesses: Sequence[PublicKey] = (),
    min_witnesses: int = 0,
    state_dir: str | Path | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> Report:
    """Verify the publication at ``location`` (directory or URL); see the module docstring.

    No file larger than ``max_file_bytes`` is read (tiles, notes and the manifest have
    smaller fixed limits, see `escrutinio.verify.source`)."""
    source = location if isinstance(location, Source) else Source(location, max_file_bytes)
    state = Path(state_dir) if state_dir is not None else None
    ctx = Context(source, log_key, witnesses, min_witnesses, state)
    report = Report(source.location)
    for step in STEPS:
        if not run_step(report, step, ctx) and step.fatal:
            break
    report.size, report.witnesses, report.uncovered = ctx.size, ctx.cosigned, ctx.uncovered
    if report.ok and state is not None and ctx.body is not None:
        save_state(state, log_key.name, load_state(state, log_key.name), ctx.body)
    return report
