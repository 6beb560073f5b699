"""The last steps: ``audits`` (table draws re-derived from their public seeds), ``fields``
(fields.json rebuilt from the verifier's field dictionary) and ``coverage`` (files in the
publication that no check read)."""

from __future__ import annotations

from escrutinio.model.fields import FIELDS, field_dictionary_json
from escrutinio.verify.audits import check_audit_draws
from escrutinio.verify.steps.context import Context, compare_bytes, need
from escrutinio.verify.steps.manifest import MANIFEST_NOTE


def check_audits(ctx: Context) -> str:
    """Every audit's draws follow from its seed over the reported results at its creation.
    Needs ``ctx.record`` and ``ctx.snapshots``. Not fatal."""
    record = need(ctx.record, "record")
    snapshots = need(ctx.snapshots, "snapshots")
    return check_audit_draws(snapshots.definition, record).summary()


def check_fields(ctx: Context) -> str:
    """fields.json is byte for byte the field dictionary. Needs ``ctx.files``. Not fatal."""
    files = need(ctx.files, "manifest")
    compare_bytes("fields.json", files.get("fields.json"), field_dictionary_json())
    return f"{len(FIELDS)} files described, rebuilt byte for byte"


def check_coverage(ctx: Context) -> str:
    """List in ``ctx.uncovered`` the files of a local publication that neither the manifest
    nor a checked cosignature copy covers (a report, never a failure)."""
    covered = {"manifest.json", MANIFEST_NOTE, *ctx.manifest.get("files", {}), *ctx.covered}
    ctx.uncovered = [rel for rel in ctx.source.walk() if rel not in covered]
    if ctx.source.path is None:
        return "not listable over http(s)"
    if not ctx.uncovered:
        return "every file in the publication is covered by a check"
    shown = ", ".join(repr(p) for p in ctx.uncovered[:5])
    more = f" (+{len(ctx.uncovered) - 5} more)" if len(ctx.uncovered) > 5 else ""
    return f"{len(ctx.uncovered)} file(s) no check covers: {shown}{more}"
