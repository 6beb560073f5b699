"""What the table pages use of the site being built (`escrutinio.website.build.Site`), as
protocols, so the table modules do not import the builder."""

from __future__ import annotations

from typing import Any, Protocol

import jinja2

from escrutinio.model.definition import Definition
from escrutinio.website.bundle import Bundle
from escrutinio.website.i18n import Lang
from escrutinio.website.reuse import Reuse


class SiteParts(Protocol):
    """What the table pages use of the site being built (`escrutinio.website.build.Site`)."""

    definition: Definition
    bundle: Bundle
    prefix: dict[str, str]
    strings: dict[str, dict[str, str]]
    env: jinja2.Environment
    reuse: Reuse

    @property
    def options(self) -> TableOptions:
        """The build options (the table page threshold)."""
        ...

    @property
    def paged_levels(self) -> int:
        """How many region levels (from the broadest) get a page each."""
        ...

    def render(self, template: str, lang: Lang, path: str, kind: str, **ctx: Any) -> bytes:
        """Render one page of ``lang`` at ``path``."""
        ...

    def paged(self, region: int) -> bool:
        """True when the region has a page."""
        ...

    def ancestors(self, region: int) -> list[int]:
        """The region and its ancestors, broadest first."""
        ...


class TableOptions(Protocol):
    """The scale thresholds the table pages and lists follow."""

    @property
    def table_page_limit(self) -> int:
        """Most (unit, contest) slots with a static page each."""
        ...

    @property
    def list_rows(self) -> int:
        """Most tables a region page lists itself, tables of a list page and of a shard."""
        ...
