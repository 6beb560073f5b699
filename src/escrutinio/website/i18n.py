"""The site's two languages: every user-visible string, number and date format.

Spanish (``es``) and English (``en``) share one set of templates; each template asks
:class:`Lang` for its words (``t("key")``) and its number/date formats. The race status in
plain words is in `escrutinio.website.status_words`.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"

MONTHS = {
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}

STRINGS: dict[str, dict[str, str]] = {
    "lang_name": {"es": "Español", "en": "English"},
    "switch_to": {"es": "Read in English", "en": "Leer en español"},
    "skip": {"es": "Saltar al contenido", "en": "Skip to content"},
    "nav": {"es": "Secciones", "en": "Sections"},
    "home": {"es": "Inicio", "en": "Home"},
    "races": {"es": "Contiendas", "en": "Races"},
    "race": {"es": "Contienda", "en": "Race"},
    "bulletins": {"es": "Boletines", "en": "Bulletins"},
    "bulletin": {"es": "Boletín", "en": "Bulletin"},
    "audits": {"es": "Auditorías", "en": "Audits"},
    "data": {"es": "Datos abiertos", "en": "Open data"},
    "region": {"es": "Región", "en": "Region"},
    "table": {"es": "Mesa", "en": "Polling table"},
    "tables": {"es": "Mesas", "en": "Polling tables"},
    "acta": {"es": "Acta", "en": "Tally sheet (acta)"},
    "actas_counted": {"es": "Actas contadas", "en": "Actas counted"},
    "of": {"es": "de", "en": "of"},
    "electors_counted": {
        "es": "Electores en mesas contadas",
        "en": "Electors in counted tables",
    },
    "turnout": {"es": "Participación", "en": "Turnout"},
    "decided": {"es": "Decididas", "en": "Decided"},
    "pending": {"es": "Pendientes", "en": "Pending"},
    "seats": {"es": "Escaños por alianza", "en": "Seats by alliance"},
    "votes_by_alliance": {"es": "Votos por alianza", "en": "Votes by alliance"},
    "alliance": {"es": "Alianza", "en": "Alliance"},
    "independent": {"es": "Sin alianza", "en": "No alliance"},
    "votes": {"es": "Votos", "en": "Votes"},
    "share": {"es": "%", "en": "%"},
    "candidate": {"es": "Candidatura", "en": "Candidate"},
    "party": {"es": "Tarjeta (partido)", "en": "Party card"},
    "by_party": {"es": "Votos por tarjeta", "en": "Votes by party card"},
    "leader": {"es": "Adelante", "en": "Leading"},
    "winner": {"es": "Ganador", "en": "Winner"},
    "no_leader": {"es": "Sin actas contadas", "en": "No actas counted"},
    "status": {"es": "Estado", "en": "Status"},
    "state_final": {"es": "FINAL", "en": "FINAL"},
    "state_irreversible": {"es": "IRREVERSIBLE", "en": "IRREVERSIBLE"},
    "state_counting": {"es": "EN CONTEO", "en": "COUNTING"},
    "state_none": {"es": "SIN DATOS", "en": "NO DATA"},
    "why": {"es": "Por qué", "en": "Why"},
    "in_numbers": {"es": "En números", "en": "In numbers"},
    "margin": {"es": "Ventaja", "en": "Margin"},
    "outstanding": {
        "es": "Electores en mesas sin contar",
        "en": "Electors in uncounted tables",
    },
    "actas_outstanding": {"es": "Actas sin contar", "en": "Uncounted actas"},
    "recount": {"es": "Rango de recuento", "en": "Recount range"},
    "recount_yes": {
        "es": "DENTRO del rango de recuento: la ventaja ({pct}) es menor que el umbral de {thr}.",
        "en": "WITHIN recount range: the margin ({pct}) is under the {thr} threshold.",
    },
    "recount_no": {
        "es": "Fuera del rango de recuento: la ventaja ({pct}) no es menor que el umbral de {thr}.",
        "en": "Outside recount range: the margin ({pct}) is not under the {thr} threshold.",
    },
    "recount_na": {"es": "No aplica.", "en": "Not applicable."},
    "movement": {"es": "Evolución por boletín", "en": "How the count moved, bulletin by bulletin"},
    "movement_chart": {
        "es": "Gráfico: votos de las dos primeras candidaturas en cada boletín",
        "en": "Chart: votes of the two leading candidates in each bulletin",
    },
    "now": {"es": "Ahora", "en": "Now"},
    "drill": {"es": "Resultados por región", "en": "Results by region"},
    "level": {"es": "Nivel", "en": "Level"},
    "counted": {"es": "Contadas", "en": "Counted"},
    "valid": {"es": "Válidos", "en": "Valid"},
    "null": {"es": "Nulos", "en": "Null"},
    "blank": {"es": "Blancos", "en": "Blank"},
    "voters": {"es": "Votantes", "en": "Voters"},
    "registered": {"es": "Electores inscritos", "en": "Registered electors"},
    "map": {"es": "Mapa de resultados", "en": "Results map"},
    "map_table": {"es": "El mapa en una tabla", "en": "The map as a table"},
    "map_label": {"es": "Etiqueta en el mapa", "en": "Label on the map"},
    "map_legend": {
        "es": "Color: alianza que gana o va adelante. Rayado y «?»: contienda pendiente. "
        "Gris: sin contienda o sin datos.",
        "en": "Colour: winning or leading alliance. Hatched and '?': race pending. "
        "Grey: no race or no data.",
    },
    "checkpoint": {"es": "Punto de control firmado", "en": "Signed checkpoint"},
    "tree_size": {"es": "Tamaño del registro", "en": "Log size"},
    "root": {"es": "Raíz", "en": "Root"},
    "signer": {"es": "Firmado por", "en": "Signed by"},
    "witnesses": {"es": "Testigos que cofirman", "en": "Cosigning witnesses"},
    "none": {"es": "ninguno", "en": "none"},
    "bulletin_at": {"es": "Boletín {n} · {time}", "en": "Bulletin {n} · {time}"},
    "no_bulletin": {"es": "Aún no hay boletín", "en": "No bulletin yet"},
    "published_size": {
        "es": "Cifras al tamaño publicado del registro: {size} entradas.",
        "en": "Figures at the published log size: {size} entries.",
    },
    "sub_regions": {"es": "Subregiones", "en": "Sub-regions"},
    "parent": {"es": "Dentro de", "en": "Inside"},
    "versions": {"es": "Versiones guardadas", "en": "Stored versions"},
    "version": {"es": "Versión", "en": "Version"},
    "source": {"es": "Fuente", "en": "Source"},
    "received": {"es": "Recibida", "en": "Received"},
    "log_index": {"es": "Índice en el registro", "en": "Log index"},
    "counts": {"es": "Cuenta", "en": "Counts"},
    "counts_yes": {"es": "sí, cuenta", "en": "yes, counts"},
    "counts_no": {"es": "no cuenta", "en": "does not count"},
    "acta_status": {"es": "Situación", "en": "Status"},
    "st_accepted": {"es": "aceptada", "en": "accepted"},
    "st_conflicting": {"es": "en conflicto", "en": "conflicting"},
    "decision": {"es": "Decisión", "en": "Decision"},
    "decision_none": {"es": "ninguna versión cuenta", "en": "no version counts"},
    "decision_version": {"es": "cuenta la versión {v}", "en": "version {v} counts"},
    "decided_by": {"es": "por {who}, {when}", "en": "by {who}, {when}"},
    "no_decision": {
        "es": "Sin adjudicación: cuenta la primera versión recibida.",
        "en": "No adjudication: the first version received counts.",
    },
    "other_sources": {"es": "Copias de otras fuentes", "en": "Other sources' copies"},
    "images": {"es": "Imágenes del acta", "en": "Acta images"},
    "images_intro": {
        "es": "Cada imagen se publica con el SHA-256 de sus bytes como nombre. El código QR "
        "impreso se compara con las cifras transcritas; nada se corrige.",
        "en": "Each image is published under the SHA-256 of its bytes. The printed QR code "
        "is compared with the typed numbers; nothing is corrected.",
    },
    "image": {"es": "Imagen", "en": "Image"},
    "image_alt": {
        "es": "Imagen del acta ({source}, versión {version})",
        "en": "Acta image ({source}, version {version})",
    },
    "image_pdf": {"es": "PDF", "en": "PDF"},
    "sha256": {"es": "SHA-256", "en": "SHA-256"},
    "qr_check": {"es": "Código QR", "en": "QR code"},
    "qr_match": {"es": "coincide", "en": "matches"},
    "qr_mismatch": {"es": "NO coincide", "en": "does NOT match"},
    "qr_unreadable": {"es": "ilegible", "en": "unreadable"},
    "qr_no_qr": {"es": "sin código QR", "en": "no QR code"},
    "qr_not_applicable": {"es": "no aplicable", "en": "not applicable"},
    "qr_none": {"es": "sin revisar", "en": "not checked"},
    "qr_diff": {
        "es": "{field}: QR {qr}, transcrito {typed}",
        "en": "{field}: QR {qr}, typed {typed}",
    },
    "field": {"es": "Campo", "en": "Field"},
    "official": {"es": "Oficial", "en": "Official"},
    "not_counted": {"es": "Esta acta aún no cuenta.", "en": "This acta does not count yet."},
    "verify": {"es": "Verificar en su navegador", "en": "Verify in your browser"},
    "verify_intro": {
        "es": "Su navegador comprueba que estas cifras están en el registro firmado y "
        "cofirmado por los testigos.",
        "en": "Your browser checks that these numbers are in the log signed by the authority "
        "and cosigned by the witnesses.",
    },
    "verify_run": {"es": "Verificar", "en": "Verify"},
    "verified": {"es": "VERIFICADO", "en": "VERIFIED"},
    "failed": {"es": "NO VERIFICADO", "en": "NOT VERIFIED"},
    "checking": {"es": "Verificando…", "en": "Checking…"},
    "match": {"es": "COINCIDE con el acta registrada", "en": "MATCHES the recorded acta"},
    "differs": {"es": "DIFIERE en", "en": "DIFFERS in"},
    "verify_nojs": {
        "es": "Sin JavaScript: verifique toda la publicación con «escrutinio verify».",
        "en": "Without JavaScript: verify the whole publication with 'escrutinio verify'.",
    },
    "compare": {"es": "Comparar con su copia", "en": "Compare with your copy"},
    "compare_intro": {
        "es": "Compare con su copia: escriba las cifras de su copia en papel del acta en la "
        "última columna, o cargue su copia en JSON.",
        "en": "Compare with your copy: type the numbers from your paper copy of the acta in "
        "the last column, or load your copy's JSON.",
    },
    "your_copy": {"es": "Su copia", "en": "Your copy"},
    "copy_file": {"es": "Copia en JSON", "en": "Copy as JSON"},
    "compare_run": {"es": "Comparar", "en": "Compare"},
    "bulletin_list": {"es": "Todos los boletines", "en": "Every bulletin"},
    "number": {"es": "Número", "en": "Number"},
    "time": {"es": "Hora", "en": "Time"},
    "changes": {"es": "Cambios desde el boletín {n}", "en": "Changes since bulletin {n}"},
    "no_changes": {"es": "Ninguna contienda cambió.", "en": "No race changed."},
    "first_bulletin": {"es": "Primer boletín.", "en": "First bulletin."},
    "change": {"es": "Cambio", "en": "Change"},
    "before": {"es": "Antes", "en": "Before"},
    "after": {"es": "Después", "en": "After"},
    "files": {"es": "Archivos", "en": "Files"},
    "reports": {"es": "Informes", "en": "Reports"},
    "reports_about": {
        "es": "Informes de conciliación y de análisis forense incluidos en esta publicación "
        "(en inglés); sus archivos están en el manifiesto como los demás.",
        "en": "Reconciliation and forensic analysis reports included in this publication; "
        "their files are listed in the manifest like every other file.",
    },
    "archive": {"es": "Archivo completo", "en": "Whole archive"},
    "archive_about": {
        "es": "Toda la publicación en un archivo tar (con el manifiesto, que da el SHA-256 "
        "de cada archivo) y su SHA-256: descárguelo, compruébelo con sha256sum -c, "
        "extráigalo y verifíquelo sin conexión con escrutinio verify.",
        "en": "The whole publication in one tar file (with the manifest, which gives the "
        "SHA-256 of every file) and its SHA-256: download it, check it with sha256sum -c, "
        "extract it and verify it offline with escrutinio verify.",
    },
    "file": {"es": "Archivo", "en": "File"},
    "description": {"es": "Descripción", "en": "Description"},
    "field_dictionary": {"es": "Diccionario de campos", "en": "Field dictionary"},
    "how_verify": {
        "es": "Cómo verificar toda la publicación",
        "en": "How to verify the whole publication",
    },
    "verify_cli": {
        "es": "Descargue la carpeta completa (o use una réplica) y ejecute el verificador "
        "independiente; recalcula el registro, las firmas, los testigos, cada archivo del "
        "manifiesto y cada resultado:",
        "en": "Download the whole folder (or use a mirror) and run the independent "
        "verifier; it recomputes the log, the signatures, the witnesses, every file of the "
        "manifest and every result:",
    },
    "audits_none": {
        "es": "Esta publicación no contiene registros de auditoría: el registro firmado "
        "guarda actas, adjudicaciones, boletines y la definición. Los informes de auditoría "
        "(«escrutinio audit report») se publican aparte.",
        "en": "This publication carries no audit records: the signed log holds actas, "
        "adjudications, bulletins and the definition. Audit reports ('escrutinio audit "
        "report') are published separately.",
    },
    "adjudications": {"es": "Adjudicaciones en el registro", "en": "Adjudications in the log"},
    "table_data": {"es": "Datos de las mesas", "en": "Polling table data"},
    "table_nojs": {
        "es": "Esta publicación es grande: los datos de cada mesa están en archivos JSON "
        "por región y esta página los muestra con JavaScript. Sin JavaScript, las cifras "
        "de cada mesa están en la página de su región o en las páginas de mesas que "
        "enlaza, y en actas.csv.",
        "en": "This publication is large: each polling table's data is in JSON files by "
        "region and this page shows them with JavaScript. Without JavaScript, each table's "
        "numbers are on its region's page or on the table list pages it links, and in "
        "actas.csv.",
    },
    "uncounted": {"es": "sin contar", "en": "not counted"},
    "tables_here": {"es": "Mesas de esta región", "en": "Polling tables in this region"},
    "list_pages": {
        "es": "Mesas de esta región: {n} mesas en {pages} páginas",
        "en": "Polling tables in this region: {n} tables on {pages} pages",
    },
    "list_pages_note": {
        "es": "Cada página lista las cifras de sus mesas en cada contienda.",
        "en": "Each page lists its tables' numbers in every race.",
    },
    "list_range": {"es": "Mesas {first} a {last}", "en": "Tables {first} to {last}"},
    "list_page_of": {"es": "página {k} de {n}", "en": "page {k} of {n}"},
    "list_pager": {"es": "Páginas de mesas", "en": "Table list pages"},
    "previous_page": {"es": "Página anterior", "en": "Previous page"},
    "next_page": {"es": "Página siguiente", "en": "Next page"},
    "election_day": {"es": "Día de la elección", "en": "Election day"},
    "figures_note": {
        "es": "Todas las cifras salen del registro publicado y pueden verificarse.",
        "en": "Every number comes from the published log and can be verified.",
    },
    "status_changed": {"es": "cambió de estado", "en": "status changed"},
    "leader_changed": {"es": "cambió quien va adelante", "en": "leader changed"},
    "more_actas": {"es": "+{n} actas", "en": "+{n} actas"},
    "seats_now": {"es": "Escaños decididos", "en": "Seats decided"},
    "audit_method": {"es": "Método", "en": "Method"},
    "risk_limit": {"es": "Límite de riesgo", "en": "Risk limit"},
    "seed": {"es": "Semilla pública", "en": "Public seed"},
    "round": {"es": "Ronda", "en": "Round"},
    "hand_count_batches": {"es": "Lotes de conteo manual", "en": "Hand-count batches"},
    "conclusion": {"es": "Conclusión", "en": "Conclusion"},
    "confirmed": {"es": "resultado confirmado", "en": "outcome confirmed"},
    "not_confirmed": {"es": "aún no confirmado", "en": "not confirmed yet"},
    "measured_risk": {"es": "Riesgo medido", "en": "Measured risk"},
}


VERIFY_STRINGS: dict[str, dict[str, str]] = {
    # what verify.js shows, by the suffix of its data-i18n-* attribute (docs/site.md)
    "size": {"es": "tamaño del árbol", "en": "tree size"},
    "root": {"es": "raíz", "en": "root"},
    "signer": {"es": "firmado por", "en": "signed by"},
    "witnesses": {"es": "cofirmado por", "en": "cosigned by"},
    "none": {"es": "ninguno", "en": "none"},
    "missing": {
        "es": "Nada que comparar: escriba las cifras o elija una copia JSON",
        "en": "Nothing to compare: type the numbers or choose a JSON copy",
    },
    "fail-unsupported": {
        "es": "este navegador no puede comprobar firmas Ed25519 (WebCrypto) aquí",
        "en": "this browser cannot check Ed25519 signatures (WebCrypto) here",
    },
    "fail-fetch": {
        "es": "no se pudo descargar {file} ({status})",
        "en": "could not download {file} ({status})",
    },
    "fail-format": {"es": "{file} está mal formado", "en": "{file} is malformed"},
    "fail-tilesize": {
        "es": "{file} no tiene la longitud esperada",
        "en": "{file} has the wrong length",
    },
    "fail-unsigned": {
        "es": "el punto de control no lleva firma de la clave del registro {name}",
        "en": "the checkpoint carries no signature by the log key {name}",
    },
    "fail-signature": {
        "es": "la firma del registro ({name}) en el punto de control no es válida",
        "en": "the log's signature ({name}) on the checkpoint does not verify",
    },
    "fail-witness": {
        "es": "la cofirma del testigo {name} no es válida",
        "en": "the cosignature of witness {name} does not verify",
    },
    "fail-index": {
        "es": "la entrada {index} no está en el árbol firmado de {size} entradas",
        "en": "log entry {index} is not in the signed tree of {size} entries",
    },
    "fail-notacta": {
        "es": "la entrada {index} de {file} no es un acta",
        "en": "log entry {index} in {file} is not an acta",
    },
    "fail-acta": {
        "es": "{field} en esta página es {page}, la entrada del registro dice {log}",
        "en": "{field} on this page is {page}, the log entry says {log}",
    },
    "fail-entry": {
        "es": "el hash de la entrada {index} de {file} no es la hoja del árbol firmado",
        "en": "log entry {index} in {file} does not hash to the leaf the signed tree holds",
    },
    "fail-root": {
        "es": "las teselas de hashes ({files}) no llevan a la raíz del punto de control",
        "en": "the hash tiles ({files}) do not lead to the checkpoint's root",
    },
}
"""The in-browser check's messages; ``{name}``-style fields are filled in by the script."""


