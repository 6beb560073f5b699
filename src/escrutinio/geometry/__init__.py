"""Map geometry shared by the results website and the reconciliation maps (pure, no SciPy)."""

from escrutinio.geometry.projection import (
    Projection,
    Ring,
    load_states,
    normalize_name,
    polygons,
    thin,
)

__all__ = ["Projection", "Ring", "load_states", "normalize_name", "polygons", "thin"]
