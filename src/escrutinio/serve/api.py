"""The read API under ``/api/v1/``: the CLI's ``--format json`` documents, answered from the
publication folder (never from a store), cached per publication, with ETags and 304s."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sse_starlette.sse import EventSourceResponse

from escrutinio.ledger.checkpoint import CheckpointError, parse_checkpoint
from escrutinio.serve import schemas
from escrutinio.serve.catalog import Catalog, answer_key, make_answer
from escrutinio.serve.diff import bulletin_diff
from escrutinio.serve.policy import IMMUTABLE, SHORT
from escrutinio.serve.problems import Problem
from escrutinio.serve.proofs import ProofUnavailable
from escrutinio.serve.ready import ReadyResponse
from escrutinio.serve.state import PublicationState
from escrutinio.website.bundle import Bundle

PREFIX = "/api/v1"
PING_SECONDS = 15
"""A comment line this often keeps idle event streams open through proxies."""

router = APIRouter(prefix=PREFIX)
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.Problem, "content": {"application/problem+json": {}}}
    for code in (400, 404, 503)
}


def catalog_of(request: Request) -> Catalog:
    """The app's catalog."""
    catalog: Catalog = request.app.state.catalog
    return catalog


async def answer(
    request: Request,
    build: Callable[[Catalog], Awaitable[Any]],
    cache_control: str = SHORT,
) -> Response:
    """Answer from the cache of the current publication, building the document once."""
    catalog = catalog_of(request)
    catalog.state  # noqa: B018 (503 when there is no publication)
    key = answer_key(request.scope["path"], request.scope["query_string"].decode("latin-1"))
    hit = catalog.answers.get(key)
    if hit is None:
        hit = make_answer(await build(catalog), cache_control)
        catalog.remember(key, hit)
    return ReadyResponse(hit)


def _bulletin(bundle: Bundle, number: int) -> dict[str, Any]:
    for doc in bundle.bulletins:
        if doc["number"] == number:
            return dict(doc)
    known = ", ".join(str(b["number"]) for b in bundle.bulletins) or "none"
    raise Problem(404, f"no bulletin {number} in this publication (published: {known})")


def _contest(bundle: Bundle, contest: str) -> None:
    if contest not in bundle.definition.contests:
        known = ", ".join(bundle.definition.contests)
        raise Problem(404, f"unknown contest '{contest}' (known: {known})")


def _level(bundle: Bundle, level: str) -> None:
    if level not in bundle.definition.region_levels:
        known = ", ".join(bundle.definition.region_levels)
        raise Problem(400, f"unknown region level '{level}' (known: {known})")


BulletinQuery = Annotated[
    int | None, Query(ge=1, description="Answer from stored bulletin N instead.")
]


@router.get("/summary", response_model=schemas.Summary, responses=ERRORS)
async def summary(request: Request, bulletin: BulletinQuery = None) -> Response:
    """Election summary: seats by alliance, pending races, votes, turnout (``escrutinio
    results --summary -f json``; with ``bulletin``, ``results --bulletin N --summary``)."""

    async def build(c: Catalog) -> Any:
        b = await c.bundle()
        if bulletin is None:
            return b.results["summary"]
        doc = _bulletin(b, bulletin)
        return {"bulletin": doc["number"], "created_at": doc["created_at"], **doc["summary"]}

    return await answer(request, build)


@router.get("/races", response_model=list[schemas.ContestResult], responses=ERRORS)
async def races(request: Request, bulletin: BulletinQuery = None) -> Response:
    """Every race's overall result with its status and reason (``results -f json``)."""

    async def build(c: Catalog) -> Any:
        b = await c.bundle()
        if bulletin is None:
            return b.results["contests"]
        return _bulletin(b, bulletin)["contests"]

    return await answer(request, build)


@router.get(
    "/races/{contest}",
    response_model=schemas.ContestResult | list[schemas.ContestResult],
    responses=ERRORS,
)
async def race(
    request: Request,
    contest: str,
    level: Annotated[str | None, Query(description="Break down by this region level.")] = None,
) -> Response:
    """One race overall (``results -c C -f json``, one object), or with ``level`` its result
    in every region of that level (``results -c C --level L -f json``, a list)."""

    async def build(c: Catalog) -> Any:
        b = await c.bundle()
        _contest(b, contest)
        if level is None:
            for doc in b.results["contests"]:
                if doc["contest_id"] == contest:
                    return doc
            return b.overall[contest].to_dict()
        _level(b, level)
        return [r.to_dict() for r in b.by_level(contest, level)]

    return await answer(request, build)


