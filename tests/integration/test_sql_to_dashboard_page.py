"""The SQL page's "Add to dashboard…" without a browser: the page object over a real store and
the real services (the browser journey of adding lives in tests/ui/test_explore.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.context import AppContext
from app.pages.shell import ShellState
from app.pages.sql.to_dashboard import saved_id_of
from app.pages.sql.workbench import SqlWorkbench
from app.principal import Principal
from app.services.workspaces import WorkspaceInfo
from tests.integration.conftest import Store

SQL = "SELECT 1 AS one, 2 AS two"


@pytest.fixture
def ctx(store: Store) -> Iterator[AppContext]:
    context = AppContext(store.settings)
    yield context
    context.db.dispose()


def workbench(ctx: AppContext, principal: Principal) -> tuple[SqlWorkbench, WorkspaceInfo]:
    state = ShellState(ctx, principal, csrf="unused")
    assert state.workspace is not None
    page = SqlWorkbench(state, state.workspace)
    page.saved = ctx.sql(principal).saved(state.workspace.id)
    return page, state.workspace


def test_an_editor_adds_a_saved_query_from_the_saved_list_to_a_new_dashboard(
    store: Store, ctx: AppContext
) -> None:
    admin = store.register("Ada")
    workspace = ctx.workspaces(admin).create("Sales")
    ctx.workspaces(admin).set_current(workspace.id)
    saved = ctx.sql(admin).save_query(
        workspace.id, "Ones", SQL, chart={"kind": "kpi", "y": ["one"]}
    )
    page, _ = workbench(ctx, admin)
    assert page.saved_list.actions == ["run", "dashboard", "delete"]

    page._saved_action("dashboard", str(saved["id"]))
    form = page._to_dashboard.form
    assert form.opened and page._to_dashboard.query_name == "Ones"
    form._name.value = "Board"
    form.submit()

    [board] = ctx.dashboards(admin).list(workspace.id)
    [widget] = board.document.widgets
    assert (board.name, widget.kind, widget.title) == ("Board", "kpi", "Ones")
    assert widget.query is not None and widget.query.saved_query_id == str(saved["id"])
    assert f"href='/dashboards?id={board.id}'" in form.note and not form.opened


def test_the_toolbar_offers_it_only_for_a_shown_saved_query_and_only_to_editors(
    store: Store, ctx: AppContext
) -> None:
    admin = store.register("Ada")
    workspace = ctx.workspaces(admin).create("Sales")
    saved = ctx.sql(admin).save_query(workspace.id, "Ones", SQL)
    page, _ = workbench(ctx, admin)
    assert not page._to_dashboard_btn.visible
    page.shown_saved = saved_id_of(page.saved, f"  {SQL}\n")
    assert page.shown_saved == str(saved["id"]) and page._to_dashboard_btn.visible
    assert saved_id_of(page.saved, "SELECT 3") is None

    viewer, _password = store.add_member(admin, "viewer")
    seen, _ = workbench(ctx, viewer)
    seen.shown_saved = str(saved["id"])
    assert seen.saved_list.actions == ["run"] and not seen._to_dashboard_btn.visible
