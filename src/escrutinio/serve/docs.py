"""The API's documentation page: plain HTML built from the OpenAPI description, with every
endpoint, its parameters and the JSON Schema of its answer. No script and nothing loaded
from elsewhere (FastAPI's Swagger UI would fetch its code from a CDN)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fff}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:2rem;word-break:break-all}
code,pre{font-family:ui-monospace,monospace;font-size:.9rem}
pre{background:#f4f4f4;padding:.75rem;overflow-x:auto;max-height:30rem}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3rem;
text-align:left;vertical-align:top}.method{font-weight:bold;color:#064}
"""


def _params(op: dict[str, Any]) -> str:
    params = op.get("parameters", [])
    if not params:
        return ""
    rows = "".join(
        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            escape(p["name"]),
            escape(p.get("in", "")),
            "yes" if p.get("required") else "no",
            escape(p.get("description", "") or p.get("schema", {}).get("description", "")),
        )
        for p in params
    )
    return (
        "<table><caption>Parameters</caption><thead><tr><th scope='col'>name</th>"
        "<th scope='col'>in</th><th scope='col'>required</th><th scope='col'>meaning</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def _schema(op: dict[str, Any]) -> str:
    ok = op.get("responses", {}).get("200", {}).get("content", {})
    schema = ok.get("application/json", {}).get("schema")
    if not schema:
        return ""
    text = json.dumps(schema, indent=2, ensure_ascii=False)
    return f"<details><summary>Answer schema</summary><pre>{escape(text)}</pre></details>"


def docs_page(spec: dict[str, Any]) -> str:
    """The documentation page of an OpenAPI description (HTML text)."""
    info = spec.get("info", {})
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{escape(info.get('title', 'API'))}</title><style>{STYLE}</style></head>",
        f"<body><main><h1>{escape(info.get('title', 'API'))}</h1>",
        f"<p>{escape(info.get('description', ''))}</p>",
        "<p>Machine-readable description: <a href='openapi.json'>openapi.json</a> "
        "(OpenAPI 3.1, JSON Schema for every answer, shared definitions under "
        "<code>components.schemas</code>). Errors are RFC 9457 "
        "<code>application/problem+json</code> documents.</p>",
    ]
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            parts.append(
                f"<section><h2><span class='method'>{escape(method.upper())}</span> "
                f"<code>{escape(path)}</code></h2>"
                f"<p>{escape(op.get('description') or op.get('summary', ''))}</p>"
                f"{_params(op)}{_schema(op)}</section>"
            )
    schemas = spec.get("components", {}).get("schemas", {})
    if schemas:
        parts.append("<section><h2>Shared schemas</h2>")
        for name, schema in schemas.items():
            text = json.dumps(schema, indent=2, ensure_ascii=False)
            parts.append(
                f"<details><summary><code>{escape(name)}</code></summary>"
                f"<pre>{escape(text)}</pre></details>"
            )
        parts.append("</section>")
    parts.append("</main></body></html>")
    return "".join(parts)
