"""Plain SVG choropleth maps from GeoJSON (no GIS libraries).

Polygons (RFC 7946 GeoJSON) are drawn with an equirectangular projection: x = (λ − λ₀)·cos φ₀,
y = −φ, with φ₀ the latitude of the map's centre, scaled to the requested width. Regions are
joined to values by a normalised name (upper case, accents removed, Ñ folded to N).
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Iterator, Mapping
from html import escape
from importlib import resources
from typing import Any

from escrutinio.model.names import fold_latin_accents

Ring = list[tuple[float, float]]


def normalize_name(name: str) -> str:
    """Upper case, Latin accents removed (Ñ → N; marks of other scripts kept, see
    :func:`escrutinio.model.names.fold_latin_accents`), inner spaces collapsed."""
    plain = fold_latin_accents(unicodedata.normalize("NFKC", name))
    return " ".join(plain.upper().split())


def load_states() -> dict[str, Any]:
    """The packaged GeoJSON of Venezuela's states (see ``escrutinio/data/README.md``)."""
    text = resources.files("escrutinio").joinpath("data/states.geojson").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _polygons(geometry: Mapping[str, Any]) -> Iterator[list[Ring]]:
    """Polygons (lists of rings) of a Polygon or MultiPolygon geometry."""
    if geometry["type"] == "Polygon":
        yield [[(float(x), float(y)) for x, y in ring] for ring in geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        for poly in geometry["coordinates"]:
            yield [[(float(x), float(y)) for x, y in ring] for ring in poly]


def _color(value: float, vmax: float, diverging: bool) -> str:
    """Fill color: white → red (sequential) or blue ← white → red (diverging)."""
    if vmax <= 0:
        return "#ffffff"
    t = max(-1.0, min(1.0, value / vmax))
    if t >= 0:
        g = round(255 * (1 - t))
        return f"#ff{g:02x}{g:02x}"
    level = round(255 * (1 + t))
    return f"#{level:02x}{level:02x}ff" if diverging else "#ffffff"


def choropleth_svg(
    geojson: Mapping[str, Any],
    values: Mapping[str, float],
    name_property: str = "NAME_NORM",
    width: int = 600,
    title: str = "",
    diverging: bool = False,
) -> str:
    """SVG map with each feature filled by ``values[normalised name]`` (grey when absent)."""
    features = list(geojson["features"])
    all_points = [
        pt for f in features for poly in _polygons(f["geometry"]) for ring in poly for pt in ring
    ]
    lon0, lon1 = min(p[0] for p in all_points), max(p[0] for p in all_points)
    lat0, lat1 = min(p[1] for p in all_points), max(p[1] for p in all_points)
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    scale = width / ((lon1 - lon0) * kx)
    height = math.ceil((lat1 - lat0) * scale)
    norm_values = {normalize_name(k): v for k, v in values.items()}
    vmax = max((abs(v) for v in norm_values.values()), default=0.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 20}" '
        f'viewBox="0 0 {width} {height + 20}">',
        f'<text x="4" y="14" font-size="12">{escape(title)} (white 0, red {vmax:g}'
        f"{', blue ' + format(-vmax, 'g') if diverging else ''}; grey: no data)</text>",
        '<g transform="translate(0,20)">',
    ]
    for feature in features:
        name = normalize_name(str(feature["properties"].get(name_property) or ""))
        value = norm_values.get(name)
        fill = "#dddddd" if value is None else _color(value, vmax, diverging)
        path = []
        for poly in _polygons(feature["geometry"]):
            for ring in poly:
                coords = " L".join(
                    f"{(x - lon0) * kx * scale:.1f},{(lat1 - y) * scale:.1f}" for x, y in ring
                )
                path.append(f"M{coords}Z")
        label = escape(name if value is None else f"{name}: {value:g}")
        parts.append(
            f'<path d="{" ".join(path)}" fill="{fill}" stroke="#555" stroke-width="0.5" '
            f'fill-rule="evenodd"><title>{label}</title></path>'
        )
    parts.append("</g></svg>")
    return "\n".join(parts)
