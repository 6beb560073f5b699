"""Place names in any script: a comparison key that keeps every letter, and ASCII ids.

Names come from many countries' files (Spanish, Russian, Greek, Arabic, Chinese…). Two names
are *the same name* when they have the same :func:`name_key`:

1. Unicode NFKC (compatibility forms such as full-width letters, ligatures and Arabic
   presentation forms become the ordinary letters; UAX #15);
2. case folding (``str.casefold``, Unicode default case folding: ``ß`` → ``ss``,
   Greek final ``ς`` → ``σ``);
3. accent folding **only on Latin letters**: a combining mark that follows a Latin base letter
   is dropped (``É`` → ``e``, ``Ñ`` → ``n``, as Spanish data spell names with and without
   accents). Marks on letters of other scripts are kept, because there they make distinct
   letters: Cyrillic ``й`` is not ``и``, ``ё`` is not ``е``; Greek and Arabic marks stay too;
4. every run of characters that are not letters, digits or combining marks (spaces,
   punctuation, symbols, control characters) becomes one space; leading and trailing ones
   are removed.

So no two names whose letters differ after these foldings share a key (a property test checks
it); the only merges are case, Latin accents, compatibility forms and punctuation/spacing.

Region ids must be ASCII identifiers (:mod:`escrutinio.model.text`). :func:`name_id` keeps
the historical id of a name whose folded form is ASCII (upper case, runs of characters outside
``A-Z0-9.:+-`` → ``-``), and gives any other name (Cyrillic, Greek, CJK…, or Latin letters
without an ASCII form such as ``ø``) its transliteration (``anyascii``) followed by ``+`` and
``h`` and the first 10 hex digits of the SHA-256 of its key: ``Москва`` → ``MOSKVA+h…``.
An all-ASCII name's id is upper case, and this suffix always holds a lower-case ``h``, so ids
of names with different keys never collide (up to a 40-bit hash collision between two names
with the same transliteration).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

__all__ = ["fold_latin_accents", "name_id", "name_key"]

_ID_RUN = re.compile(r"[^A-Za-z0-9.:+\-]+")
_HASH_DIGITS = 10
_TRANSLIT_MAX = 60


@lru_cache(maxsize=4096)
def _is_latin(ch: str) -> bool:
    """True for a Latin-script letter (by its Unicode character name)."""
    return (ch.isascii() and ch.isalpha()) or unicodedata.name(ch, "").startswith("LATIN ")


def fold_latin_accents(text: str) -> str:
    """``text`` with the combining marks of Latin letters removed (NFC result); marks on
    letters of any other script are kept."""
    out: list[str] = []
    base_latin = False
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch):
            if not base_latin:
                out.append(ch)
            continue
        base_latin = _is_latin(ch)
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def name_key(name: str) -> str:
    """The comparison key of a name: NFKC, case-folded, Latin accents folded, every run of
    non-letters/digits one space (see the module). Empty when the name has no letter or
    digit."""
    text = fold_latin_accents(unicodedata.normalize("NFKC", name).casefold())
    words: list[str] = []
    word: list[str] = []
    for ch in text:
        if unicodedata.category(ch)[0] in "LNM":
            word.append(ch)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    key = unicodedata.normalize("NFC", " ".join(words))
    return key if any(unicodedata.category(ch)[0] in "LN" for ch in key) else ""


def name_id(name: str) -> str:
    """An ASCII identifier fragment for a name, distinct for names with distinct keys (see the
    module); empty when the name has no letter or digit."""
    key = name_key(name)
    if not key:
        return ""
    folded = fold_latin_accents(unicodedata.normalize("NFKC", name.strip())).upper()
    if folded.isascii():
        return _ID_RUN.sub("-", folded).lstrip(".:+-").rstrip("-")
    translit = _ID_RUN.sub("-", anyascii(key).upper()).strip(".:+-")[:_TRANSLIT_MAX].rstrip("-")
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:_HASH_DIGITS]
    return f"{translit or 'X'}+h{digest}"
