"""A dashboard page object (Board) over a real store and the real services, without a browser:
the auto-refresh schedule (the browser journeys live in tests/ui/test_dashboards.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bokeh.document import Document
from panel.io.state import set_curdoc

from app.context import AppContext
from app.pages.dashboards.board import Board
from app.pages.shell import ShellState
from tests.integration.conftest import Store

TEXT = {"id": "note", "kind": "text", "text": "Hello", "position": {"x": 0, "y": 0, "w": 6, "h": 2}}


@pytest.fixture
def ctx(store: Store) -> Iterator[AppContext]:
    context = AppContext(store.settings)
    yield context
    context.db.dispose()


def test_auto_refresh_reloads_the_tiles_on_the_chosen_schedule(
    store: Store, ctx: AppContext
) -> None:
    admin = store.register("Ada")
    workspace = ctx.workspaces(admin).create("Sales")
    ctx.workspaces(admin).set_current(workspace.id)
    info = ctx.dashboards(admin).create(
        workspace.id, "Board", document={"widgets": [TEXT], "refresh_seconds": 300}
    )
    state = ShellState(ctx, admin, csrf="unused")
    model = ctx.models(admin).get(workspace.id)
    doc = Document()
    with set_curdoc(doc):
        board = Board(state, workspace, info, model, {"filters": {}, "cross": [], "edit": False})
        # The saved interval is running: a periodic callback of the session every 5 minutes.
        assert board._refresh_every.value == 300
        assert board._periodic is not None and board._periodic.period == 300_000
        loads = board.loader._generation
        board._periodic.callback()  # what the schedule runs: the tiles are evaluated again
        assert board.loader._generation == loads + 1
        assert board.views["note"].data is None  # loading until its new data arrives

        board._refresh_every.value = 60
        assert board._periodic.period == 60_000
        board._refresh_every.value = 0
        assert board._periodic is None
