"""A small real publication with a table page per the verify-widget contract, served locally.

The page is the minimal HTML of contract 2 (docs/site.md): a ``section.verify`` carrying the
acta shown and its log index, the "verify" button and output, and the "compare with your
copy" form. The publication comes from the project's own store, publisher and witness
(``tests/verify/ledger_pubkit.py``).
"""

from __future__ import annotations

import csv
import html
import json
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1] / "verify"))

from ledger_pubkit import full

from loopback import serve_folder
from support import small_definition

VERIFY_JS = Path(__file__).parents[2] / "src" / "escrutinio" / "website" / "static" / "verify.js"

I18N = {
    "verified": "VERIFICADO",
    "failed": "NO VERIFICADO",
    "checking": "Verificando…",
    "match": "COINCIDE con el acta registrada",
    "differs": "DIFIERE en",
    "fail-signature": "la firma del registro ({name}) no es válida",
    "size": "tamaño del árbol",
}


def publication(tmp: Path) -> Path:
    """Publish both waves of the small election, witness-cosigned, under ``tmp``.

    Returns ``tmp/pub``; the store is ``tmp/store.db`` and the log's signer key
    ``tmp/log.skey`` (to publish again, e.g. with the results site).
    """
    pub = full(f"sqlite:///{tmp / 'store.db'}", small_definition(), tmp)
    pub.store.close()
    (tmp / "log.skey").write_text(pub.signer.signer_key() + "\n", encoding="ascii")
    return pub.out


def counting_row(out: Path, unit: str, contest: str) -> dict[str, str]:
    """The counting official row of ``actas.csv`` for (unit, contest)."""
    with (out / "actas.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            key = (row["unit"], row["contest"], row["source"], row["counting"])
            if key == (unit, contest, "official", "true"):
                return row
    raise LookupError(f"no counting official acta for {unit}/{contest} in {out}")


def acta_of(row: dict[str, str]) -> dict[str, Any]:
    """The ``data-acta`` object of a table page for an ``actas.csv`` row."""
    return {
        "unit": row["unit"],
        "contest": row["contest"],
        "source": row["source"],
        "votes": json.loads(row["votes"]),
        "null": int(row["null"]),
        "blank": int(row["blank"]) if row["blank"] else None,
        "voters": int(row["voters"]),
    }


def table_page(acta: dict[str, Any], log_index: int, *, lang: str = "es") -> str:
    """Minimal table page HTML following the verify-widget contract, 2 folders below OUT."""
    fields = [*acta["votes"], "null", "blank", "voters"]
    inputs = "".join(
        f'<p><label for="f-{i}">{html.escape(name)}</label> '
        f'<input id="f-{i}" type="number" name="{html.escape(name)}" min="0"></p>'
        for i, name in enumerate(fields)
    )
    i18n = "".join(f' data-i18n-{k}="{html.escape(v)}"' for k, v in I18N.items())
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Acta {html.escape(acta["unit"])}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script src="../../assets/verify.js" defer></script></head>
<body><main><h1>Acta {html.escape(acta["unit"])} · {html.escape(acta["contest"])}</h1>
<section class="verify" aria-labelledby="vh" data-root="../../" data-log-index="{log_index}"
 data-acta='{html.escape(json.dumps(acta), quote=True)}'{i18n}>
<h2 id="vh">Verificar</h2>
<button type="button" class="verify-run">Verificar en su navegador</button>
<output class="verify-result" aria-live="polite"></output>
<form class="compare"><h3>Compare con su copia</h3>{inputs}
<p><label for="copy">Copia JSON</label>
<input id="copy" type="file" accept="application/json" name="copy"></p>
<button type="submit">Comparar</button>
<output class="compare-result" aria-live="polite"></output></form>
</section></main></body></html>
"""


def install_page(out: Path, unit: str, contest: str, acta: dict[str, Any] | None = None) -> str:
    """Write verify.js and the table page of (unit, contest) into ``out``; return its path.

    ``acta`` replaces the numbers the page shows (to alter one), default the recorded acta.
    """
    row = counting_row(out, unit, contest)
    (out / "assets").mkdir(exist_ok=True)
    shutil.copyfile(VERIFY_JS, out / "assets" / "verify.js")
    page = out / "table" / unit / f"{contest}.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    shown = acta_of(row) if acta is None else acta
    page.write_text(table_page(shown, int(row["log_index"])), encoding="utf-8")
    return f"table/{unit}/{contest}.html"


serve = serve_folder
"""Serve a folder on 127.0.0.1 (a free port); yield the base URL."""
