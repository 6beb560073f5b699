"""What the templates show, prepared from the tally's JSON documents.

Every function here takes result documents (``ContestResultDoc`` of the current results or of
a stored bulletin, ``SummaryDoc``) and returns plain dicts of display values in one
language, so the current results and every bulletin are explained by the same code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from escrutinio.model.definition import Definition
from escrutinio.tally import INDEPENDENT
from escrutinio.website.i18n import Lang
from escrutinio.website.paths import slug
from escrutinio.website.status_words import status_formula, status_sentence
from escrutinio.website.svg import OTHER, PALETTE

View = dict[str, Any]


def alliance_colours(definition: Definition) -> dict[str, str]:
    """A fill colour per alliance id (definition order), grey for no alliance."""
    out = {aid: PALETTE[i % len(PALETTE)] for i, aid in enumerate(definition.alliances)}
    out[INDEPENDENT] = OTHER
    return out


def alliance_name(definition: Definition, lang: Lang, alliance_id: str | None) -> str:
    """Display name of an alliance (``No alliance`` for none or independent)."""
    if alliance_id is None or alliance_id == INDEPENDENT:
        return lang.t("independent")
    found = definition.alliances.get(alliance_id)
    return found.name if found else alliance_id


def ranked(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Candidates of a result document by votes, most first (definition order on ties)."""
    return sorted(doc["candidates"], key=lambda c: -int(c["votes"]))


def state_of(doc: Mapping[str, Any]) -> str | None:
    """The race state of a whole-contest document (None for region rows)."""
    status = doc.get("status")
    return str(status["state"]) if status else None


