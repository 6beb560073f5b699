"""Generate the Venezuela 2017 regional (governor) election as escrutinio input files.

State totals are built from published figures (``source/results_by_state.csv``; every step
and which numbers are official, estimated or generated is in ``README.md``); the polling
tables below the state, their registers and their actas are generated, deterministically
(fixed NumPy seed), so that the actas of each state add up exactly to its totals.

Methods:
- Table-level counts: a fractional table x option matrix with the wanted lean per parish is
  fitted to both margins (table voters and state option totals) by iterative proportional
  fitting (Deming & Stephan, "On a least squares adjustment of a sampled frequency table when
  the expected marginal totals are known", Ann. Math. Statist. 11(4), 1940), then rounded to
  integers keeping both margins exact (row-wise largest remainder, then unit moves between
  columns where rounding was most generous).
- Integer apportionment: largest remainder (Hamilton) method.
- Wave split: checked with the race-calling rule in the shared ``REFERENCES.md`` — a race is
  irreversible when the leader's margin exceeds the registered electors of all units not
  yet counted.

Run ``python examples/venezuela-2017/generate.py [OUT_DIR]`` (default ``data/`` beside this file).
"""

from __future__ import annotations

import csv
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from escrutinio.io.actas_files import write_actas_csv
from escrutinio.io.definition_files import write_regions_csv, write_units_csv
from escrutinio.model.definition import RegionRow, UnitRow

HERE = Path(__file__).resolve().parent
STATES_CSV = HERE / "source" / "results_by_state.csv"
NAMES_CSV = HERE.parent / "venezuela-2024" / "source" / "actas_resultadosconvzla_v1.csv"
SEED = 20171015

NATIONAL_REGISTERED = 18_094_065
NATIONAL_GPP = 5_817_344
NATIONAL_MUD = 4_984_830
NATIONAL_NULL = 16_176
ZULIA_NULL_RATE = 0.0005
LARA_EL_IMPULSO_GPP_PCT = 58.12
BOLIVAR_WAVE1_MUD_LEAD = 5_315
"""Velásquez's lead at 97.7% of tally sheets (272,168 - 266,853, El Nacional, 16 Oct 2017)."""
WAVE1_SHARE = 0.958
MEAN_TABLE = 575
SAFETY = 0.45
"""Outstanding electors held back in a decided state stay below this share of its margin."""

GPP_CARDS = (
    ("psuv", "PSUV", "Partido Socialista Unido de Venezuela", 0.82),
    ("pcv", "PCV", "Partido Comunista de Venezuela", 0.04),
    ("ppt", "PPT", "Patria Para Todos", 0.04),
    ("tupamaro", "TUPAMARO", "Movimiento Tupamaro de Venezuela", 0.03),
    ("mep", "MEP", "Movimiento Electoral del Pueblo", 0.03),
    ("podemos", "PODEMOS", "Por la Democracia Social", 0.04),
)
MUD_PARTIES = (
    ("mud", "MUD", "Mesa de la Unidad Democrática"),
    ("ad", "AD", "Acción Democrática"),
    ("pj", "PJ", "Primero Justicia"),
    ("vp", "VP", "Voluntad Popular"),
    ("unt", "UNT", "Un Nuevo Tiempo"),
    ("copei", "COPEI", "COPEI"),
)
MUD_CARD_SHARE = 0.72
"""Share of the MUD candidate's votes on the unity card; the rest go to party cards."""
MUD_EXTRA_CARDS = {
    "VE03": ("ad",),
    "VE14": ("ad",),
    "VE17": ("ad",),
    "VE20": ("ad",),
    "VE23": ("pj", "unt"),
    "VE15": ("pj", "vp"),
    "VE08": ("vp",),
    "VE13": ("vp", "copei"),
}
MUD_EXTRA_CYCLE = ("ad", "pj", "vp", "unt", "copei")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class StateTotals:
    """One state's governor race as generated (all counts exact)."""

    pcode: str
    name: str
    contest: str
    registered: int
    voters: int
    null: int
    valid: int
    gpp: int
    mud: int
    other: int
    units: int
    wave2_units: int
    wave2_registered: int
    wave1_gpp: int
    wave1_mud: int
    basis: dict[str, str]

    @property
    def winner(self) -> str:
        """Alliance with more votes."""
        return "GPP" if self.gpp > self.mud else "MUD"

    @property
    def margin_pct(self) -> float:
        """Winner's margin over the runner-up as a % of valid votes."""
        return 100.0 * abs(self.gpp - self.mud) / self.valid


