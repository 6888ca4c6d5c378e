"""The pages of one browser session, switched without loading a new document.

Every page's address (``/sources``, ``/model``…) still serves the whole app, opened on that
page. From then on :class:`Router` (a few lines of browser code in ``router.js``) turns a click
on a link to another page, Back and Forward into a change of :attr:`Router.slug`, and
:class:`Pages` shows that page: built and drawn the first time it is visited, then kept, hidden,
with everything the user left in it (the SQL editor's text, the selected tab, the last result)
until the browser tab closes. Coming back to a page only shows it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import panel as pn
import param
from panel.custom import JSComponent

from app.pages.shell.state import ShellState
from components.feedback import EmptyState

log = logging.getLogger("datapilot.pages")

PageFactory = Callable[[ShellState], Any]


class Router(JSComponent):
    """The browser side of page switching: which page is shown, and the address bar."""

    slug = param.String(default="", doc="The page shown, e.g. 'sql'.")
    slugs = param.List(default=[], item_type=str, doc="Pages the browser may switch to.")
    prefetch = param.String(default="", doc="A page the user is about to open (hover, focus).")
    drawn = param.List(default=[], item_type=str, doc="Pages built and drawn so far.")

    _esm = "router.js"

    def __init__(self, **params: Any) -> None:
        params.setdefault("width", 0)
        params.setdefault("height", 0)
        params.setdefault("margin", 0)
        super().__init__(**params)

    def set_address(self, url: str, replace: bool = False) -> None:
        """Show ``url`` (a path and query of this app) in the address bar, adding a history
        entry unless ``replace``; nothing is loaded."""
        self._send_msg({"type": "address", "url": url, "replace": replace})


class Pages:
    """The session's pages: the one shown, and the ones visited before, kept hidden."""

    def __init__(
        self, state: ShellState, factories: Mapping[str, PageFactory], slug: str, address: str
    ) -> None:
        self.state = state
        self.factories = dict(factories)
        self.router = Router(slug=slug, slugs=list(self.factories))
        self.view = pn.Column(sizing_mode="stretch_width", css_classes=["dp-page-view"])
        """Every page built so far; only the current one is visible."""
        self.built: dict[str, pn.Column] = {}
        self.addresses: dict[str, str] = {slug: address}
        state.set_address = self.set_address
        self.show(slug)
        self.router.param.watch(lambda event: self.show(event.new), "slug")
        self.router.param.watch(lambda event: self.prepare(event.new), "prefetch")

    def show(self, slug: str) -> None:
        """Show ``slug``'s page, building it on its first visit."""
        if slug not in self.factories:
            return
        self.state.slug = slug
        if self.router.slug != slug:
            self.router.slug = slug
        again = slug in self.built
        if again and slug in self.addresses:
            # A kept page comes back on the view it was left on.
            self.router.set_address(self.addresses[slug], replace=True)
        self.prepare(slug)
        for other, kept in self.built.items():
            kept.visible = other == slug
        if again:  # shown first, then it re-reads what other pages may have changed
            self.state.returns += 1

    def prepare(self, slug: str) -> None:
        """Build and draw ``slug``'s page, hidden unless it is the one shown (once)."""
        if slug not in self.factories or slug in self.built:
            return
        page = self.built[slug] = pn.Column(
            self._build(slug),
            sizing_mode="stretch_width",
            css_classes=[f"dp-page-{slug}"],
            visible=slug == self.state.slug,
        )
        self.view.append(page)
        self.router.drawn = list(self.built)

    def set_address(self, url: str) -> None:
        """The shown page changed its view (a dashboard's filters): keep it in the address."""
        self.addresses[self.state.slug] = url
        self.router.set_address(url)

    def _build(self, slug: str) -> Any:
        shown, self.state.slug = self.state.slug, slug  # the page being built reads its own
        try:
            page = self.factories[slug](self.state)
        except Exception:
            # Never show a traceback to a user; the log has it.
            log.exception("building the %s page failed", slug)
            page = EmptyState(
                title="This page could not be shown",
                message="Something went wrong on our side and it has been logged. Reload the "
                "page; if it keeps happening, tell your admin the time it happened.",
                icon="⚠",
            )
        finally:
            self.state.slug = shown
        return page