def strings(code: str) -> dict[str, str]:
    """Every string of one language by key (templates read ``T['key']``)."""
    out = {key: texts[code] for key, texts in STRINGS.items()}
    out.update({f"verify:{key}": texts[code] for key, texts in VERIFY_STRINGS.items()})
    return out


NUM_CACHE = 1 << 16
"""Most formatted integers kept per language (a site formats the same small counts again
and again: votes of a table, electors of a centre)."""
_NUMS: dict[str, dict[int, str]] = {code: {} for code in LANGUAGES}


@dataclass(frozen=True)
class Lang:
    """One language: its strings and its number, percentage and date formats."""

    code: str

    def t(self, key: str, **values: object) -> str:
        """The string ``key`` in this language, with ``{name}`` placeholders filled."""
        text = STRINGS[key][self.code]
        return text.format(**values) if values else text

    def num(self, value: int | None) -> str:
        """An integer with the locale's thousands separator (es 1.234.567, en 1,234,567)."""
        if value is None:
            return "—"
        cache = _NUMS[self.code]
        text = cache.get(value)
        if text is None:
            text = f"{int(value):,}"
            if self.code == "es":
                text = text.replace(",", ".")
            if len(cache) < NUM_CACHE:
                cache[int(value)] = text
        return text

    def pct(self, value: float | None, digits: int = 2) -> str:
        """A percentage (es 12,34 %, en 12.34%)."""
        if value is None:
            return "—"
        text = f"{value:.{digits}f}"
        if self.code == "es":
            return text.replace(".", ",") + " %"
        return text + "%"

    def when(self, iso: str) -> str:
        """An ISO 8601 UTC time as the locale writes it (15 oct 2017 22:30 UTC)."""
        if len(iso) < 16 or iso[4] != "-" or iso[10] != "T":
            return iso
        try:
            month = MONTHS[self.code][int(iso[5:7]) - 1]
            day = int(iso[8:10])
        except (ValueError, IndexError):
            return iso
        return f"{day} {month} {iso[:4]} {iso[11:16]} UTC"

    @property
    def other(self) -> Lang:
        """The other language of the site."""
        return Lang("en" if self.code == "es" else "es")
