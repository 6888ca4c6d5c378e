"""The pages of one browser session, switched without loading a new document.

Every page's address (``/sources``, ``/model``…) still serves the whole app, opened on that
page. From then on :class:`Router` (a few lines of browser code in ``router.js``) turns a click
on a link to another page, Back and Forward into a change of :attr:`Router.slug`, and
:class:`Pages` shows that page: built and drawn the first time it is visited, then kept, hidden,
with everything the user left in it (the SQL editor's text, the selected tab, the last result)
until the browser tab closes. Coming back to a page only shows it again.

A page may also be built before its first visit, hidden: while the pointer rests on its link
(:attr:`Router.prefetch`), and, with :attr:`Router.warm`, one page after another once the page
shown is drawn and the browser is idle, so that a first visit is as quick as a return. Builds
run in callback threads; a page is built once even when a click and a prefetch ask together.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
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
    warm = param.List(
        default=[], item_type=str, doc="Pages to draw, hidden, in this order, once idle."
    )

    _esm = "router.js"
    # A page asked for is handled at once, not after Panel's 50 ms debounce of browser changes.
    _priority_changes = ["slug", "prefetch"]

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
        self,
        state: ShellState,
        factories: Mapping[str, PageFactory],
        slug: str,
        address: str,
        warm: Sequence[str] = (),
    ) -> None:
        self.state = state
        self.factories = dict(factories)
        self.router = Router(slug=slug, slugs=list(self.factories), warm=list(warm))
        self.slots = {
            name: pn.Column(
                sizing_mode="stretch_width", css_classes=[f"dp-page-{name}"], visible=False
            )
            for name in self.factories
        }
        """A place per page, empty until it is built. Pages are filled in, never added: adding
        a child to the view would take the page shown out of the document and back (Bokeh
        re-attaches every child), losing the user's focus while a page is drawn ahead."""
        self.view = pn.Column(
            *self.slots.values(), sizing_mode="stretch_width", css_classes=["dp-page-view"]
        )
        """Every page; only the current one is visible."""
        self.built: dict[str, pn.Column] = {}
        self._lock = threading.Lock()
        self._building: dict[str, threading.Event] = {}
        self._one_build = threading.Lock()  # factories share the state's `building`
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
        with self._lock:
            kept_pages = list(self.built.items())
        for other, kept in kept_pages:
            kept.visible = other == slug
        if again:  # shown first, then it re-reads what other pages may have changed
            self.state.returns += 1

    def prepare(self, slug: str) -> None:
        """Build and draw ``slug``'s page, hidden unless it is the one shown (once).

        A click may ask for a page a prefetch is building in another thread: it waits for that
        build instead of starting a second one.
        """
        if slug not in self.factories:
            return
        with self._lock:
            if slug in self.built:
                return
            running = self._building.get(slug)
            mine = running is None
            if running is None:
                running = self._building[slug] = threading.Event()
        if not mine:
            running.wait()
            return
        try:
            content = self._build(slug)
            with self._lock:
                slot = self.built[slug] = self.slots[slug]
                slot.visible = slug == self.state.slug
                slot.objects = [content]
                drawn = list(self.built)
            self.router.drawn = drawn
        finally:
            with self._lock:
                del self._building[slug]
            running.set()

    def set_address(self, url: str) -> None:
        """The shown page changed its view (a dashboard's filters): keep it in the address."""
        self.addresses[self.state.slug] = url
        self.router.set_address(url)

    def _build(self, slug: str) -> Any:
        with self._one_build:
            self.state.building = slug  # the page being built reads its own slug
            try:
                return self._factory(slug)
            finally:
                self.state.building = ""

    def _factory(self, slug: str) -> Any:
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
        return page