def _region_doc(b: Bundle, idx: int) -> dict[str, Any]:
    regions = b.definition.regions
    parent = int(regions.parent[idx])
    return {
        "id": regions.ids[idx],
        "name": regions.names[idx],
        "level": b.definition.region_levels[int(regions.level[idx])],
        "parent": regions.ids[parent] if parent >= 0 else None,
    }


@router.get("/regions", responses=ERRORS)
async def regions(
    request: Request,
    level: Annotated[str | None, Query(description="Only regions of this level.")] = None,
    parent: Annotated[str | None, Query(description="Only regions inside this one.")] = None,
) -> Response:
    """The regions of the definition (``definition/regions.csv`` as JSON: id, name, level,
    parent)."""

    async def build(c: Catalog) -> Any:
        b = await c.bundle()
        if level is not None:
            _level(b, level)
        docs = [_region_doc(b, i) for i in range(len(b.definition.regions))]
        return [
            d
            for d in docs
            if (level is None or d["level"] == level) and (parent is None or d["parent"] == parent)
        ]

    return await answer(request, build)


@router.get("/regions/{region}", responses=ERRORS)
async def region(request: Request, region: str) -> Response:
    """One region: its place in the hierarchy and the result of every race held there (the
    region rows of ``results --level``)."""

    async def build(c: Catalog) -> Any:
        b = await c.bundle()
        idx = b.definition.regions.index.get(region)
        if idx is None:
            raise Problem(404, f"unknown region '{region}'")
        doc = _region_doc(b, idx)
        children = [
            b.definition.regions.ids[i]
            for i in range(len(b.definition.regions))
            if int(b.definition.regions.parent[i]) == idx
        ]
        results = [b.region_result(cid, region) for cid in b.contests_in_region(region)]
        return {
            **doc,
            "children": children,
            "results": [r.to_dict() for r in results if r is not None],
        }

    return await answer(request, build)


@router.get("/tables/{unit}/{contest}", response_model=list[schemas.ActaVersion], responses=ERRORS)
async def table(request: Request, unit: str, contest: str) -> Response:
    """Every stored version of one polling table's acta for one race, all sources, with its
    status and whether it counts (``escrutinio versions UNIT CONTEST -f json``)."""

    async def build(c: Catalog) -> Any:
        b = await c.bundle()
        _contest(b, contest)
        if unit not in b.definition.units.index:
            raise Problem(404, f"unknown polling unit '{unit}'")
        return b.versions(unit, contest)

    return await answer(request, build)


@router.get("/bulletins", response_model=list[schemas.BulletinRow], responses=ERRORS)
async def bulletins(request: Request) -> Response:
    """The bulletin index (``escrutinio bulletins -f json``)."""

    async def build(c: Catalog) -> Any:
        b = await c.bundle()
        return [
            {
                "number": r.number,
                "created_at": r.created_at,
                "source": r.source,
                "sha256": r.sha256,
                "log_idx": r.log_index,
            }
            for r in b.bulletin_rows
        ]

    return await answer(request, build)


@router.get("/bulletins/{number}", response_model=schemas.Bulletin, responses=ERRORS)
async def bulletin(request: Request, number: int) -> Response:
    """One stored bulletin (``escrutinio bulletin -f json`` as recorded; never changes)."""

    async def build(c: Catalog) -> Any:
        return _bulletin(await c.bundle(), number)

    return await answer(request, build, IMMUTABLE)


@router.get("/bulletins/{old}/diff/{new}", responses=ERRORS)
async def diff(request: Request, old: int, new: int) -> Response:
    """What changed from bulletin ``old`` to bulletin ``new``: seats, pending races, actas
    counted, and per race its status, winners and votes per candidate."""

    async def build(c: Catalog) -> Any:
        b = await c.bundle()
        return bulletin_diff(_bulletin(b, old), _bulletin(b, new))

    return await answer(request, build, IMMUTABLE)


