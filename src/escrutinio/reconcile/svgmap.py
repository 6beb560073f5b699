"""Plain SVG choropleth maps from GeoJSON (no GIS libraries).

The geometry (equirectangular projection, name normalisation, the packaged states) is
`escrutinio.geometry`, shared with the results website. Regions are joined to values by a
normalised name.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from escrutinio.geometry import Projection, load_states, normalize_name, polygons

__all__ = ["choropleth_svg", "load_states", "normalize_name"]


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
    proj = Projection.fit(features, width)
    height = proj.height
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
        for poly in polygons(feature["geometry"]):
            for ring in poly:
                coords = " L".join(f"{x:.1f},{y:.1f}" for x, y in proj.ring(ring))
                path.append(f"M{coords}Z")
        label = escape(name if value is None else f"{name}: {value:g}")
        parts.append(
            f'<path d="{" ".join(path)}" fill="{fill}" stroke="#555" stroke-width="0.5" '
            f'fill-rule="evenodd"><title>{label}</title></path>'
        )
    parts.append("</g></svg>")
    return "\n".join(parts)
