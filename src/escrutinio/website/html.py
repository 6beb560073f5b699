"""HTML escaping for the pages built from strings rather than templates: the bytes that
markupsafe's ``escape`` (Jinja's autoescape) gives, with a fast path for the common text
that needs no escaping (most names and every formatted number)."""

from __future__ import annotations

from typing import Any

from markupsafe import escape


def esc(text: str) -> str:
    """Plain ``text`` with ``& < > " '`` escaped as markupsafe writes them (``&amp;``,
    ``&lt;``, ``&gt;``, ``&#34;``, ``&#39;``); pass markup through :func:`html`."""
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        return str(escape(text))
    return text


def html(value: Any) -> str:
    """Any value as page text, as Jinja's autoescape writes it: markup (``__html__``) as it
    is, anything else as its escaped ``str``."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return esc(value if type(value) is str else str(value))
