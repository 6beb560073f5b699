"""The fast canonical JSON path equals RFC 8785 for every value escrutinio hashes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from escrutinio.model.canonical import canonical_json, canonical_json_fast

ascii_keys = st.from_regex(r"[A-Za-z0-9._:+/\-]{1,12}", fullmatch=True)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53) + 1, 2**53 - 1),
    st.text(max_size=20),
)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(ascii_keys, inner, max_size=4)
    ),
    max_leaves=20,
)


@given(values)
def test_fast_path_matches_rfc8785(value: object) -> None:
    assert canonical_json_fast(value) == canonical_json(value)


def test_known_vector() -> None:
    # RFC 8785 §3.2.2-style: sorted keys, no whitespace, literal non-ASCII, short escapes
    value = {"b": [1, "é\n"], "a": None, "c": {"z": True, "y": -5}}
    assert canonical_json(value) == b'{"a":null,"b":[1,"\xc3\xa9\\n"],"c":{"y":-5,"z":true}}'