@dataclass
class GenerationReport:
    """Headline numbers of a generated election."""

    out_dir: Path
    units: int
    centres: int
    parishes: int
    municipalities: int
    registered: int
    voters: int
    null: int
    gpp: int
    mud: int
    wave1_actas: int
    wave2_actas: int
    states: list[StateTotals] = field(default_factory=list)

    @property
    def turnout_pct(self) -> float:
        """National turnout, % of registered electors."""
        return 100.0 * self.voters / self.registered


def largest_remainder(total: int, weights: FloatArray, cap: IntArray | None = None) -> IntArray:
    """Split ``total`` into integers proportional to ``weights`` (Hamilton), within ``cap``."""
    w = np.asarray(weights, dtype=np.float64)
    free = np.ones(len(w), dtype=bool)
    out = np.zeros(len(w), dtype=np.int64)
    remaining = total
    while True:
        share = np.zeros(len(w))
        share[free] = remaining * w[free] / w[free].sum()
        if cap is not None:
            over = free & (share > cap - out)
            if over.any():
                out[over] = cap[over]
                free &= ~over
                remaining = total - int(out.sum())
                continue
        base = np.floor(share).astype(np.int64)
        short = remaining - int(base[free].sum())
        frac = np.where(free, share - base, -1.0)
        if cap is not None:
            frac = np.where(out + base < cap, frac, -1.0)
        order = np.argsort(-frac, kind="stable")[:short]
        out[free] += base[free]
        out[order] += 1
        return out


def fit_margins(seed: FloatArray, rows: IntArray, cols: IntArray) -> IntArray:
    """Integer matrix close to ``seed`` whose row and column sums are exactly ``rows``/``cols``."""
    x = seed.astype(np.float64).copy()
    for _ in range(200):
        x *= (rows / np.maximum(x.sum(axis=1), 1e-12))[:, None]
        x *= cols / np.maximum(x.sum(axis=0), 1e-12)
        if np.abs(x.sum(axis=1) - rows).max() < 1e-6:
            break
    out = np.floor(x).astype(np.int64)
    short = rows - out.sum(axis=1)
    frac = x - out
    rank = np.argsort(-frac, axis=1, kind="stable")
    for k in range(x.shape[1]):
        sel = short > k
        out[np.flatnonzero(sel), rank[sel, k]] += 1
    diff = out.sum(axis=0) - cols
    while diff.any():
        a, b = int(np.argmax(diff)), int(np.argmin(diff))
        n = int(min(diff[a], -diff[b]))
        score = (out[:, a] - x[:, a]) - (out[:, b] - x[:, b])
        score[out[:, a] <= 0] = -np.inf
        pick = np.argsort(-score, kind="stable")[:n]
        out[pick, a] -= 1
        out[pick, b] += 1
        diff = out.sum(axis=0) - cols
    return out


def _norm(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.replace("¿", "Ñ").strip().upper())
    return "".join(c for c in text if not unicodedata.combining(c))


def _read_states() -> list[dict[str, str]]:
    with STATES_CSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _read_parishes() -> dict[str, dict[tuple[str, str], tuple[str, str, int]]]:
    """state_norm -> (municipality key, parish key) -> (municipality name, parish name, rows)."""
    out: dict[str, dict[tuple[str, str], tuple[str, str, int]]] = {}
    with NAMES_CSV.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            mun = row["Municipio"].strip()
            par = row["Parroquia"].strip().replace("¿", "Ñ")
            key = (_norm(mun), _norm(par))
            parishes = out.setdefault(row["Estado"].strip(), {})
            m, p, n = parishes.get(key, (mun, par, 0))
            parishes[key] = (m, p, n + 1)
    return out


