"""The changed tables' rows of a region page's table list are spliced into the previous
page (`escrutinio.website.list_splice`): the result is the list rendered whole, whatever
the table ids, links and page strings hold; anything that does not line up gives None."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from escrutinio.website.html import esc
from escrutinio.website.list_splice import list_body, spliced_rows
from escrutinio.website.region_page import children_html

HOSTILE = ["</tr>\n", "</th>", '<tr><th scope="row"><a href="', "</tbody>", "&amp;", "\n"]
PIECES = st.one_of(
    st.text(alphabet=st.sampled_from(list("<>&\"'/ trh\n~é\U0001f600")), max_size=4),
    st.sampled_from(HOSTILE),
)
IDS = st.lists(PIECES, min_size=1, max_size=3).map("".join).filter(bool)
TEXT = st.lists(PIECES, max_size=3).map("".join)


def _row(unit: str, href: str, cells: list[int] | None, uncounted: str) -> str:
    """A table row as `escrutinio.website.table_lists` writes it."""
    head = f'<tr><th scope="row"><a href="{esc(href)}">{esc(unit)}</a></th><td class="n">7</td>'
    if cells is None:
        return head + f'<td colspan="3" class="muted">{esc(uncounted)}</td></tr>\n'
    return head + "".join(f'<td class="n">{n}</td>' for n in cells) + "</tr>\n"


def _page(strings: str, lists: dict[str, str]) -> str:
    """A region page around the table lists of several races (slug → rows)."""
    T: defaultdict[str, str] = defaultdict(lambda: strings)
    body = "".join(
        children_html(T, None, {"key": key, "columns": [strings, key], "rows_html": Markup(rows)})
        for key, rows in lists.items()
    )
    return f"<html><h1>{esc(strings)}</h1>\n{body}</html>\n"


CELLS = st.one_of(st.none(), st.lists(st.integers(0, 999), min_size=2, max_size=2))


@st.composite
def lists(draw: st.DrawFn) -> tuple[str, str, list[int], list[str]]:
    """(old page, expected rows of race ``c``, changed row positions, fresh rows)."""
    ids = draw(st.lists(IDS, min_size=1, max_size=6, unique=True))
    word = draw(TEXT)
    hrefs = [f"../table/index.html#{draw(TEXT)}/{u}/c" for u in ids]
    old = [_row(u, h, draw(CELLS), word) for u, h in zip(ids, hrefs, strict=True)]
    changed = sorted(draw(st.sets(st.integers(0, len(ids) - 1))))
    fresh = {i: _row(ids[i], hrefs[i], draw(CELLS), word) for i in changed}
    other = "".join(_row(u, "x", [1, 2], word) for u in ids)  # race "c-2": same tables
    page = _page(
        word,
        {"c-2": other, "c": "".join(old)}
        if draw(st.booleans())
        else {"c": "".join(old), "c-2": other},
    )
    expected = "".join(fresh.get(i, row) for i, row in enumerate(old))
    return page, expected, changed, [fresh[i] for i in changed]


@settings(max_examples=300, deadline=None)
@given(lists())
def test_splicing_equals_rendering_the_list_whole(
    case: tuple[str, str, list[int], list[str]],
) -> None:
    page, expected, _, fresh = case
    count = expected.count("</tr>\n")
    assert spliced_rows(page, "c", count, fresh) == expected


@settings(max_examples=100, deadline=None)
@given(lists())
def test_a_list_that_does_not_line_up_is_rendered_whole(
    case: tuple[str, str, list[int], list[str]],
) -> None:
    page, expected, _, fresh = case
    count = expected.count("</tr>\n")
    assert spliced_rows(page, "c", count + 1, fresh) is None  # another number of tables
    assert spliced_rows(page, "c-3", count, fresh) is None  # no list for that race
    stranger = _row("not-a-table-here", "nowhere", [1, 2], "")
    assert spliced_rows(page, "c", count, [*fresh, stranger]) is None
    if len(fresh) > 1:  # out of list order
        assert spliced_rows(page, "c", count, fresh[::-1]) is None


def test_a_page_with_the_list_twice_is_not_spliced() -> None:
    rows = _row("u1", "h", [1, 2], "")
    twice = _page("x", {"c": rows}) + _page("x", {"c": rows})
    assert list_body(twice, "c") is None
    assert spliced_rows(twice, "c", 1, [rows]) is None
    assert spliced_rows(_page("x", {"c": rows}), "c", 1, [rows]) == rows
