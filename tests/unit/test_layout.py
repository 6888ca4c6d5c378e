"""components.layout: a column drawn after the rest of the page."""

from __future__ import annotations

import panel as pn
import param

from components.layout import drawn_later


class Page(param.Parameterized):
    drawn = param.Boolean(default=False)
    phase = param.String(default="loading")


def test_a_later_column_fills_once_when_ready_and_keeps_its_content() -> None:
    page = Page()
    side = [pn.pane.Markdown("Selection"), pn.pane.Markdown("Problems")]
    column = drawn_later(
        side, lambda: page.phase == "ready" and page.drawn, [(page, "drawn"), (page, "phase")]
    )
    assert column.objects == []
    page.phase = "ready"
    assert column.objects == []  # not drawn yet
    page.drawn = True
    assert column.objects == side
    shown = column.objects
    page.drawn = False
    page.drawn = True
    assert column.objects is shown  # filled once, not rebuilt


def test_a_later_column_already_ready_is_filled_at_once() -> None:
    column = drawn_later([pn.pane.Markdown("Try it")], lambda: True, [], width=340)
    assert len(column.objects) == 1 and column.width == 340
