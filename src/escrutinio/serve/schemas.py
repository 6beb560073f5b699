"""JSON Schema for the API documents, derived from the read seam's and the tally's typed
documents (``TypedDict``) so the OpenAPI description cannot drift from what the CLI prints.

Pydantic only reads ``typing_extensions.TypedDict`` on Python 3.11, so `mirrored` rebuilds a
``typing.TypedDict`` (and every one nested in it) as one, keeping names, fields and docs.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, TypedDict, Union, get_args, get_origin, get_type_hints

import typing_extensions

from escrutinio.reads.documents import ActaVersionDoc, BulletinDoc, BulletinEntry
from escrutinio.tally.results import ContestResultDoc
from escrutinio.tally.summary import SummaryDoc

_MIRRORS: dict[type, Any] = {}


def _is_typed_dict(tp: Any) -> bool:
    return isinstance(tp, type) and typing.is_typeddict(tp)


def _convert(tp: Any) -> Any:
    if _is_typed_dict(tp):
        return mirrored(tp)
    origin = get_origin(tp)
    if origin is None:
        return tp
    args = tuple(_convert(a) for a in get_args(tp))
    if origin in (Union, types.UnionType):
        return Union[args]  # noqa: UP007 (built from a tuple at run time)
    if origin is Literal:
        return tp
    if origin is list:
        return list[args[0]]  # type: ignore[valid-type]
    if origin is dict:
        return dict[args[0], args[1]]  # type: ignore[valid-type]
    return tp


def mirrored(td: type) -> Any:
    """The ``typing_extensions.TypedDict`` twin of a ``typing.TypedDict`` class."""
    hit = _MIRRORS.get(td)
    if hit is None:
        fields = {name: _convert(tp) for name, tp in get_type_hints(td).items()}
        make: Any = typing_extensions.TypedDict
        hit = make(td.__name__, fields)
        hit.__doc__ = td.__doc__
        _MIRRORS[td] = hit
    return hit


class InclusionProofDoc(TypedDict):
    """An RFC 9162 inclusion proof as ``escrutinio log prove --index`` prints it (hex)."""

    type: Literal["inclusion"]
    index: int
    size: int
    leaf_hash: str
    root: str
    proof: list[str]


ConsistencyProofDoc = TypedDict(
    "ConsistencyProofDoc",
    {
        "type": Literal["consistency"],
        "from": int,
        "to": int,
        "old_root": str,
        "new_root": str,
        "proof": list[str],
    },
)
ConsistencyProofDoc.__doc__ = (
    "An RFC 9162 consistency proof as ``escrutinio log prove --from`` prints it (hex)."
)


class CheckpointDoc(TypedDict):
    """The published checkpoint: its parsed body, the signed note and who signed it."""

    origin: str
    size: int
    root_hash: str
    extensions: list[str]
    signers: list[str]
    note: str


class LiveDoc(TypedDict):
    """What `/api/v1/events` announces and `/api/v1/latest` returns."""

    origin: str
    tree_size: int
    root_hash: str
    checkpoint_sha256: str
    bulletin: int | None
    bulletin_time: str | None
    races_changed: list[str]


class ProblemDoc(TypedDict):
    """RFC 9457 problem details (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str


Summary = mirrored(SummaryDoc)
ContestResult = mirrored(ContestResultDoc)
Bulletin = mirrored(BulletinDoc)
BulletinRow = mirrored(BulletinEntry)
ActaVersion = mirrored(ActaVersionDoc)
Inclusion = mirrored(InclusionProofDoc)
Consistency = mirrored(ConsistencyProofDoc)
Checkpoint = mirrored(CheckpointDoc)
Live = mirrored(LiveDoc)
Problem = mirrored(ProblemDoc)
