"""The last steps: ``audits`` (table draws re-derived from their public seeds, measured
risks recomputed), ``fields``
(fields.json rebuilt from the verifier's field dictionary) and ``coverage`` (files in the
publication that no check read)."""

from __future__ import annotations

from escrutinio.model.fields import FIELDS, field_dictionary_json
from escrutinio.verify.audit_risks import check_audit_risks
from escrutinio.verify.audits import check_audit_draws
from escrutinio.verify.steps.context import Context, Failed, compare_bytes, need
from escrutinio.verify.steps.manifest import MANIFEST_NOTE
from escrutinio.verify.submissions import SubmissionProblem, check_envelopes, registry


def check_audits(ctx: Context) -> str:
    """Every audit's draws follow from its seed over the reported results at its creation,
    and every conclusion's risks from the published hand counts and actas. Needs
    ``ctx.record``, ``ctx.snapshots`` and ``ctx.files`` (ballot manifests). Not fatal."""
    record = need(ctx.record, "record")
    snapshots = need(ctx.snapshots, "snapshots")
    files = need(ctx.files, "manifest")
    draws = check_audit_draws(snapshots.definition, record, files.get)
    if not draws.audits:
        return draws.summary()
    risks = check_audit_risks(snapshots.definition, record, files.get)
    return f"{draws.summary()}; {risks.summary()}"


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


def check_submissions(ctx: Context) -> str:
    """senders.json is the registry the sender leaves define (byte for byte), and every
    envelope leaf is signed by its sender's registered, unrevoked key and names its acta
    version. Needs ``ctx.files`` and ``ctx.record``. Not fatal."""
    files = need(ctx.files, "manifest")
    record = need(ctx.record, "record")
    want = registry(record.submissions)
    listed = "senders.json" in ctx.manifest.get("files", {})
    if want is None:
        if listed:
            raise Failed("senders.json: published, but the log registers no sender")
        return "no senders registered"
    if not listed:
        raise Failed("senders.json: missing, but the log registers senders")
    compare_bytes("senders.json", files.get("senders.json"), want)
    try:
        envelopes = check_envelopes(record.submissions, record.actas)
    except SubmissionProblem as exc:
        raise Failed(str(exc)) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise Failed(f"a submission leaf is malformed ({exc})") from None
    senders = sum(1 for _, leaf in record.submissions if leaf["kind"] == "sender")
    return f"{senders} sender(s) match senders.json; {envelopes} envelope signature(s) verified"
