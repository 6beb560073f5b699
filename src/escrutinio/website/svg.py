"""Inline SVG for the site: the map of top-level regions and the small bulletin chart.

The map uses the packaged GeoJSON of Venezuela's states and the projection and name
normalisation of `escrutinio.geometry` (shared with the reconciliation maps). A region is
matched to a map feature by its id equal to the feature's ``ADM1_PCODE`` (the definition
uses the same P-codes), else by normalised name. Paths are projected once (equirectangular,
as the reconciliation maps), rounded to 0.1 px and thinned (points closer than 0.8 px to the
previous one are dropped) so the home page stays small. Colour is never the only cue: each
region carries a text label (alliance, or the leader's initials, and ``?`` when pending) and
pending races are hatched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from escrutinio.geometry import Projection, load_states, normalize_name, polygons, thin

MAP_WIDTH = 600
PALETTE = ("#d55e00", "#0072b2", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#8c6d31")
NO_DATA = "#e3e3e3"
OTHER = "#9a9a9a"


@dataclass(frozen=True)
class Feature:
    """One projected map feature: its P-code, normalised name, SVG path and label point."""

    pcode: str
    name: str
    path: str
    cx: float
    cy: float


@dataclass(frozen=True)
class MapEntry:
    """What a region shows on the map: fill colour, a short label and whether pending."""

    colour: str
    label: str
    pending: bool
    title: str
    href: str | None = None


@lru_cache(maxsize=1)
def features() -> tuple[tuple[Feature, ...], int]:
    """The packaged states projected to ``MAP_WIDTH`` pixels, and the map height."""
    feats = list(load_states()["features"])
    proj = Projection.fit(feats, MAP_WIDTH)
    height = proj.height
    out: list[Feature] = []
    for f in feats:
        props = f["properties"]
        parts: list[str] = []
        best_area, cx, cy = -1.0, 0.0, 0.0
        for poly in polygons(f["geometry"]):
            for ring_no, ring in enumerate(poly):
                kept = thin(proj.ring(ring), 0.8)
                if len(kept) < 3:
                    continue
                parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in kept) + "Z")
                if ring_no == 0:
                    xs = [p[0] for p in kept]
                    ys = [p[1] for p in kept]
                    area = (max(xs) - min(xs)) * (max(ys) - min(ys))
                    if area > best_area:
                        best_area = area
                        cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
        out.append(
            Feature(
                str(props.get("ADM1_PCODE") or ""),
                normalize_name(str(props.get("NAME_NORM") or props.get("ADM1_ES") or "")),
                "".join(parts),
                cx,
                cy,
            )
        )
    return tuple(out), height


def match_feature(region_id: str, region_name: str) -> Feature | None:
    """The map feature of a region: same P-code as its id, else the same normalised name."""
    feats, _ = features()
    for f in feats:
        if f.pcode and f.pcode == region_id:
            return f
    name = normalize_name(region_name)
    for f in feats:
        if f.name == name:
            return f
    return None


def map_svg(entries: Mapping[str, MapEntry], title_id: str, title: str) -> str:
    """The states map; ``entries`` maps feature P-codes to what each shows (grey when
    absent). Linked regions are wrapped in ``<a>`` to their pages."""
    feats, height = features()
    parts = [
        f'<svg class="map" viewBox="0 0 {MAP_WIDTH} {height}" role="group" '
        f'aria-labelledby="{title_id}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(title)}</title>',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff" '
        'fill-opacity="0.55"/><line x1="0" y1="0" x2="0" y2="6" stroke="#000" '
        'stroke-width="1.5"/></pattern></defs>',
    ]
    labels: list[str] = []
    for f in feats:
        e = entries.get(f.pcode)
        fill = e.colour if e else NO_DATA
        shape = f'<path d="{f.path}" fill="{fill}"/>'
        if e and e.pending:
            shape += f'<path d="{f.path}" fill="url(#hatch)"/>'
        if e:
            body = f"<title>{escape(e.title)}</title>{shape}"
            if e.href:
                body = f'<a href="{escape(e.href)}">{body}</a>'
            parts.append(f"<g>{body}</g>")
            labels.append(
                f'<text x="{f.cx:.0f}" y="{f.cy:.0f}">{escape(e.label)}'
                f"{'?' if e.pending else ''}</text>"
            )
        else:
            parts.append(shape)
    parts.append('<g class="labels" aria-hidden="true">' + "".join(labels) + "</g></svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Series:
    """One line of the bulletin chart: its name, colour and values per point."""

    name: str
    colour: str
    values: Sequence[int]


def chart_svg(points: Sequence[str], series: Sequence[Series], title_id: str, title: str) -> str:
    """A small line chart of votes per bulletin (x labels ``points``); the page shows the
    same numbers in a table next to it."""
    width, height, pad_l, pad_b, pad_t = 320, 150, 8, 22, 10
    n = len(points)
    top = max((v for s in series for v in s.values), default=0)
    low = min((v for s in series for v in s.values), default=0)
    span = max(top - low, 1)
    inner_w, inner_h = width - 2 * pad_l, height - pad_b - pad_t

    def x(i: int) -> float:
        return pad_l + (inner_w * i / (n - 1) if n > 1 else inner_w / 2)

    def y(v: int) -> float:
        return pad_t + inner_h * (1 - (v - low) / span)

    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{title_id}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<line x1="{pad_l}" y1="{height - pad_b}" x2="{width - pad_l}" '
        f'y2="{height - pad_b}" stroke="#555"/>',
    ]
    dashes = ("", ' stroke-dasharray="6 3"', ' stroke-dasharray="2 2"')
    for k, s in enumerate(series):
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        out.append(
            f'<polyline points="{pts}" fill="none" stroke="{s.colour}" stroke-width="2.5"'
            f"{dashes[k % len(dashes)]}/>"
        )
        for i, v in enumerate(s.values):
            out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{s.colour}"/>')
    for i, label in enumerate(points):
        out.append(
            f'<text x="{x(i):.1f}" y="{height - 6}" text-anchor="middle">{escape(label)}</text>'
        )
    out.append("</svg>")
    return "".join(out)