def leader_and_runner_up(doc: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """Names of the (last) winner and of the strongest loser, when there are votes."""
    names = {c["candidate_id"]: c["name"] for c in doc["candidates"]}
    winners = list(doc["winners"])
    if not winners:
        return None, None
    leader = names.get(winners[-1])
    losers = [c for c in ranked(doc) if c["candidate_id"] not in winners]
    return leader, (losers[0]["name"] if losers else None)


def explain(lang: Lang, doc: Mapping[str, Any]) -> tuple[str, str]:
    """The race status of a whole-contest document in plain words and as an inequality."""
    status = doc["status"]
    leader, second = leader_and_runner_up(doc)
    sentence = status_sentence(
        lang,
        state=status["state"],
        leader=leader,
        runner_up=second,
        margin=status["margin_votes"],
        outstanding=status["outstanding_electors"],
        actas_outstanding=int(status["actas_outstanding"]),
        tie=bool(status["tie"]),
    )
    formula = status_formula(
        lang,
        state=status["state"],
        margin=status["margin_votes"],
        outstanding=status["outstanding_electors"],
        actas=int(status["actas_outstanding"]),
    )
    return sentence, formula


def recount_text(lang: Lang, doc: Mapping[str, Any], threshold: float) -> str:
    """Whether the margin is within the recount range, with both percentages."""
    pct = doc.get("margin_pct")
    if pct is None:
        return lang.t("recount_na")
    key = "recount_yes" if pct < threshold else "recount_no"
    return lang.t(key, pct=lang.pct(pct), thr=lang.pct(threshold, 1))


def result_view(definition: Definition, lang: Lang, doc: Mapping[str, Any]) -> View:
    """A result (whole contest or one region) for the candidates table and figures, its
    numbers already formatted in the language."""
    winners = set(doc["winners"])
    state = state_of(doc)
    counted = (
        f"{lang.num(doc['actas_counted'])} {lang.t('of')} {lang.num(doc['actas_expected'])} "
        f"({lang.pct(doc['reported_pct'])})"
    )
    return {
        "name": doc["contest_name"],
        "slug": slug(doc["contest_id"]),
        "state": state,
        "decided": state in ("final", "irreversible"),
        "has_leader": bool(winners),
        "candidates_ranked": [
            {
                "name": c["name"],
                "alliance": alliance_name(definition, lang, c["alliance"]),
                "votes": lang.num(c["votes"]),
                "pct": lang.pct(c["pct"]),
                "lead": c["candidate_id"] in winners,
            }
            for c in ranked(doc)
        ],
        "figures": [
            (lang.t("actas_counted"), counted),
            (lang.t("valid"), lang.num(doc["valid"])),
            (lang.t("null"), lang.num(doc["null"])),
            (lang.t("voters"), lang.num(doc["voters"])),
            (lang.t("turnout"), lang.pct(doc["turnout_pct"])),
        ],
        "margin": doc["margin_votes"],
        "margin_pct": doc["margin_pct"],
    }


def race_view(definition: Definition, lang: Lang, doc: Mapping[str, Any]) -> View:
    """A whole-contest result with its status explained and its party-card breakdown."""
    view = result_view(definition, lang, doc)
    sentence, formula = explain(lang, doc)
    status = doc["status"]
    names = {c["candidate_id"]: c["name"] for c in doc["candidates"]}
    valid = int(doc["valid"])
    cards = [
        {
            "party": definition.parties[o["party_id"]].name if o["party_id"] else "—",
            "candidate": names.get(o["candidate_id"], o["candidate_id"]),
            "votes": o["votes"],
            "pct": 100.0 * o["votes"] / valid if valid else 0.0,
        }
        for o in doc["options"]
    ]
    view.update(
        sentence=sentence,
        formula=formula,
        outstanding=status["outstanding_electors"],
        actas_outstanding=status["actas_outstanding"],
        recount=recount_text(lang, doc, definition.info.recount_threshold_pct),
        cards=cards,
    )
    return view


def race_row(definition: Definition, lang: Lang, doc: Mapping[str, Any]) -> View:
    """One line of a races table: leader, alliance, margin, state, share counted."""
    colours = alliance_colours(definition)
    winners = list(doc["winners"])
    lead = next((c for c in doc["candidates"] if winners and c["candidate_id"] == winners[0]), None)
    alliance = lead["alliance"] if lead else None
    return {
        "slug": slug(doc["contest_id"]),
        "id": doc["contest_id"],
        "name": doc["contest_name"],
        "leader": lead["name"] if lead else None,
        "leader_id": lead["candidate_id"] if lead else None,
        "votes": lead["votes"] if lead else None,
        "alliance_id": alliance,
        "alliance": alliance_name(definition, lang, alliance) if lead else None,
        "colour": colours.get(alliance or INDEPENDENT, OTHER),
        "margin": doc["margin_votes"],
        "state": state_of(doc),
        "reported_pct": doc["reported_pct"],
    }


def pending_view(lang: Lang, docs: Sequence[Mapping[str, Any]]) -> list[View]:
    """The races still counting, each with its status explained."""
    out = []
    for doc in docs:
        if state_of(doc) != "counting":
            continue
        sentence, formula = explain(lang, doc)
        out.append(
            {
                "slug": slug(doc["contest_id"]),
                "name": doc["contest_name"],
                "sentence": sentence,
                "formula": formula,
            }
        )
    return out


def alliance_rows(
    definition: Definition,
    lang: Lang,
    values: Mapping[str, int],
    shares: Mapping[str, float] | None = None,
) -> list[View]:
    """Rows of an alliance table (seats or votes), with colour and optional share."""
    colours = alliance_colours(definition)
    return [
        {
            "id": key,
            "name": alliance_name(definition, lang, key),
            "value": value,
            "share": (shares or {}).get(key),
            "colour": colours.get(key, OTHER),
        }
        for key, value in values.items()
    ]


def changes(
    lang: Lang, before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]
) -> list[View]:
    """What changed in each race between two bulletins (state, leader, actas counted)."""
    old = {d["contest_id"]: d for d in before}
    out = []
    for doc in after:
        prev = old.get(doc["contest_id"])
        if prev is None:
            continue
        what = []
        if state_of(prev) != state_of(doc):
            what.append(lang.t("status_changed"))
        if list(prev["winners"]) != list(doc["winners"]):
            what.append(lang.t("leader_changed"))
        more = int(doc["actas_counted"]) - int(prev["actas_counted"])
        if more:
            what.append(lang.t("more_actas", n=lang.num(more)))
        if not what and prev["candidates"] == doc["candidates"]:
            continue
        out.append(
            {
                "slug": slug(doc["contest_id"]),
                "name": doc["contest_name"],
                "before_state": state_of(prev),
                "after_state": state_of(doc),
                "before_leader": leader_and_runner_up(prev)[0] or "—",
                "after_leader": leader_and_runner_up(doc)[0] or "—",
                "before_margin": prev["margin_votes"],
                "after_margin": doc["margin_votes"],
                "what": "; ".join(what) or lang.t("votes"),
            }
        )
    return out


def initials(name: str) -> str:
    """Up to three initials of a name (a map label when the leader has no alliance)."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalpha()]
    return "".join(w[0].upper() for w in words[:3]) or name[:3]


def seats_text(definition: Definition, lang: Lang, seats: Mapping[str, int]) -> str:
    """Seats by alliance on one line (``GPP 17 · MUD 5``)."""
    return " · ".join(
        f"{alliance_name(definition, lang, k)} {lang.num(v)}" for k, v in seats.items()
    )
