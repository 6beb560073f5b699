"""Streaming emitters of ERR v2 documents: the same calls write the XML form (validated by
NIST's XSD) or the JSON form (validated by NIST's JSON Schema), element by element, so a
report of any size is written with memory bounded by its largest single chunk.

A *value* is a scalar (``str``, ``int``, ``bool``), :class:`Refs` (an ``xsd:IDREFS`` list),
:class:`Intl` (an ``InternationalizedText``) or a :data:`Node` (a ``dict`` whose keys are
element names in the XSD's sequence order, with ``@type`` and optionally ``@id``); a key
whose element repeats holds a ``list``. In XML, ``@type`` becomes ``xsi:type`` when it
differs from the element name (``GpUnit`` of type ``ReportingUnit``), ``@id`` the
``ObjectId`` attribute; in JSON both keep their names, ``@type`` prefixed with
``ElectionResults.`` as NIST's JSON Schema requires.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from escrutinio.interop.nist.ids import NAMESPACE, TYPE_PREFIX, XSI

Node = dict[str, Any]


class Refs(tuple[str, ...]):
    """An ``xsd:IDREFS`` value: object ids, space-separated in XML, an array in JSON."""

    __slots__ = ()


@dataclass(frozen=True)
class Intl:
    """An ``InternationalizedText`` with one language string."""

    text: str
    language: str = "es"


class Emitter(Protocol):
    """Writes one ERR v2 document as a stream of elements."""

    def begin(
        self, name: str, type_name: str, object_id: str | None = None, *, many: bool = False
    ) -> None:
        """Open element ``name`` of ``type_name`` (with its ObjectId) whose children follow."""
        ...

    def item(self, name: str, value: Any, *, many: bool = False) -> None:
        """Write a whole element; ``many`` when the element may repeat."""
        ...

    def end(self) -> None:
        """Close the innermost open element."""
        ...


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attr(text: str) -> str:
    return _xml_text(text).replace('"', "&quot;")


def _xml_scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return _xml_text(str(value))


class XmlEmitter:
    """The XML form (UTF-8): NIST's (namespace ``http://itl.nist.gov/ns/voting/1500-100/v2``,
    ``ObjectId`` and ``Language`` attributes) or, with ``google=True``, the spelling of
    Google's variant (no namespace, ``objectId`` and ``language``; see
    :mod:`escrutinio.interop.nist.google`)."""

    def __init__(self, out: TextIO, *, google: bool = False) -> None:
        self._out = out
        self._open: list[str] = []
        self._xmlns = "" if google else f' xmlns="{NAMESPACE}"'
        self._id_attribute = "objectId" if google else "ObjectId"
        self._language = "language" if google else "Language"
        # civics-cdf-validator's EmptyString rule flags an element with children but no text
        # (``<Name><Text…``) when some element of that name is a string; a line break after
        # each parent's start tag gives it the text it looks for
        self._open_sep = "\n" if google else ""

    def _start_tag(self, name: str, type_name: str | None, object_id: str | None) -> str:
        attrs = ""
        if not self._open:
            attrs += f'{self._xmlns} xmlns:xsi="{XSI}"'
        if type_name is not None and type_name != name:
            attrs += f' xsi:type="{type_name}"'
        if object_id is not None:
            attrs += f' {self._id_attribute}="{_xml_attr(object_id)}"'
        return f"<{name}{attrs}>"

    def begin(
        self, name: str, type_name: str, object_id: str | None = None, *, many: bool = False
    ) -> None:
        """See :class:`Emitter`."""
        if not self._open:
            self._out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self._out.write(self._start_tag(name, type_name, object_id) + self._open_sep)
        self._open.append(name)

    def item(self, name: str, value: Any, *, many: bool = False) -> None:
        """See :class:`Emitter`."""
        if isinstance(value, list):
            for v in value:
                self.item(name, v)
            return
        self._out.write(self._render(name, value))

    def _render(self, name: str, value: Any) -> str:
        if isinstance(value, dict):
            inner = "".join(
                self._render(k, v)
                if not isinstance(v, list)
                else "".join(self._render(k, x) for x in v)
                for k, v in value.items()
                if not k.startswith("@")
            )
            start = self._start_tag(name, value.get("@type"), value.get("@id"))
            return start + self._open_sep + inner + f"</{name}>"
        if isinstance(value, Intl):
            return (
                f'<{name}>{self._open_sep}<Text {self._language}="{_xml_attr(value.language)}">'
                f"{_xml_text(value.text)}</Text></{name}>"
            )
        if isinstance(value, Refs):
            return f"<{name}>{' '.join(value)}</{name}>"
        return f"<{name}>{_xml_scalar(value)}</{name}>"

    def end(self) -> None:
        """See :class:`Emitter`."""
        self._out.write(f"</{self._open.pop()}>")
        if not self._open:
            self._out.write("\n")


@dataclass
class _Frame:
    first: bool = True
    array: str | None = None


def _json_value(value: Any) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k == "@type":
                out[k] = TYPE_PREFIX + v
            elif isinstance(v, list):
                out[k] = [_json_value(x) for x in v]
            else:
                out[k] = _json_value(v)
        return out
    if isinstance(value, Intl):
        return {
            "@type": TYPE_PREFIX + "InternationalizedText",
            "Text": [
                {
                    "@type": TYPE_PREFIX + "LanguageString",
                    "Content": value.text,
                    "Language": value.language,
                }
            ],
        }
    if isinstance(value, Refs):
        return list(value)
    return value


class JsonEmitter:
    """The JSON form (NIST's JSON Schema, draft-04): one object, multi-valued elements as
    arrays, written compactly."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._frames: list[_Frame] = []

    def _key(self, name: str, many: bool) -> None:
        if not self._frames:
            return
        frame = self._frames[-1]
        if many and frame.array == name:
            self._out.write(",")
            return
        if frame.array is not None:
            self._out.write("]")
            frame.array = None
        if not frame.first:
            self._out.write(",")
        frame.first = False
        self._out.write(json.dumps(name) + ":")
        if many:
            self._out.write("[")
            frame.array = name

    def begin(
        self, name: str, type_name: str, object_id: str | None = None, *, many: bool = False
    ) -> None:
        """See :class:`Emitter`."""
        self._key(name, many)
        head = {"@type": TYPE_PREFIX + type_name}
        if object_id is not None:
            head["@id"] = object_id
        self._out.write(json.dumps(head, ensure_ascii=False)[:-1])
        self._frames.append(_Frame(first=False))

    def item(self, name: str, value: Any, *, many: bool = False) -> None:
        """See :class:`Emitter`."""
        if isinstance(value, list):
            for v in value:
                self.item(name, v, many=True)
            return
        self._key(name, many)
        self._out.write(json.dumps(_json_value(value), ensure_ascii=False, separators=(",", ":")))

    def end(self) -> None:
        """See :class:`Emitter`."""
        frame = self._frames.pop()
        if frame.array is not None:
            self._out.write("]")
        self._out.write("}")
        if not self._frames:
            self._out.write("\n")
