"""Reading an ERR v2 report (XML or JSON) into one plain shape: the JSON form's objects
(``@type`` with the ``ElectionResults.`` prefix, ``@id``, element names as keys), with every
XML child element under its name as a list. :func:`many`, :func:`one`, :func:`refs`,
:func:`text` read either form.

XML is parsed with entity resolution, DTDs and network access off (lxml).
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree

from escrutinio.interop.nist.ids import NAMESPACE, TYPE_PREFIX, XSI

Obj = dict[str, Any]


class ReportError(ValueError):
    """The file is not an ERR v2 report this reader can take (with where and why)."""


_XSI_TYPE = f"{{{XSI}}}type"


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _element(el: etree._Element) -> Any:
    children = [c for c in el if isinstance(c.tag, str)]
    attrs = el.attrib
    if not children:
        text = el.text or ""
        if "Language" in attrs:
            return {"Content": text, "Language": attrs["Language"]}
        if not attrs:
            return text.strip()
    node: Obj = {}
    xsi_type = attrs.get(_XSI_TYPE)
    node["@type"] = TYPE_PREFIX + _local(
        str(xsi_type).rpartition(":")[2] if xsi_type else _local(el.tag)
    )
    if "ObjectId" in attrs:
        node["@id"] = attrs["ObjectId"]
    for child in children:
        node.setdefault(_local(child.tag), []).append(_element(child))
    return node


def parse_report(data: bytes, name: str) -> Obj:
    """The report in ``data`` (XML when it starts with ``<``, else JSON) as plain objects."""
    head = data.lstrip()[:1]
    if head == b"<":
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
        )
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            raise ReportError(f"{name}: not well-formed XML ({exc})") from None
        if root.tag != f"{{{NAMESPACE}}}ElectionReport":
            raise ReportError(
                f"{name}: the root element is {root.tag}, expected ElectionReport in "
                f"namespace {NAMESPACE}"
            )
        doc = _element(root)
    else:
        try:
            doc = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise ReportError(f"{name}: neither XML nor valid JSON ({exc})") from None
        if not isinstance(doc, dict) or doc.get("@type") != TYPE_PREFIX + "ElectionReport":
            raise ReportError(
                f"{name}: not an ElectionReport (@type ElectionResults.ElectionReport)"
            )
    if not isinstance(doc, dict):
        raise ReportError(f"{name}: ElectionReport is empty")
    return doc


def many(node: Obj, key: str) -> list[Any]:
    """Every value of element ``key`` (none: an empty list)."""
    value = node.get(key)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def one(node: Obj, key: str) -> Any:
    """The value of element ``key`` (its first when repeated), or None."""
    values = many(node, key)
    return values[0] if values else None


def refs(node: Obj, key: str) -> list[str]:
    """An IDREFS element as a list of ids (space-separated in XML, an array in JSON)."""
    value = node.get(key)
    if value is None:
        return []
    if isinstance(value, list) and value and isinstance(value[0], str) and len(value) == 1:
        return value[0].split()  # XML: one element holding the ids
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value).split()


def text(node: Obj, key: str) -> str | None:
    """An InternationalizedText (its first language string) or plain string element."""
    value = one(node, key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        strings = many(value, "Text")
        if strings and isinstance(strings[0], dict):
            return str(strings[0].get("Content", ""))
    return None


def type_of(node: Obj) -> str:
    """The object's type name without the ``ElectionResults.`` prefix."""
    return str(node.get("@type", "")).removeprefix(TYPE_PREFIX)
