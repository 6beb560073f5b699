"""Re-publication of a region page's table lists: the rows of the tables whose slots did not
change are taken from the previous publication's page, only the changed tables' rows are
rendered again and put in their places.

A row depends only on the definition, the site's code and options, the page's language and
place, and the counting acta of its (unit, contest) slot; the previous page was built by the
same code and options from a prefix of the same log (`escrutinio.website.reuse`), so its
unchanged rows are the bytes a full build gives. Every value in a row is HTML-escaped, so
``</tr>`` and ``</th>`` occur in a list only as markup: rows end at ``</tr>\\n`` and a
row's table is named by its head (up to the first ``</th>``, the link and the table id),
found at a row's start. When anything does not line up (no such list, another row count, a
changed table's row not found) the list is rendered whole.
"""

from __future__ import annotations

from collections.abc import Iterable

from escrutinio.website.html import esc

ROW_END = "</tr>\n"
LIST_END = "</tbody></table></div>\n</section>\n"


def list_body(page: str, key: str) -> tuple[int, int] | None:
    """Where the rows of the table list of the race whose slug is ``key`` lie on the region
    page ``page`` (start and end offsets of its ``<tbody>`` content); None when the page has
    no such list, or more than one."""
    opening = f'<section aria-labelledby="tables-h-{esc(key)}">\n'
    start = page.find(opening)
    if start < 0 or page.find(opening, start + len(opening)) >= 0:
        return None
    body = page.find("<tbody>\n", start + len(opening))
    if body < 0:
        return None
    body += len("<tbody>\n")
    end = page.find(LIST_END, body)
    return None if end < 0 else (body, end)


def _head(row: str) -> str | None:
    """A row's table cell (``<tr><th …>…</th>``), which names its table and link."""
    end = row.find("</th>")
    return row[: end + len("</th>")] if row.startswith("<tr>") and end >= 0 else None


def spliced_rows(page: str, key: str, count: int, fresh: Iterable[str]) -> str | None:
    """The rows of the list of race ``key`` on ``page``, which must hold ``count`` rows, with
    the row of each table of ``fresh`` (rows in list order) put in place of its old row;
    None when the list is not there, holds another number of rows, or a fresh row's table
    is not found after the previous one's."""
    span = list_body(page, key)
    if span is None:
        return None
    start, end = span
    if page.count(ROW_END, start, end) != count or not page.endswith(ROW_END, start, end):
        return None
    parts: list[str] = []
    done = start
    for row in fresh:
        head = _head(row)
        if head is None:
            return None
        at = page.find(head, done, end)
        while at >= 0 and at != start and not page.endswith(ROW_END, start, at):
            at = page.find(head, at + 1, end)
        if at < 0:
            return None
        stop = page.find(ROW_END, at, end) + len(ROW_END)
        parts += (page[done:at], row)
        done = stop
    parts.append(page[done:end])
    return "".join(parts)
