"""The race status in plain words and as an inequality, with the tally's numbers, in the
site's two languages (the rule is `escrutinio.tally`'s: a race is irreversible when the
leader's margin exceeds the registered electors of the uncounted tables)."""

from __future__ import annotations

from escrutinio.website.i18n import Lang


def _tables(lang: Lang, n: int) -> str:
    """ "the N uncounted tables" (or "the uncounted table") in the language."""
    es = lang.code == "es"
    if n == 1:
        return "la mesa sin contar" if es else "the uncounted table"
    num = lang.num(n)
    return f"las {num} mesas sin contar" if es else f"the {num} uncounted tables"


def status_sentence(
    lang: Lang,
    *,
    state: str,
    leader: str | None,
    runner_up: str | None,
    margin: int | None,
    outstanding: int | None,
    actas_outstanding: int,
    tie: bool,
) -> str:
    """The race status in plain words, with its numbers."""
    es = lang.code == "es"
    m, o = lang.num(margin), lang.num(outstanding)
    tables = _tables(lang, actas_outstanding)
    one = outstanding == 1
    article = ("el" if one else "los") if es else ("the" if one else "all")
    who = leader or ("nadie" if es else "nobody")
    second = runner_up or ("la segunda candidatura" if es else "the runner-up")
    electors = "elector" if outstanding == 1 else "electores"
    if state == "final":
        if margin is None:
            return (
                "Todas las actas están contadas; cada candidatura obtiene un escaño."
                if es
                else "All actas are counted; every candidate wins a seat."
            )
        if tie:
            return (
                "Todas las actas están contadas y hay un empate por el último escaño."
                if es
                else "All actas are counted and there is a tie for the last seat."
            )
        return (
            f"Todas las actas están contadas: {who} gana por {m} votos."
            if es
            else f"All actas are counted: {who} wins by {m} votes."
        )
    if margin is None:
        return (
            f"Cada candidatura obtiene un escaño, cualquiera que sea el resultado de {tables}."
            if es
            else f"Every candidate wins a seat whatever {tables} report."
        )
    if outstanding is None:
        return (
            f"{who} lleva {m} votos de ventaja con {tables}; no se conocen los electores "
            "inscritos, así que la contienda no puede darse por decidida hasta contar todas "
            "las actas."
            if es
            else f"{who} leads by {m} votes with {tables}; registered electors are unknown, "
            "so the race cannot be called before every acta is counted."
        )
    if state == "irreversible":
        return (
            f"Aunque {'' if one else 'todos '}{article} {o} {electors} de {tables} "
            f"votaran por {second}, {who} seguiría ganando: su ventaja de {m} votos es mayor."
            if es
            else f"Even if {article} {o} electors of {tables} voted for {second}, {who} would "
            f"still win: the lead of {m} votes is larger."
        )
    return (
        f"La ventaja de {who} ({m} votos) no supera a{'l' if one else ' los'} {o} {electors} de "
        f"{tables}: "
        f"si votaran por {second}, el resultado podría cambiar. Pendiente."
        if es
        else f"{who}'s lead of {m} votes is not larger than the {o} electors of {tables}: if "
        f"they voted for {second}, the result could change. Pending."
    )


def status_formula(
    lang: Lang, *, state: str, margin: int | None, outstanding: int | None, actas: int
) -> str:
    """The status rule as an inequality with the numbers (margin > or ≤ outstanding)."""
    if state == "final" or margin is None or outstanding is None:
        return ""
    sign = ">" if state == "irreversible" else "≤"
    es = lang.code == "es"
    many = actas != 1
    words = (
        ("ventaja", "electores en", "mesas sin contar" if many else "mesa sin contar")
        if es
        else ("margin", "electors in", "uncounted tables" if many else "uncounted table")
    )
    return (
        f"{words[0]} {lang.num(margin)} {sign} {lang.num(outstanding)} {words[1]} "
        f"{lang.num(actas)} {words[2]}"
    )