def _state_validos_2024() -> dict[str, int]:
    out: dict[str, int] = {}
    with NAMES_CSV.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["Estado"].strip()] = out.get(row["Estado"].strip(), 0) + int(row["validos"])
    return out


def _num(text: str) -> int | None:
    return int(text) if text.strip() else None


def state_totals(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Per-state registered, voters, null, valid, GPP, MUD and other votes (see README)."""
    validos24 = _state_validos_2024()
    states: list[dict[str, Any]] = []
    for r in rows:
        gpp_is_winner = r["winner_alliance"] == "GPP"
        g_pct = float(r["winner_pct"] if gpp_is_winner else r["runner_up_pct"])
        m_pct = float(r["runner_up_pct"] if gpp_is_winner else r["winner_pct"])
        g = _num(r["winner_votes"] if gpp_is_winner else r["runner_up_votes"])
        m = _num(r["runner_up_votes"] if gpp_is_winner else r["winner_votes"])
        s: dict[str, Any] = {
            "pcode": r["adm1_pcode"],
            "name": r["state"],
            "norm": r["state_norm"],
            "gpp_name": r["winner_name"] if gpp_is_winner else r["runner_up_name"],
            "mud_name": r["runner_up_name"] if gpp_is_winner else r["winner_name"],
            "g_pct": g_pct,
            "m_pct": m_pct,
            "gpp": g,
            "mud": m,
            "registered": _num(r["registered_electors"]),
            "turnout": float(r["turnout_pct"]) if r["turnout_pct"].strip() else None,
            "basis": {},
        }
        if r["state_norm"] == "LARA":
            s["valid"] = round(g / (LARA_EL_IMPULSO_GPP_PCT / 100)) if g else None
            s["basis"]["valid"] = "official votes / El Impulso's 58.12%"
        elif g is not None and m is not None:
            s["valid"] = round((g / g_pct + m / m_pct) * 50)
            s["basis"]["valid"] = "official votes / official %"
        elif g is not None:
            s["valid"] = round(g / g_pct * 100)
            s["mud"] = round(s["valid"] * m_pct / 100)
            s["basis"]["valid"] = "official GPP votes / official %"
        elif m is not None:
            s["valid"] = round(m / m_pct * 100)
            s["gpp"] = round(s["valid"] * g_pct / 100)
            s["basis"]["valid"] = "official MUD votes / official %"
        else:
            s["valid"] = None
        s["basis"]["gpp"] = "official" if g is not None else "estimated"
        s["basis"]["mud"] = "official" if m is not None else "estimated"
        states.append(s)
    _estimate_missing(states, validos24)
    for s in states:
        s["other"] = s["valid"] - s["gpp"] - s["mud"]
        assert s["other"] >= 0, s["name"]
    _null_and_registered(states)
    return states


def _estimate_missing(states: list[dict[str, Any]], validos24: dict[str, int]) -> None:
    todo = [s for s in states if s["valid"] is None]
    known_g = sum(s["gpp"] for s in states if s["valid"] is not None)
    known_m = sum(s["mud"] for s in states if s["valid"] is not None)
    need_g, need_m = NATIONAL_GPP - known_g, NATIONAL_MUD - known_m
    v24 = np.array([validos24[s["norm"]] for s in todo], dtype=np.float64)
    g_pct = np.array([s["g_pct"] / 100 for s in todo])
    m_pct = np.array([s["m_pct"] / 100 for s in todo])
    lean = g_pct - m_pct
    # valid_s = v24_s * (a + b * lean_s): the two national totals fix a and b.
    system = np.array(
        [
            [(v24 * g_pct).sum(), (v24 * g_pct * lean).sum()],
            [(v24 * m_pct).sum(), (v24 * m_pct * lean).sum()],
        ]
    )
    a, b = np.linalg.solve(system, np.array([need_g, need_m], dtype=np.float64))
    valid = v24 * (a + b * lean)
    g_votes = largest_remainder(need_g, valid * g_pct)
    m_votes = largest_remainder(need_m, valid * m_pct)
    for s, g, m, v in zip(todo, g_votes, m_votes, valid, strict=True):
        s["gpp"], s["mud"], s["valid"] = int(g), int(m), round(float(v))
        s["basis"]["valid"] = "estimated: 2024 validos x (a + b x lean), fitted to national totals"


def _null_and_registered(states: list[dict[str, Any]]) -> None:
    zulia = next(s for s in states if s["norm"] == "ZULIA")
    zulia["null"] = round(zulia["valid"] * ZULIA_NULL_RATE)
    rest = [s for s in states if s is not zulia]
    nulls = largest_remainder(
        NATIONAL_NULL - zulia["null"], np.array([s["valid"] for s in rest], np.float64)
    )
    for s, n in zip(rest, nulls, strict=True):
        s["null"] = int(n)
    for s in states:
        s["voters"] = s["valid"] + s["null"]
        if s["registered"] is not None:
            s["basis"]["registered"] = "official"
        elif s["turnout"] is not None:
            s["registered"] = round(s["voters"] / (s["turnout"] / 100))
            s["basis"]["registered"] = "voters / official turnout"
    todo = [s for s in states if s["registered"] is None]
    left = NATIONAL_REGISTERED - sum(s["registered"] for s in states if s["registered"])
    regs = largest_remainder(left, np.array([s["voters"] for s in todo], np.float64))
    for s, reg in zip(todo, regs, strict=True):
        s["registered"] = int(reg)
        s["basis"]["registered"] = "estimated: common turnout so the national register is exact"


@dataclass
class _StateBuild:
    totals: dict[str, Any]
    option_ids: list[str]
    option_totals: IntArray
    unit_ids: list[str] = field(default_factory=list)
    registered: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    counts: IntArray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    voters: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    wave2: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))


def _options(pcode: str, index: int) -> list[tuple[str, str | None, str]]:
    """(option id, party id, candidate id) for a state's contest."""
    extra = MUD_EXTRA_CARDS.get(pcode, (MUD_EXTRA_CYCLE[index % len(MUD_EXTRA_CYCLE)],))
    opts: list[tuple[str, str | None, str]] = [(o, p, "gpp") for o, p, _, _ in GPP_CARDS]
    opts.append(("mud", "MUD", "mud"))
    opts.extend((o, o.upper(), "mud") for o in extra)
    opts.append(("otros", None, "otros"))
    return opts


def _option_totals(s: dict[str, Any], opts: list[tuple[str, str | None, str]]) -> IntArray:
    gpp_w = np.array([w for _, _, _, w in GPP_CARDS])
    gpp = largest_remainder(s["gpp"], gpp_w)
    n_extra = len(opts) - len(GPP_CARDS) - 2
    mud_w = np.array([MUD_CARD_SHARE] + [(1 - MUD_CARD_SHARE) / n_extra] * n_extra)
    mud = largest_remainder(s["mud"], mud_w)
    return np.concatenate([gpp, mud, [s["other"], s["null"]]]).astype(np.int64)


def generate(out_dir: Path) -> GenerationReport:
    """Write election.yaml, regions.csv, units.csv and the two acta waves into ``out_dir``."""
    rng = np.random.default_rng(SEED)
    rows = _read_states()
    totals = state_totals(rows)
    parishes = _read_parishes()
    regions: list[RegionRow] = []
    units: list[UnitRow] = []
    builds: list[_StateBuild] = []
    centres = municipalities = n_parishes = 0
    for i, s in enumerate(totals):
        opts = _options(s["pcode"], i)
        b = _StateBuild(s, [o for o, _, _ in opts], _option_totals(s, opts))
        regions.append(RegionRow(s["pcode"], s["name"], "state", None))
        c, m, p = _build_tables(rng, b, parishes[s["norm"]], regions, units)
        centres, municipalities, n_parishes = centres + c, municipalities + m, n_parishes + p
        builds.append(b)
    _choose_wave2(rng, builds)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_definition(out_dir, totals)
    write_regions_csv(out_dir / "regions.csv", regions)
    write_units_csv(out_dir / "units.csv", units)
    _write_actas(rng, out_dir, builds)
    return _report(out_dir, builds, len(units), centres, n_parishes, municipalities)


def _build_tables(
    rng: np.random.Generator,
    b: _StateBuild,
    parishes: dict[tuple[str, str], tuple[str, str, int]],
    regions: list[RegionRow],
    units: list[UnitRow],
) -> tuple[int, int, int]:
    s = b.totals
    pcode = s["pcode"]
    n_tables = max(1, round(s["registered"] / MEAN_TABLE))
    sizes = rng.uniform(260, 890, n_tables)
    reg = largest_remainder(s["registered"], sizes, cap=np.full(n_tables, 900, np.int64))
    centre_sizes: list[int] = []
    while sum(centre_sizes) < n_tables:
        centre_sizes.append(int(min(1 + rng.poisson(1.25), 6)))
    centre_sizes[-1] -= sum(centre_sizes) - n_tables
    keys = sorted(parishes)
    weight = np.array([parishes[k][2] for k in keys], np.float64)
    n_centres = len(centre_sizes)
    first = np.arange(min(len(keys), n_centres))
    more = rng.choice(len(keys), n_centres - len(first), p=weight / weight.sum())
    centre_parish = np.sort(np.concatenate([first, more]))
    mun_ids: dict[str, str] = {}
    par_ids: dict[tuple[str, str], str] = {}
    for k in keys:
        if k[0] not in mun_ids:
            mun_ids[k[0]] = f"{pcode}{len(mun_ids) + 1:02d}"
            regions.append(RegionRow(mun_ids[k[0]], parishes[k][0], "municipality", pcode))
    for k in keys:
        mid = mun_ids[k[0]]
        par_ids[k] = f"{mid}{sum(1 for v in par_ids.values() if v.startswith(mid)) + 1:02d}"
        regions.append(RegionRow(par_ids[k], parishes[k][1], "parish", mid))
    lean_parish = rng.normal(0.0, 0.45, len(keys))
    turn_parish = rng.normal(0.0, 0.07, len(keys))
    table_lean = np.zeros(n_tables)
    table_turn = np.zeros(n_tables)
    t = 0
    per_parish: dict[int, int] = {}
    for c, (size, p) in enumerate(zip(centre_sizes, centre_parish, strict=True)):
        per_parish[int(p)] = per_parish.get(int(p), 0) + 1
        cid = f"{par_ids[keys[p]]}.{per_parish[int(p)]:03d}"
        name = f"Centro {c + 1} ({parishes[keys[p]][1]}, generado)"
        regions.append(RegionRow(cid, name, "centre", par_ids[keys[p]]))
        centre_lean = lean_parish[p] + rng.normal(0.0, 0.15)
        for j in range(size):
            uid = f"{cid}.{j + 1}"
            b.unit_ids.append(uid)
            units.append(UnitRow(uid, cid, int(reg[t])))
            table_lean[t] = centre_lean + rng.normal(0.0, 0.08)
            table_turn[t] = turn_parish[p] + rng.normal(0.0, 0.04)
            t += 1
    b.registered = reg
    turnout = s["voters"] / s["registered"]
    want = reg * np.clip(turnout * np.exp(table_turn), 0.2, 0.97)
    b.voters = largest_remainder(s["voters"], want, cap=reg)
    n_gpp = len(GPP_CARDS)
    n_opts = len(b.option_totals)
    bloc = np.zeros(n_opts)
    bloc[:n_gpp] = 1.0
    bloc[n_gpp : n_opts - 2] = -1.0
    seed = b.option_totals.astype(np.float64)[None, :] * np.exp(
        table_lean[:, None] * bloc[None, :] + rng.normal(0.0, 0.05, (n_tables, n_opts))
    )
    seed = seed / seed.sum(axis=1, keepdims=True) * b.voters[:, None] + 1e-9
    b.counts = fit_margins(seed, b.voters, b.option_totals)
    return len(centre_sizes), len(mun_ids), len(keys)


def _choose_wave2(rng: np.random.Generator, builds: list[_StateBuild]) -> None:
    n_units = sum(len(b.unit_ids) for b in builds)
    n_wave2 = n_units - round(WAVE1_SHARE * n_units)
    n_gpp = len(GPP_CARDS)
    for b in builds:
        b.wave2 = np.zeros(len(b.unit_ids), bool)
    bol = next(b for b in builds if b.totals["norm"] == "BOLIVAR")
    net = bol.counts[:, :n_gpp].sum(axis=1) - bol.counts[:, n_gpp:-2].sum(axis=1)
    need = bol.totals["gpp"] - bol.totals["mud"] + BOLIVAR_WAVE1_MUD_LEAD
    order = np.argsort(-net, kind="stable")
    taken = int(np.searchsorted(np.cumsum(net[order]), need)) + 1
    bol.wave2[order[:taken]] = True
    left = n_wave2 - taken
    budget = {
        id(b): SAFETY * abs(b.totals["gpp"] - b.totals["mud"]) for b in builds if b is not bol
    }
    cands = [
        (int(reg), float(rng.random()), bi, ui)
        for bi, b in enumerate(builds)
        if b is not bol
        for ui, reg in enumerate(b.registered)
    ]
    cands.sort()
    for reg, _, bi, ui in cands:
        if left == 0:
            break
        b = builds[bi]
        if reg <= budget[id(b)]:
            budget[id(b)] -= reg
            b.wave2[ui] = True
            left -= 1
    assert left == 0, "not enough small tables for wave 2"


def _write_definition(out_dir: Path, totals: list[dict[str, Any]]) -> None:
    parties: list[dict[str, Any]] = [
        {"id": p, "name": name, "alliance": "GPP"} for _, p, name, _ in GPP_CARDS
    ]
    parties += [{"id": p, "name": name, "alliance": "MUD"} for _, p, name in MUD_PARTIES]
    contests = []
    for i, s in enumerate(totals):
        contests.append(
            {
                "id": f"gov-{s['pcode']}",
                "name": f"Gobernación de {s['name']}",
                "scope": s["pcode"],
                "candidates": [
                    {"id": "gpp", "name": s["gpp_name"], "alliance": "GPP"},
                    {"id": "mud", "name": s["mud_name"], "alliance": "MUD"},
                    {"id": "otros", "name": "Otros candidatos (agregado, generado)"},
                ],
                "options": [
                    {"id": o, "candidate": c, **({"party": p} if p else {})}
                    for o, p, c in _options(s["pcode"], i)
                ],
            }
        )
    doc = {
        "election": {
            "id": "ve-2017-regional",
            "name": "Elecciones regionales 2017 (gobernaciones)",
            "date": "2017-10-15",
            "description": "Official and estimated state totals; tables and actas are "
            "generated (see examples/venezuela-2017/README.md).",
            "official_source": "official",
            "recount_threshold_pct": 0.5,
        },
        "region_levels": ["state", "municipality", "parish", "centre"],
        "regions": "regions.csv",
        "units": "units.csv",
        "alliances": [
            {"id": "GPP", "name": "Gran Polo Patriótico"},
            {"id": "MUD", "name": "Mesa de la Unidad Democrática"},
        ],
        "parties": parties,
        "contests": contests,
    }
    (out_dir / "election.yaml").write_text(
        yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


def _times(rng: np.random.Generator, n: int, start: int, span: int) -> list[str]:
    """ISO times (Venezuela, UTC-4) from ``start`` seconds after 2017-10-15T00:00-04:00."""
    secs = np.sort(start + rng.integers(0, span, n))
    out = []
    for sec in secs:
        day, rest = divmod(int(sec), 86400)
        h, rest = divmod(rest, 3600)
        m, s = divmod(rest, 60)
        out.append(f"2017-10-{15 + day}T{h:02d}:{m:02d}:{s:02d}-04:00")
    return out


def _write_actas(rng: np.random.Generator, out_dir: Path, builds: list[_StateBuild]) -> None:
    used = {o for b in builds for o in b.option_ids}
    order = [o for o, _, _, _ in GPP_CARDS] + [o for o, _, _ in MUD_PARTIES] + ["otros"]
    all_opts = [o for o in order if o in used]
    waves: tuple[list[dict[str, object]], list[dict[str, object]]] = ([], [])
    for b in builds:
        contest = f"gov-{b.totals['pcode']}"
        for u, uid in enumerate(b.unit_ids):
            row: dict[str, object] = {
                "unit": uid,
                "contest": contest,
                "source": "official",
                "voters": int(b.voters[u]),
                "null": int(b.counts[u, -1]),
            }
            row.update({o: int(v) for o, v in zip(b.option_ids, b.counts[u, :-1], strict=True)})
            waves[int(b.wave2[u])].append(row)
    spans = ((18 * 3600 + 1800, 3 * 3600 + 1200), (30 * 3600, 36 * 3600))
    for wave, (start, span), name in zip(waves, spans, ("actas_wave1", "actas_wave2"), strict=True):
        shuffled = [wave[i] for i in rng.permutation(len(wave))]
        for row, when in zip(shuffled, _times(rng, len(wave), start, span), strict=True):
            row["received_at"] = when
        wave.sort(key=lambda r: (str(r["received_at"]), str(r["unit"])))
        write_actas_csv(out_dir / f"{name}.csv", all_opts, wave)


def _report(
    out_dir: Path,
    builds: list[_StateBuild],
    n_units: int,
    centres: int,
    parishes: int,
    municipalities: int,
) -> GenerationReport:
    n_gpp = len(GPP_CARDS)
    states = []
    for b in builds:
        s = b.totals
        w1 = ~b.wave2
        states.append(
            StateTotals(
                pcode=s["pcode"],
                name=s["name"],
                contest=f"gov-{s['pcode']}",
                registered=int(b.registered.sum()),
                voters=int(b.voters.sum()),
                null=int(b.counts[:, -1].sum()),
                valid=int(b.counts[:, :-1].sum()),
                gpp=int(b.counts[:, :n_gpp].sum()),
                mud=int(b.counts[:, n_gpp:-2].sum()),
                other=int(b.counts[:, -2].sum()),
                units=len(b.unit_ids),
                wave2_units=int(b.wave2.sum()),
                wave2_registered=int(b.registered[b.wave2].sum()),
                wave1_gpp=int(b.counts[w1, :n_gpp].sum()),
                wave1_mud=int(b.counts[w1, n_gpp:-2].sum()),
                basis=dict(s["basis"]),
            )
        )
    wave2 = sum(st.wave2_units for st in states)
    return GenerationReport(
        out_dir=out_dir,
        units=n_units,
        centres=centres,
        parishes=parishes,
        municipalities=municipalities,
        registered=sum(st.registered for st in states),
        voters=sum(st.voters for st in states),
        null=sum(st.null for st in states),
        gpp=sum(st.gpp for st in states),
        mud=sum(st.mud for st in states),
        wave1_actas=n_units - wave2,
        wave2_actas=wave2,
        states=states,
    )


def main(argv: list[str]) -> None:
    """Generate into ``argv[1]`` (default ``data/`` beside this file) and print a summary."""
    out = Path(argv[1]) if len(argv) > 1 else HERE / "data"
    rep = generate(out)
    print(
        f"{out}: {rep.units} tables in {rep.centres} centres, {rep.registered:,} registered, "
        f"turnout {rep.turnout_pct:.2f}%, GPP {rep.gpp:,}, MUD {rep.mud:,}, "
        f"wave 1 {rep.wave1_actas} actas, wave 2 {rep.wave2_actas}"
    )
    for st in rep.states:
        print(
            f"  {st.pcode} {st.name:14} reg {st.registered:>9,} GPP {st.gpp:>8,} "
            f"MUD {st.mud:>8,} other {st.other:>7,} null {st.null:>5,} "
            f"winner {st.winner} {st.margin_pct:5.2f}% wave2 {st.wave2_units}"
        )


if __name__ == "__main__":
    main(sys.argv)
