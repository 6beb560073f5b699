"""GeoJSON polygons projected to SVG pixels.

Polygons (RFC 7946 GeoJSON) are drawn with an equirectangular projection (Snyder,
*Map Projections — A Working Manual*, USGS 1987, §12): x = (λ − λ₀)·cos φ₀, y = φ₁ − φ, with
φ₀ the latitude of the map's centre, scaled so the map spans the requested width. Names are
matched after normalisation (upper case, accents removed, Ñ folded to N). The packaged
GeoJSON of Venezuela's states is described in ``escrutinio/data/README.md``.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
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


def polygons(geometry: Mapping[str, Any]) -> Iterator[list[Ring]]:
    """Polygons (lists of rings of (longitude, latitude)) of a Polygon or MultiPolygon
    geometry; other geometry types have none."""
    if geometry["type"] == "Polygon":
        polys = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polys = geometry["coordinates"]
    else:
        return
    for poly in polys:
        yield [[(float(x), float(y)) for x, y in ring] for ring in poly]


@dataclass(frozen=True)
class Projection:
    """An equirectangular projection of a set of features onto ``width`` pixels."""

    lon0: float
    lat1: float
    kx: float
    scale: float
    height: int

    @classmethod
    def fit(cls, features: Iterable[Mapping[str, Any]], width: int) -> Projection:
        """The projection that fits every point of ``features`` into ``width`` pixels
        (north up; ``height`` follows from the bounding box)."""
        pts = [
            p for f in features for poly in polygons(f["geometry"]) for ring in poly for p in ring
        ]
        lon0, lon1 = min(p[0] for p in pts), max(p[0] for p in pts)
        lat0, lat1 = min(p[1] for p in pts), max(p[1] for p in pts)
        kx = math.cos(math.radians((lat0 + lat1) / 2))
        scale = width / ((lon1 - lon0) * kx)
        return cls(lon0, lat1, kx, scale, math.ceil((lat1 - lat0) * scale))

    def ring(self, ring: Ring) -> Ring:
        """The ring's points in pixels (x right, y down)."""
        lon0, lat1, kx, scale = self.lon0, self.lat1, self.kx, self.scale
        return [((x - lon0) * kx * scale, (lat1 - y) * scale) for x, y in ring]


def thin(points: Ring, step: float) -> Ring:
    """The points without those closer than ``step`` (Manhattan distance, in pixels) to the
    previous point kept; the first point is always kept."""
    if not points:
        return []
    kept = [points[0]]
    for p in points[1:]:
        if abs(p[0] - kept[-1][0]) + abs(p[1] - kept[-1][1]) >= step:
            kept.append(p)
    return kept
