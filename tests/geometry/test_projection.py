"""The shared map geometry: projection, thinning, polygons, names, and that importing it (or
the website's map) does not load SciPy."""

from __future__ import annotations

import itertools
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from escrutinio.geometry import Projection, load_states, normalize_name, polygons, thin

SQUARE = {
    "type": "Feature",
    "properties": {},
    "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 1], [0, 1], [0, 0]]]},
}


def test_projection_fits_the_width_and_puts_north_up() -> None:
    proj = Projection.fit([SQUARE], 200)
    ring = proj.ring([(0.0, 1.0), (2.0, 0.0)])
    assert ring[0] == (0.0, 0.0)  # north-west corner at the origin
    assert abs(ring[1][0] - 200) < 1e-9  # east edge at the full width
    assert ring[1][1] > 0 and proj.height >= round(ring[1][1])


def test_multipolygons_and_other_geometries() -> None:
    multi = {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1]]], [[[5, 5]]]]}
    assert [len(p) for p in polygons(multi)] == [1, 1]
    assert list(polygons({"type": "Point", "coordinates": [0, 0]})) == []


@given(st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)), max_size=50))
def test_thin_keeps_the_first_point_and_only_far_enough_steps(
    points: list[tuple[float, float]],
) -> None:
    kept = thin(points, 0.8)
    assert kept[:1] == points[:1]
    assert all(p in points for p in kept)
    for a, b in itertools.pairwise(kept):
        assert abs(b[0] - a[0]) + abs(b[1] - a[1]) >= 0.8


def test_packaged_states_and_names() -> None:
    feats = load_states()["features"]
    assert len(feats) >= 24
    assert normalize_name("  Táchira  ") == "TACHIRA"
    assert normalize_name("Fernando de  Peñalver") == "FERNANDO DE PENALVER"


def test_the_website_map_and_geometry_do_not_load_scipy() -> None:
    code = "import sys, escrutinio.geometry, escrutinio.website.svg\nprint('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # the map is drawn without the reconcile package
