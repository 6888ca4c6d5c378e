"""The session's pages (app/pages/shell/router.py): built once on a first visit, a hover or
the idle warm-up, kept hidden afterwards, with the page being built reading its own slug; a
click and a prefetch of the same page in two threads build it once."""

from __future__ import annotations

import threading
from typing import Any

import panel as pn
import param
import pytest
from panel.pane.base import PaneBase

from app.pages.shell.router import Pages


class Factories:
    """Page factories that count their calls and note the slug the state had."""

    def __init__(self, *slugs: str, failing: str = "") -> None:
        self.calls: list[tuple[str, str]] = []
        self.factories = {slug: self._factory(slug, slug == failing) for slug in slugs}

    def _factory(self, slug: str, fail: bool) -> Any:
        def build(state: Any) -> Any:
            self.calls.append((slug, state.building))
            if fail:
                raise RuntimeError("boom")
            return pn.pane.Markdown(f"page {slug}")

        return build


class State(param.Parameterized):
    """What the router reads and writes of the session's ShellState."""

    returns = param.Integer(default=0)

    def __init__(self) -> None:
        super().__init__()
        self.slug = ""
        self.building = ""
        self.set_address: Any = None


def pages_of(factories: Factories, slug: str = "sources") -> tuple[Pages, Any]:
    state: Any = State()
    return Pages(state, factories.factories, slug, f"/{slug}?from=start"), state


def filled(pages: Pages) -> list[Any]:
    return [slot for slot in pages.view.objects if slot.objects]


def shown(pages: Pages) -> list[str]:
    return [slug for slug, page in pages.built.items() if page.visible]


def test_only_the_opened_page_is_built_at_first() -> None:
    factories = Factories("sources", "model", "sql")
    pages, state = pages_of(factories)
    assert factories.calls == [("sources", "sources")]
    assert shown(pages) == ["sources"] and state.slug == "sources"
    assert pages.router.slug == "sources" and pages.router.drawn == ["sources"]
    assert list(pages.router.slugs) == ["sources", "model", "sql"]


def test_a_page_is_built_on_its_first_visit_and_kept_after() -> None:
    factories = Factories("sources", "model", "sql")
    pages, state = pages_of(factories)
    pages.router.slug = "model"  # what a click in the browser does
    assert shown(pages) == ["model"] and state.slug == "model"
    assert state.returns == 0
    pages.router.slug = "sources"
    pages.router.slug = "model"
    assert factories.calls == [("sources", "sources"), ("model", "model")]
    assert shown(pages) == ["model"]
    assert state.returns == 2  # each kept page shown again re-reads what others changed
    assert len(filled(pages)) == 2  # both drawn, one visible


def test_a_hovered_page_is_built_hidden_with_its_own_slug() -> None:
    factories = Factories("sources", "model", "sql")
    pages, state = pages_of(factories)
    pages.router.prefetch = "sql"
    assert factories.calls[-1] == ("sql", "sql")  # the page read its own slug while built
    assert state.building == ""
    assert state.slug == "sources" and shown(pages) == ["sources"]
    assert pages.router.drawn == ["sources", "sql"]
    pages.router.slug = "sql"
    assert [c for c in factories.calls if c[0] == "sql"] == [("sql", "sql")]
    assert shown(pages) == ["sql"]


def test_unknown_pages_are_ignored() -> None:
    factories = Factories("sources", "model")
    pages, state = pages_of(factories)
    pages.router.prefetch = "admin"
    pages.show("../etc")
    assert list(pages.built) == ["sources"] and state.slug == "sources"


def test_a_page_that_fails_to_build_says_so_and_the_others_work(
    caplog: pytest.LogCaptureFixture,
) -> None:
    factories = Factories("sources", "model", failing="model")
    pages, state = pages_of(factories)
    pages.router.slug = "model"
    texts = [str(pane.object) for pane in pages.built["model"].select(PaneBase)]
    assert any("This page could not be shown" in text for text in texts)
    assert "building the model page failed" in caplog.text
    assert state.slug == "model"
    pages.router.slug = "sources"
    assert shown(pages) == ["sources"]


def test_a_page_keeps_its_address_for_when_it_comes_back() -> None:
    factories = Factories("sources", "dashboards")
    pages, state = pages_of(factories)
    pages.router.slug = "dashboards"
    state.set_address("/dashboards?id=7")  # the page changed its view
    pages.router.slug = "sources"
    assert pages.addresses == {"sources": "/sources?from=start", "dashboards": "/dashboards?id=7"}


def test_the_warm_up_list_reaches_the_browser_and_pages_drawn_ahead_leave_the_view_be() -> None:
    factories = Factories("sources", "model", "sql")
    state: Any = State()
    pages = Pages(state, factories.factories, "sql", "/sql", warm=["sources", "model"])
    assert pages.router.warm == ["sources", "model"]
    children = list(pages.view.objects)
    pages.router.prefetch = "sources"  # what the browser asks for once idle
    assert pages.router.drawn == ["sql", "sources"] and shown(pages) == ["sql"]
    # Filled in place: a new child of the view would take the page shown (and the user's
    # focus in it) out of the document and back.
    assert pages.view.objects == children and len(filled(pages)) == 2
    assert pages_of(Factories("sources"))[0].router.warm == []  # off unless asked


def test_a_click_during_a_prefetch_of_that_page_waits_for_it_and_builds_it_once() -> None:
    factories = Factories("sources", "model")
    started, release = threading.Event(), threading.Event()
    plain = factories.factories["model"]

    def slow(state: Any) -> Any:
        assert state.slug == "sources"  # the page shown is untouched by a build
        started.set()
        release.wait(10)
        return plain(state)

    factories.factories["model"] = slow
    pages, state = pages_of(factories)
    prefetch = threading.Thread(target=lambda: setattr(pages.router, "prefetch", "model"))
    prefetch.start()
    assert started.wait(10)
    click = threading.Thread(target=pages.show, args=("model",))
    click.start()
    click.join(0.2)
    assert click.is_alive()  # waits for the build under way instead of starting another
    release.set()
    prefetch.join(10)
    click.join(10)
    assert [c for c in factories.calls if c[0] == "model"] == [("model", "model")]
    assert shown(pages) == ["model"] and state.slug == "model"
    assert len(filled(pages)) == 2
