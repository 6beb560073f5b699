"""Each verification step called alone on a context built by the steps before it: one
passing and at least one failing case per step, plus the orchestrator's fatal rule."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_pubkit import Pub, full
from memsource import MemorySource, load_folder

from escrutinio.verify.expected import bulletin_index_csv
from escrutinio.verify.notes import PublicKey
from escrutinio.verify.record import AuditStep
from escrutinio.verify.source import MAX_FILE_BYTES, Source
from escrutinio.verify.steps import STEPS, Context, CouldNotRun, Failed, Step
from escrutinio.verify.steps.archive import check_archive
from escrutinio.verify.steps.bulletins import check_bulletins
from escrutinio.verify.steps.checkpoint import check_checkpoint
from escrutinio.verify.steps.closing import check_audits, check_coverage, check_fields
from escrutinio.verify.steps.content import check_actas, check_definition, check_results
from escrutinio.verify.steps.context import need
from escrutinio.verify.steps.log import check_history, check_tiles, read_leaves, save_state
from escrutinio.verify.steps.manifest import check_binding, check_manifest
from escrutinio.verify.verifier import Report, run_step, verify_publication
from support import small_definition


@dataclasses.dataclass
class Published:
    """One honest publication held in memory, and its keys."""

    files: dict[str, bytes]
    log_key: PublicKey
    witness_key: PublicKey


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    tmp = tmp_path_factory.mktemp("steps")
    pub: Pub = full(f"sqlite:///{tmp / 'store.db'}", small_definition(), tmp)
    yield Published(load_folder(pub.out), pub.log_key, pub.witness_key)
    pub.store.close()


def context(
    published: Published,
    files: dict[str, bytes] | None = None,
    min_witnesses: int = 1,
    state_dir: Path | None = None,
) -> Context:
    """A fresh context over a copy of the publication (or ``files``)."""
    source = MemorySource(dict(files or published.files), MAX_FILE_BYTES)
    return Context(source, published.log_key, [published.witness_key], min_witnesses, state_dir)


def run_before(ctx: Context, name: str) -> Context:
    """Run every step before the one called ``name``; they must pass."""
    for step in STEPS:
        if step.name == name:
            return ctx
        step.run(ctx)
    raise AssertionError(f"no step {name}")


def test_steps_are_in_order_and_declare_fatality() -> None:
    assert [(s.name, s.fatal) for s in STEPS] == [
        ("manifest", True),
        ("checkpoint", True),
        ("binding", True),
        ("tiles", True),
        ("history", False),
        ("leaves", True),
        ("definition", True),
        ("actas", False),
        ("images", False),
        ("results", False),
        ("bulletins", False),
        ("audits", False),
        ("submissions", False),
        ("fields", False),
        ("archive", False),
        ("coverage", False),
    ]


# manifest


def test_manifest_reads_every_listed_file(published: Published) -> None:
    ctx = context(published)
    detail = check_manifest(ctx)
    files = need(ctx.files, "files")
    assert detail == f"{len(files.manifest)} files listed"
    assert "actas.csv" in files.cache and ctx.manifest_raw == published.files["manifest.json"]


def test_manifest_not_canonical_fails(published: Published) -> None:
    files = dict(published.files)
    files["manifest.json"] = json.dumps(json.loads(files["manifest.json"]), indent=1).encode()
    with pytest.raises(Failed, match=r"manifest.json: not canonical JSON \(RFC 8785\)"):
        check_manifest(context(published, files))


def test_manifest_of_a_missing_folder_could_not_run(published: Published, tmp_path: Path) -> None:
    ctx = Context(Source(tmp_path / "absent"), published.log_key)
    with pytest.raises(CouldNotRun):
        check_manifest(ctx)


def test_manifest_listed_file_with_other_bytes_fails(published: Published) -> None:
    files = dict(published.files)
    files["fields.json"] += b" "
    with pytest.raises(
        Failed, match=re.escape("fields.json: SHA-256 does not match manifest.json")
    ):
        check_manifest(context(published, files))


# checkpoint


def test_checkpoint_counts_the_trusted_witness(published: Published) -> None:
    ctx = run_before(context(published), "checkpoint")
    detail = check_checkpoint(ctx)
    assert ctx.cosigned == ["witness.example/observer"]
    body = need(ctx.body, "body")
    assert ctx.size == body.size and f"size {body.size}" in detail


def test_checkpoint_without_quorum_fails(published: Published) -> None:
    ctx = run_before(context(published, min_witnesses=2), "checkpoint")
    with pytest.raises(Failed, match="1 of the required 2 witnesses cosigned it"):
        check_checkpoint(ctx)
    assert ctx.size is None


# binding


def test_binding_passes(published: Published) -> None:
    ctx = run_before(context(published), "binding")
    assert check_binding(ctx) == "manifest.json is bound to the checkpoint by the log key"


def test_binding_to_another_manifest_fails(published: Published) -> None:
    ctx = run_before(context(published), "binding")
    ctx.manifest_raw += b" "
    with pytest.raises(Failed, match=re.escape("manifest.note: does not bind this manifest.json")):
        check_binding(ctx)


def test_binding_without_the_note_fails(published: Published) -> None:
    files = {k: v for k, v in published.files.items() if k != "manifest.note"}
    ctx = run_before(context(published, files), "binding")
    with pytest.raises(Failed, match=re.escape("manifest.note")):
        check_binding(ctx)


# tiles


def test_tiles_rebuild_the_signed_root(published: Published) -> None:
    ctx = run_before(context(published), "tiles")
    body = need(ctx.body, "body")
    assert check_tiles(ctx) == f"{body.size} entries rebuilt, root matches"
    assert ctx.entries is not None and len(ctx.entries) == body.size


def test_tiles_against_another_root_fail(published: Published) -> None:
    ctx = run_before(context(published), "tiles")
    ctx.body = dataclasses.replace(need(ctx.body, "body"), root=bytes(32))
    with pytest.raises(Failed, match="rebuilt tree root differs"):
        check_tiles(ctx)


# history


def test_history_without_state_passes(published: Published, tmp_path: Path) -> None:
    ctx = run_before(context(published, state_dir=tmp_path / "st"), "history")
    assert check_history(ctx) == "consistent with 0 checkpoint(s) seen before"


def test_history_after_a_larger_checkpoint_fails(published: Published, tmp_path: Path) -> None:
    ctx = run_before(context(published, state_dir=tmp_path / "st"), "history")
    body = need(ctx.body, "body")
    save_state(tmp_path / "st", body.origin, [], dataclasses.replace(body, size=body.size + 1))
    with pytest.raises(Failed, match=f"shrank from {body.size + 1}"):
        check_history(ctx)


def test_history_with_a_rewritten_prefix_fails(published: Published, tmp_path: Path) -> None:
    ctx = run_before(context(published, state_dir=tmp_path / "st"), "history")
    body = need(ctx.body, "body")
    save_state(tmp_path / "st", body.origin, [], dataclasses.replace(body, root=bytes(32)))
    with pytest.raises(Failed, match="not an extension of the checkpoint"):
        check_history(ctx)


def test_history_with_unreadable_state_could_not_run(published: Published, tmp_path: Path) -> None:
    ctx = run_before(context(published, state_dir=tmp_path), "history")
    body = need(ctx.body, "body")
    save_state(tmp_path, body.origin, [], body)
    for state in tmp_path.glob("*.json"):
        state.write_text("{", encoding="utf-8")
    with pytest.raises(CouldNotRun, match="the verifier's state cannot be read"):
        check_history(ctx)


# leaves


def test_leaves_read_the_record(published: Published) -> None:
    ctx = run_before(context(published), "leaves")
    detail = read_leaves(ctx)
    record = need(ctx.record, "record")
    assert ctx.entries is None and record.definition is not None
    assert detail == f"{record.actas.height} acta versions, 2 bulletins"


def test_leaves_without_a_definition_fail(published: Published) -> None:
    ctx = run_before(context(published), "leaves")
    ctx.entries = [e for e in need(ctx.entries, "entries") if b'"kind":"definition"' not in e]
    with pytest.raises(Failed, match="log: no definition leaf"):
        read_leaves(ctx)


# definition


def test_definition_rebuilds_to_the_logged_fingerprint(published: Published) -> None:
    ctx = run_before(context(published), "definition")
    assert check_definition(ctx).startswith("fingerprint ")
    assert ctx.snapshots is not None


def test_definition_with_other_units_fails(published: Published) -> None:
    ctx = run_before(context(published), "definition")
    need(ctx.files, "files").cache["definition/units.csv"] = b"id,region\n"
    with pytest.raises(Failed, match="definition/: does not rebuild"):
        check_definition(ctx)


# actas


def test_actas_match_their_leaves(published: Published) -> None:
    ctx = run_before(context(published), "actas")
    height = need(ctx.record, "record").actas.height
    assert check_actas(ctx) == (
        f"{height} acta versions match their leaves (csv, parquet, prep csv)"
    )


def test_actas_prep_csv_edited_fails(published: Published) -> None:
    ctx = run_before(context(published), "actas")
    files = need(ctx.files, "files")
    prep = files.get("actas_prep.csv")
    header, first, *rest = prep.split(b"\n")
    cells = first.split(b",")
    cells[1] = b"0" * 64  # another leaf hash
    files.cache["actas_prep.csv"] = b"\n".join([header, b",".join(cells), *rest])
    with pytest.raises(Failed, match=r"actas_prep.csv: line \d+ differs"):
        check_actas(ctx)


def test_actas_csv_edited_fails(published: Published) -> None:
    ctx = run_before(context(published), "actas")
    files = need(ctx.files, "files")
    files.cache["actas.csv"] = files.cache["actas.csv"].replace(b",u2,", b",u9,", 1)
    with pytest.raises(Failed, match=r"actas.csv: line \d+ differs"):
        check_actas(ctx)


def test_actas_parquet_not_parquet_fails(published: Published) -> None:
    ctx = run_before(context(published), "actas")
    need(ctx.files, "files").cache["actas.parquet"] = b"not parquet"
    with pytest.raises(Failed, match=re.escape("actas.parquet: not the expected Parquet table")):
        check_actas(ctx)


# results


def test_results_recomputed(published: Published) -> None:
    ctx = run_before(context(published), "results")
    assert check_results(ctx) == "2 contests recomputed from the actas"


def test_results_csv_edited_fails(published: Published) -> None:
    ctx = run_before(context(published), "results")
    files = need(ctx.files, "files")
    files.cache["results/results.csv"] += b"x\n"
    with pytest.raises(Failed, match=r"results/results\.csv: line \d+ differs"):
        check_results(ctx)


def test_results_json_not_json_fails(published: Published) -> None:
    ctx = run_before(context(published), "results")
    need(ctx.files, "files").cache["results/results.json"] = b"{"
    with pytest.raises(Failed, match=re.escape("results/results.json: not valid JSON")):
        check_results(ctx)


# bulletins


def test_bulletins_recomputed(published: Published) -> None:
    ctx = run_before(context(published), "bulletins")
    assert check_bulletins(ctx) == "2 bulletins recomputed and match"


def test_bulletin_with_another_digest_fails(published: Published) -> None:
    ctx = run_before(context(published), "bulletins")
    bulletin = need(ctx.record, "record").bulletins[0]
    bulletin.leaf["sha256"] = "0" * 64
    with pytest.raises(
        Failed, match=f"SHA-256 differs from the bulletin's log leaf {bulletin.index}"
    ):
        check_bulletins(ctx)


def test_bulletin_index_without_a_logged_bulletin_fails(published: Published) -> None:
    ctx = run_before(context(published), "bulletins")
    need(ctx.record, "record").bulletins.pop()
    with pytest.raises(Failed, match=r"bulletins/index\.csv: line 3 differs"):
        check_bulletins(ctx)


def test_bulletin_not_in_the_log_fails(published: Published) -> None:
    ctx = run_before(context(published), "bulletins")
    record = need(ctx.record, "record")
    record.bulletins.pop()
    need(ctx.files, "files").cache["bulletins/index.csv"] = bulletin_index_csv(record.bulletins)
    with pytest.raises(Failed, match="a published bulletin that is not in the log"):
        check_bulletins(ctx)


# audits


def test_audits_none_recorded(published: Published) -> None:
    ctx = run_before(context(published), "audits")
    assert check_audits(ctx) == "no audit records"


def test_audit_used_before_created_fails(published: Published) -> None:
    ctx = run_before(context(published), "audits")
    record = need(ctx.record, "record")
    record.audits.append(AuditStep(record.size, {"kind": "audit", "audit": "x", "step": "draw"}))
    with pytest.raises(ValueError, match="audit 'x' used before created"):
        check_audits(ctx)


# fields


def test_fields_rebuilt(published: Published) -> None:
    ctx = run_before(context(published), "fields")
    assert check_fields(ctx).endswith("files described, rebuilt byte for byte")


def test_fields_edited_fails(published: Published) -> None:
    ctx = run_before(context(published), "fields")
    need(ctx.files, "files").cache["fields.json"] = b"{}\n"
    with pytest.raises(Failed, match=re.escape("fields.json: line 1 differs")):
        check_fields(ctx)


# archive


def test_archive_absent_passes_with_a_note(published: Published) -> None:
    ctx = run_before(context(published), "archive")
    assert check_archive(ctx) == "no archive in this publication"


def test_archive_with_a_bad_sum_line_fails(published: Published) -> None:
    files = {**published.files, "archive/publication.tar.sha256": b"nonsense\n"}
    ctx = run_before(context(published, files), "archive")
    with pytest.raises(Failed, match="expected one line"):
        check_archive(ctx)


# coverage


def test_coverage_of_an_honest_publication(published: Published) -> None:
    ctx = run_before(context(published), "coverage")
    assert check_coverage(ctx) == "every file in the publication is covered by a check"
    assert ctx.uncovered == []


def test_coverage_lists_a_stray_file(published: Published) -> None:
    files = {**published.files, "stray.txt": b"x"}
    ctx = run_before(context(published, files), "coverage")
    assert check_coverage(ctx) == "1 file(s) no check covers: 'stray.txt'"
    assert ctx.uncovered == ["stray.txt"]


# the orchestrator


def test_run_step_records_an_unexpected_exception_as_a_failed_check(
    published: Published,
) -> None:
    def broken(ctx: Context) -> str:
        raise KeyError("boom")

    report = Report("here")
    assert not run_step(report, Step("broken", broken, fatal=False), context(published))
    assert report.checks[0].detail.startswith("unexpected content the check could not interpret")


def test_a_fatal_failure_stops_the_run(published: Published) -> None:
    files = {**published.files, "manifest.json": b"{}"}
    report = verify_publication(MemorySource(files, MAX_FILE_BYTES), published.log_key)
    assert [c.name for c in report.checks] == ["manifest"] and report.exit_code == 1


def test_a_non_fatal_failure_is_recorded_and_the_run_goes_on(
    published: Published, tmp_path: Path
) -> None:
    ctx = run_before(context(published), "tiles")
    body = need(ctx.body, "body")
    save_state(tmp_path, body.origin, [], dataclasses.replace(body, root=bytes(32)))
    source = MemorySource(dict(published.files), MAX_FILE_BYTES)
    report = verify_publication(source, published.log_key, state_dir=tmp_path)
    assert [c.name for c in report.failures()] == ["history"] and report.exit_code == 1
    assert [c.name for c in report.checks] == [s.name for s in STEPS]
    assert report.size == body.size