@router.get("/checkpoint", response_model=schemas.Checkpoint, responses=ERRORS)
async def checkpoint(request: Request) -> Response:
    """The published signed checkpoint: origin, tree size, root, extension lines, the names
    of its signers (log and witnesses) and the note text itself."""

    async def build(c: Catalog) -> Any:
        note = c.files.read("checkpoint")
        if note is None:
            raise Problem(503, "the publication has no checkpoint")
        text = note.decode("utf-8", "replace")
        body, _, sigs = text.partition("\n\n")
        try:
            cp = parse_checkpoint(body + "\n")
        except CheckpointError as exc:
            raise Problem(503, f"the published checkpoint does not parse: {exc}") from None
        signers = [line[2:].split(" ", 1)[0] for line in sigs.splitlines() if line.startswith("— ")]
        return {
            "origin": cp.origin,
            "size": cp.size,
            "root_hash": c.state.root_hash,
            "extensions": list(cp.extensions),
            "signers": signers,
            "note": text,
        }

    return await answer(request, build)


def _checked_size(state: PublicationState, value: int | None, what: str) -> int:
    n = state.tree_size if value is None else value
    if n > state.tree_size:
        raise Problem(400, f"{what}={n} is beyond the published tree size {state.tree_size}")
    return n


@router.get("/proof/inclusion", response_model=schemas.Inclusion, responses=ERRORS)
async def proof_inclusion(
    request: Request,
    index: Annotated[int, Query(ge=0, description="Leaf index (an acta's log_index).")],
    size: Annotated[int | None, Query(ge=1, description="Tree size (default: published).")] = None,
) -> Response:
    """RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` leaves, computed
    from the published tiles (``escrutinio log prove --index N [--size M]``, hex)."""

    async def build(c: Catalog) -> Any:
        state = c.state
        n = _checked_size(state, size, "size")
        if index >= n:
            raise Problem(400, f"index={index} is not inside a tree of size {n}")
        try:
            return c.proofs().inclusion(index, n)
        except ProofUnavailable as exc:
            raise Problem(503, f"no proof from the published tiles: {exc}") from None

    return await answer(request, build, IMMUTABLE if size is not None else SHORT)


@router.get("/proof/consistency", response_model=schemas.Consistency, responses=ERRORS)
async def proof_consistency(
    request: Request,
    old: Annotated[int, Query(alias="from", ge=1, description="The older tree size.")],
    new: Annotated[int | None, Query(alias="to", ge=1, description="Newer size.")] = None,
) -> Response:
    """RFC 9162 consistency proof from the tree of ``from`` leaves to that of ``to`` (default:
    published), from the published tiles (``escrutinio log prove --from A --to B``, hex)."""

    async def build(c: Catalog) -> Any:
        state = c.state
        n = _checked_size(state, new, "to")
        if old > n:
            raise Problem(400, f"from={old} is larger than to={n}")
        try:
            return c.proofs().consistency(old, n)
        except ProofUnavailable as exc:
            raise Problem(503, f"no proof from the published tiles: {exc}") from None

    return await answer(request, build, IMMUTABLE if new is not None else SHORT)


@router.get("/latest", response_model=schemas.Live, responses=ERRORS)
async def latest(request: Request) -> Response:
    """The current publication: tree size, root, checkpoint hash, latest bulletin and the
    races it changed (what ``/api/v1/events`` announces)."""

    async def build(c: Catalog) -> Any:
        return c.state.to_event()

    return await answer(request, build)


async def _events(request: Request, catalog: Catalog) -> AsyncIterator[dict[str, str]]:
    async with catalog.hub.subscribe() as queue:
        state = catalog.hub.current
        if state is not None:
            yield _event(state)
        while True:
            state = await queue.get()
            yield _event(state)


def _event(state: PublicationState) -> dict[str, str]:
    return {
        "event": "publication",
        "id": state.event_id,
        "data": json.dumps(state.to_event(), ensure_ascii=False),
    }


@router.get(
    "/events",
    response_class=Response,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Event stream."}},
)
async def events(request: Request) -> EventSourceResponse:
    """Server-sent events: one ``publication`` event with the current state on connection,
    then one per new publication (tree size, root, bulletin number, races that changed; the
    data of ``/api/v1/latest``)."""
    catalog = catalog_of(request)
    return EventSourceResponse(
        _events(request, catalog),
        ping=PING_SECONDS,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
