"""Pages built from strings instead of templates give the bytes the templates gave: the
escaping, the verify widget's acta JSON and the region page body (checked against the former
``region.html`` block, kept here, on the test election and on hostile names)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup, escape
from site_kit import hostile_definition, published

from escrutinio.reads.documents import ActaVersionDoc
from escrutinio.website import build
from escrutinio.website.build import Site
from escrutinio.website.bundle import Bundle
from escrutinio.website.html import esc, html
from escrutinio.website.region_page import region_main
from escrutinio.website.table_page import acta_json, contract_acta

FORMER_REGION_MAIN = (Path(__file__).parent / "former_region_main.html").read_text("utf-8")
"""The body of the former ``region.html`` (its ``main`` block, which included
``children.html``)."""

TEXT = st.text(st.characters(codec="utf-8"), max_size=30)


@given(TEXT)
def test_esc_is_markupsafe_escape(text: str) -> None:
    assert esc(text) == str(escape(text))
    assert html(text) == str(escape(text))


def test_html_keeps_markup_and_writes_numbers() -> None:
    assert html(Markup("<b>x</b>")) == "<b>x</b>"
    assert html(12) == "12"
    assert html("<'&\">") == "&lt;&#39;&amp;&#34;&gt;"


@given(
    TEXT,
    TEXT,
    st.dictionaries(TEXT, st.integers(min_value=0, max_value=10**12), max_size=5),
    st.one_of(st.none(), st.integers(min_value=0, max_value=10**9)),
)
def test_acta_json_is_json_dumps(
    unit: str, source: str, votes: dict[str, int], blank: int | None
) -> None:
    version: dict[str, Any] = {
        "unit": unit,
        "contest": "gov-VE07",
        "source": source,
        "votes": votes,
        "null": 3,
        "blank": blank,
        "voters": 1234,
        "version": 1,
        "status": "accepted",
        "counting": True,
        "received_at": "2017-10-15T22:00:00Z",
        "content_hash": "00",
        "log_index": 7,
    }
    doc: ActaVersionDoc = version  # type: ignore[assignment]
    assert acta_json(doc) == json.dumps(contract_acta(doc), ensure_ascii=False)


def _former_main(site: Site, args: tuple[Any, ...]) -> str:
    T, place, region, crumbs, blocks, *tail = args
    assert tail in ([], [""])  # no list pages: the region page lists its tables itself
    assert site.env.loader is not None
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.DictLoader({"main.html": FORMER_REGION_MAIN}), site.env.loader]
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("main.html").render(
        T=T, u=place.u, region=region, breadcrumbs=crumbs, blocks=blocks
    )


def _check_regions(out: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    site = Site(Bundle.load(out))
    calls: list[tuple[Any, ...]] = []
    real = region_main

    def spy(*args: Any) -> Markup:
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(build, "region_main", spy)
    for lang in site.langs:
        for r in range(len(site.definition.regions)):
            if site.paged(r):
                page = site.region(lang, r).decode("utf-8")
                main = str(real(*calls[-1]))
                assert f'<main id="main">\n{main}</main>' in page
                assert main == _former_main(site, calls[-1]).removeprefix("\n")
    return len(calls)


def test_region_body_is_the_former_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pub = published(tmp_path)
    try:
        assert _check_regions(pub.out, monkeypatch) > 0
    finally:
        pub.store.close()


def test_region_body_with_hostile_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pub = published(tmp_path, hostile_definition())
    try:
        assert _check_regions(pub.out, monkeypatch) > 0
    finally:
        pub.store.close()
