"""The Sources page's Databases section over a real store and the real services, no browser:
a viewer gets no form, an editor's change keeps the stored password, and the service's
refusals land next to the field they name (the journey in a browser is
tests/ui/test_sources_connections.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from app.context import AppContext
from app.pages.shell import ShellState
from app.pages.sources.connections import ConnectionsSection, changes_of, form_error
from app.services.connections.validation import KEEP
from app.services.errors import Conflict, Forbidden, InvalidInput
from app.store.models import DatabaseConnection
from tests.integration.conftest import Store


@pytest.fixture
def ctx(store: Store) -> Iterator[AppContext]:
    context = AppContext(store.settings)
    yield context
    context.connection_pools.dispose_all()
    context.jobs.shutdown()
    context.db.dispose()


def wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def section(ctx: AppContext, principal) -> ConnectionsSection:  # type: ignore[no-untyped-def]
    state = ShellState(ctx, principal, csrf="unused", slug="sources")
    assert state.workspace is not None
    shown = ConnectionsSection(state, state.workspace)
    shown.load()  # what the page's onload does
    return shown


def add(shown: ConnectionsSection, name: str = "Warehouse", password: str = "pw-1") -> None:
    shown.open_form("")
    shown._form.fill(
        name=name, host="db.example.com", port="5432", database="shop", user="reader",
        password=password, tls="disable",
    )  # fmt: skip
    assert shown._form.submit()


def stored_password(ctx: AppContext) -> str | None:
    with ctx.db.transaction() as session:
        token = session.scalars(sa.select(DatabaseConnection.encrypted_password)).one()
    return ctx.vault.decrypt(token) if token else None


def test_a_new_workspace_says_how_to_connect_a_database_and_a_saved_one_is_a_card(
    store: Store, ctx: AppContext
) -> None:
    admin = store.register("Ada")
    store.workspaces(admin).create("Flights")
    shown = section(ctx, admin)
    assert shown._empty_shown() and shown._add.visible
    add(shown)
    wait_until(lambda: len(shown.connections) == 1)
    assert shown.editing is None and not shown._empty_shown()
    (card,) = shown._cards.values()
    assert card.connection["name"] == "Warehouse" and card.can_edit
    assert card.detail_url == f"/sources?connection={card.connection['id']}"


def test_a_change_with_the_password_left_blank_keeps_the_stored_password(
    store: Store, ctx: AppContext
) -> None:
    admin = store.register("Ada")
    store.workspaces(admin).create("Flights")
    shown = section(ctx, admin)
    add(shown, password="pw-kept")
    cid = shown.connections[0]["id"]
    shown.open_form(cid)
    assert (
        shown._form.raw()["password"] == "" and "Password set" in shown._form._password_hint.object
    )
    shown._form.fill(name="Flights DB", host="db2.example.com")
    assert shown._form.submit()
    assert [(c["name"], c["host"]) for c in shown.connections] == [
        ("Flights DB", "db2.example.com")
    ]
    assert stored_password(ctx) == "pw-kept"
    shown.open_form(cid)
    shown._form.fill(password="pw-new")
    assert shown._form.submit()
    assert stored_password(ctx) == "pw-new"


def test_a_name_taken_is_said_next_to_the_name_and_the_form_keeps_what_was_typed(
    store: Store, ctx: AppContext
) -> None:
    admin = store.register("Ada")
    store.workspaces(admin).create("Flights")
    shown = section(ctx, admin)
    add(shown)
    add(shown, password="other")
    assert shown.editing == "" and shown._form.busy == ""
    assert "already has a connection “Warehouse”" in shown._form._notes["name"].object
    assert shown._form.raw()["password"] == "other"
    assert len(shown.connections) == 1


def test_a_viewer_sees_the_connections_but_no_form_edit_or_delete(
    store: Store, ctx: AppContext
) -> None:
    admin = store.register("Ada")
    store.workspaces(admin).create("Flights")
    add(section(ctx, admin))
    viewer, _ = store.add_member(admin, "viewer")
    shown = section(ctx, viewer)
    assert len(shown.connections) == 1 and not shown._add.visible
    (card,) = shown._cards.values()
    assert not card.can_edit and not card._edit.visible and not card._delete.visible
    shown.open_form("")
    assert shown.editing is None  # nothing opens
    assert card.act("delete") is False  # the service refuses a viewer
    assert len(section(ctx, admin).connections) == 1


def test_service_refusals_name_the_form_field_or_none() -> None:
    assert form_error(InvalidInput("“a b” is not a host name.", "host")) == (
        "host",
        "“a b” is not a host name.",
    )
    assert form_error(Conflict("This workspace already has a connection “W”."))[0] == "name"
    assert form_error(Forbidden("Only editors may add database connections."))[0] is None
    assert changes_of({"kind": "postgres", "name": "W"}) == {"name": "W", "password": KEEP}
