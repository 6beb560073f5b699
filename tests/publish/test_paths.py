"""The one path-confinement rule (`escrutinio.model.paths`)."""

from __future__ import annotations

import posixpath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escrutinio.model.paths import (
    PATH_MAX_LENGTH,
    PathError,
    confined,
    path_problem,
)


@pytest.mark.parametrize(
    "rel",
    ["checkpoint", "tile/0/x001/234.p/7", "keys/witnesses/w.example/obs.vkey", "a b/é.csv"],
)
def test_confined_paths_pass(rel: str) -> None:
    assert path_problem(rel) is None
    assert confined(rel) == rel


@pytest.mark.parametrize(
    ("rel", "reason"),
    [
        ("", "the path is empty"),
        ("/etc/passwd", "'/etc/passwd' is an absolute path"),
        ("../x", "'../x' has a '..' segment"),
        ("a/../../x", "'a/../../x' has a '..' segment"),
        ("a/./x", "'a/./x' has a '.' segment"),
        ("a//x", "'a//x' has an empty segment"),
        ("a/", "'a/' has an empty segment"),
        ("a\\..\\x", "contains a backslash"),
        ("C:x", "'C:x' starts with a drive letter"),
        ("a\nb", "contains the control character U+000A"),
        ("a\x00b", "contains the control character U+0000"),
        ("x" * (PATH_MAX_LENGTH + 1), f"a path has at most {PATH_MAX_LENGTH} characters"),
        ("a/" + "x" * 256, "has a segment longer than 255 characters"),
        ("a\ud800", "contains a lone surrogate"),
        (5, "a path must be text, got int"),
    ],
)
def test_hostile_paths_are_refused_with_the_reason(rel: object, reason: str) -> None:
    problem = path_problem(rel)
    assert problem is not None and reason in problem
    with pytest.raises(PathError, match=r"^manifest\.json: "):
        confined(rel, "manifest.json")


@given(st.text(alphabet=st.sampled_from("ab./\\:\x00\n C"), max_size=20))
def test_a_confined_path_never_leaves_its_folder(rel: str) -> None:
    if path_problem(rel) is None:
        joined = posixpath.normpath(posixpath.join("/base/out", rel))
        assert joined.startswith("/base/out/")
        assert posixpath.join("/base/out", rel) == joined  # nothing to normalise away
