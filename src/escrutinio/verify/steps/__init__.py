"""The verification steps, in the order `escrutinio.verify.verifier` runs them.

Each step is a module-level function of a `Context` returning its detail line; a step
marked fatal stops the run when it fails (later steps need what it establishes), any other
failure is recorded and the run goes on (and fails at the end).
"""

from __future__ import annotations

from escrutinio.verify.steps.archive import check_archive
from escrutinio.verify.steps.bulletins import check_bulletins
from escrutinio.verify.steps.checkpoint import check_checkpoint
from escrutinio.verify.steps.closing import (
    check_audits,
    check_coverage,
    check_fields,
    check_submissions,
)
from escrutinio.verify.steps.content import (
    check_actas,
    check_definition,
    check_images,
    check_results,
)
from escrutinio.verify.steps.context import Context, CouldNotRun, Failed, Step
from escrutinio.verify.steps.log import check_history, check_tiles, read_leaves
from escrutinio.verify.steps.manifest import check_binding, check_manifest

STEPS: tuple[Step, ...] = (
    Step("manifest", check_manifest, fatal=True),
    Step("checkpoint", check_checkpoint, fatal=True),
    Step("binding", check_binding, fatal=True),
    Step("tiles", check_tiles, fatal=True),
    Step("history", check_history, fatal=False),
    Step("leaves", read_leaves, fatal=True),
    Step("definition", check_definition, fatal=True),
    Step("actas", check_actas, fatal=False),
    Step("images", check_images, fatal=False),
    Step("results", check_results, fatal=False),
    Step("bulletins", check_bulletins, fatal=False),
    Step("audits", check_audits, fatal=False),
    Step("submissions", check_submissions, fatal=False),
    Step("fields", check_fields, fatal=False),
    Step("archive", check_archive, fatal=False),
    Step("coverage", check_coverage, fatal=False),
)
"""Every step, in order."""

__all__ = ["STEPS", "Context", "CouldNotRun", "Failed", "Step"]
