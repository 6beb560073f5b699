"""Field-by-field comparison of published result JSON with a recomputation.

Works on the dicts of ``to_dict`` (or the parsed published JSON): integers, strings,
booleans and nulls must be equal; floats may differ by a relative tolerance.
"""

from __future__ import annotations

import math
from typing import Any


def diff(expected: Any, actual: Any, *, rel_tol: float = 1e-9, path: str = "$") -> list[str]:
    """Differences between two JSON-like values, one line each with its JSON path."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out: list[str] = []
        for key in expected.keys() | actual.keys():
            where = f"{path}.{key}"
            if key not in actual:
                out.append(f"{where}: missing in actual")
            elif key not in expected:
                out.append(f"{where}: unexpected in actual")
            else:
                out.extend(diff(expected[key], actual[key], rel_tol=rel_tol, path=where))
        return sorted(out)
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: length {len(expected)} != {len(actual)}"]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            out.extend(diff(e, a, rel_tol=rel_tol, path=f"{path}[{i}]"))
        return out
    if (
        isinstance(expected, float)
        and isinstance(actual, int | float)
        and not isinstance(actual, bool)
    ):
        if math.isclose(expected, float(actual), rel_tol=rel_tol, abs_tol=rel_tol):
            return []
        return [f"{path}: {expected!r} != {actual!r}"]
    if type(expected) is not type(actual) or expected != actual:
        return [f"{path}: {expected!r} != {actual!r}"]
    return []
