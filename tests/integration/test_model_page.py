"""The Model page's state drives its widgets: ModelView over a real ModelService, no browser.

The view is built outside a server, so its onload read runs at once; validation and
suggestions still run in worker threads, which the tests wait for.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import panel as pn
import pytest

from app.pages.model import ModelView
from app.principal import Principal
from app.services.model import ModelService
from app.services.sources.service import IngestJobs, SourceFiles, SourceService
from app.services.workspaces import WorkspaceInfo, WorkspaceService
from components.unsaved_guard import UnsavedGuard
from tests.integration.conftest import Store
from tests.integration.model_api import orders_model
from tests.integration.sources_api import ORDERS
from tests.integration.test_model_service import upload_settled


@dataclass
class Workspace:
    """A workspace holding one ready source (ORDERS), and who can open its Model page."""

    store: Store
    files: SourceFiles
    admin: Principal
    info: WorkspaceInfo
    orders_id: str

    def service(self, principal: Principal | None = None) -> ModelService:
        return ModelService(self.store.db, self.files, principal or self.admin)

    def view(self, principal: Principal | None = None) -> ModelView:
        principal = principal or self.admin
        return ModelView(
            service=self.service(principal), workspace=self.info, can_edit=principal.can_edit
        )


@pytest.fixture
def workspace(store: Store) -> Iterator[Workspace]:
    admin = store.register("Ada")
    files = SourceFiles(store.settings.storage.data_dir)
    info = WorkspaceService(store.db, admin, files).create("Sales")
    jobs = IngestJobs(workers=1)
    sources = SourceService(store.db, store.settings, files, jobs, admin)
    orders = upload_settled(sources, info.id, ORDERS.encode())
    assert orders.status == "ready", orders.error
    yield Workspace(store, files, admin, info, str(orders.id))
    jobs.shutdown()


def wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def widgets(view: ModelView) -> dict[str, Any]:
    """The page's own controls, found in its layout as a user would see them."""
    layout = view.__panel__()
    found: dict[str, Any] = {"layout": layout}
    for button in layout.select(pn.widgets.Button):
        found[button.name] = button
    guards = layout.select(UnsavedGuard)
    found["guard"] = guards[0] if guards else None
    for pane in layout.select(pn.pane.HTML):
        if "dp-model-status" in pane.css_classes:
            found["status"] = pane
    found["conflict"] = next(
        row for row in layout.select(pn.Row) if "dp-model-conflict" in row.css_classes
    )
    return found


def test_a_loaded_model_is_clean_and_save_is_disabled(workspace: Workspace) -> None:
    view = workspace.view()
    assert view.phase == "ready"
    shown = widgets(view)
    assert "Empty" in shown["status"].object
    assert "Not saved yet" in shown["status"].object
    assert shown["Save"].disabled
    assert not shown["guard"].active
    assert not shown["conflict"].visible


def test_an_edit_enables_save_and_saving_makes_it_clean_again(workspace: Workspace) -> None:
    view = workspace.view()
    shown = widgets(view)
    assert view.editor.add_all_sources()
    assert view.dirty
    assert not shown["Save"].disabled
    assert shown["guard"].active  # the browser asks before leaving
    assert "Unsaved changes" in shown["status"].object

    assert view.save()
    assert not view.dirty
    assert shown["Save"].disabled
    assert not shown["guard"].active
    assert "Saved" in shown["status"].object and "Version 1" in shown["status"].object
    stored = workspace.service().get(workspace.info.id)
    assert stored.version == 1
    assert [t.name for t in stored.tables] == ["orders"]
    assert stored.tables[0].position is not None  # placed before saving


def test_saving_disables_save_while_it_stores(workspace: Workspace) -> None:
    view = workspace.view()
    shown = widgets(view)
    view.editor.add_all_sources()
    view.saving = True
    assert shown["Save"].disabled
    view.saving = False
    assert not shown["Save"].disabled


def test_a_stale_save_shows_the_reload_offer_and_reloading_clears_it(
    workspace: Workspace,
) -> None:
    view = workspace.view()
    shown = widgets(view)
    workspace.service().save(
        workspace.info.id, orders_model(workspace.orders_id, label="Theirs"), 0
    )

    view.editor.add_all_sources()
    assert not view.save()
    assert shown["conflict"].visible
    conflict_text = shown["conflict"].objects[0].object
    assert "Not saved." in conflict_text and "changed by someone else" in conflict_text
    assert view.dirty and not shown["Save"].disabled  # the edit is kept until a reload

    view.reload()
    assert not shown["conflict"].visible
    assert not view.dirty and shown["Save"].disabled
    assert view.editor.model.tables[0].label == "Theirs"
    assert "Version 1" in shown["status"].object


def test_problems_reach_the_problems_panel_from_the_worker_thread(workspace: Workspace) -> None:
    view = workspace.view()
    broken = orders_model(workspace.orders_id).to_dict()
    broken["tables"][0]["columns"][1].update(role="measure", aggregation="sum")  # text summed
    view.editor.apply(type(view.editor.model).from_dict(broken))
    wait_until(lambda: not view.checking)
    codes = [issue.code for issue in view.issues]
    assert "aggregation_needs_number" in codes
    assert view._issues.issues == view.issues and not view._issues.busy


def test_a_viewer_gets_no_save_button_and_no_suggestions(workspace: Workspace) -> None:
    workspace.service().save(workspace.info.id, orders_model(workspace.orders_id), 0)
    viewer, _password = workspace.store.add_member(workspace.admin, "viewer")
    view = workspace.view(viewer)
    assert view.phase == "ready"
    shown = widgets(view)
    assert "Save" not in shown and shown["guard"] is None
    # The side panels follow once the browser says the canvas is drawn (a table's column list).
    assert shown["layout"].select(pn.Card) == []
    first_table = view.editor._canvas.table_view("orders")
    assert first_table is not None
    first_table._handle_msg({"drawn": True})
    titles = [card.title for card in shown["layout"].select(pn.Card)]
    assert titles == ["Selection", "Problems", "Calculated measures"]
    assert not view.save()


def test_a_workspace_without_sources_points_to_the_sources_page(workspace: Workspace) -> None:
    empty = WorkspaceService(workspace.store.db, workspace.admin, workspace.files).create("Empty")
    view = ModelView(service=workspace.service(), workspace=empty, can_edit=True)
    assert view.phase == "no_sources"
    layout = view.__panel__()
    (shown,) = layout.objects
    assert "Upload files on the Sources page first" in shown.object
    assert 'href="/sources"' in shown.object


def test_the_page_shows_loading_until_the_read_is_done(workspace: Workspace) -> None:
    view = workspace.view()
    view.phase = "loading"
    layout = view.__panel__()
    assert "Loading the model" in layout.objects[0].object
    view.phase = "ready"
    assert len(layout.objects) == 4  # header, conflict, canvas and side panels, Try it
