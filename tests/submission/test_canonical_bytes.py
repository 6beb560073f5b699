"""The submission's canonical bytes equal the RFC 8785 reference for any JSON value."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from escrutinio.model.canonical import canonical_json
from escrutinio.submission.envelope import canonical_bytes

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(JSON)
def test_same_bytes_or_same_refusal_as_the_reference(value: Any) -> None:
    try:
        want = canonical_json(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        with pytest.raises((rfc8785.CanonicalizationError, UnicodeEncodeError)):
            canonical_bytes(value)
        return
    assert canonical_bytes(value) == want
