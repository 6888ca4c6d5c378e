"""The connection form and card: what the check says per field, the write-only password, Escape
and Enter, and what a viewer is offered (no browser; the journey is
tests/ui/test_sources_connections.py)."""

from __future__ import annotations

from typing import Any

from components.sources.connection_card import ConnectionCard, card_markup, status_markup
from components.sources.connection_form import ConnectionForm, check_form, check_markup

SAVED = {
    "id": "c1",
    "name": "Warehouse",
    "kind": "mysql",
    "host": "db.example.com",
    "port": 3307,
    "database": "shop",
    "user": "reader",
    "tls": "require",
    "schema": None,
    "password_set": True,
    "updated_at": "2026-01-01T00:00:00",
}
TYPED = {
    "kind": "postgres",
    "name": "Warehouse",
    "host": "db.example.com",
    "port": "",
    "database": "shop",
    "user": "reader",
    "password": "s3cret",
    "tls": "prefer",
    "schema": "",
}


def test_every_missing_field_is_named_with_what_to_type() -> None:
    _, errors = check_form({"kind": "postgres", "tls": "prefer"}, editing=False)
    assert set(errors) == {"name", "host", "database", "user"}
    assert errors["host"] == "Give the host name or IP address of the database server."


def test_a_port_must_be_a_number_in_range_and_an_empty_one_is_the_kind_default() -> None:
    values, errors = check_form(TYPED, editing=False)
    assert not errors and values["port"] == 5432 and values["schema"] is None
    assert check_form({**TYPED, "kind": "mysql"}, editing=False)[0]["port"] == 3306
    for bad in ("0", "70000", "54x"):
        assert check_form({**TYPED, "port": bad}, editing=False)[1] == {
            "port": "The port is a number from 1 to 65535."
        }


def test_a_host_with_a_port_or_a_url_is_refused_as_the_service_would() -> None:
    for bad in ("db.example.com:5432", "postgres://db", "db example"):
        assert "host" in check_form({**TYPED, "host": bad}, editing=False)[1]
    assert not check_form({**TYPED, "host": "::1"}, editing=False)[1]


def test_an_empty_password_keeps_the_stored_one_only_when_changing() -> None:
    new, _ = check_form({**TYPED, "password": ""}, editing=False)
    assert new["password"] == ""
    changed, _ = check_form({**TYPED, "password": ""}, editing=True)
    assert "password" not in changed
    typed, _ = check_form(TYPED, editing=True)
    assert typed["password"] == "s3cret"


def test_editing_fills_the_fields_but_never_the_password_and_says_one_is_set() -> None:
    form = ConnectionForm(connection=SAVED)
    raw = form.raw()
    assert raw["name"] == "Warehouse" and raw["port"] == "3307" and raw["kind"] == "mysql"
    assert raw["password"] == "" and raw["tls"] == "require"
    assert "Password set" in form._password_hint.object and form._password_hint.visible
    fired: list[dict[str, Any]] = []
    form.param.watch(lambda _: fired.append(dict(form.data)), "submitted")
    form._name.param.trigger("enter_pressed")  # Enter in a field submits
    assert fired and "password" not in fired[0] and fired[0]["port"] == 3307


def test_errors_are_shown_next_to_their_field_and_nothing_typed_is_lost() -> None:
    form = ConnectionForm()
    form.fill(name="Warehouse", host="db.example.com", port="99999")
    assert not form.submit()
    assert (
        form._notes["port"].visible and "Port: The port is a number" in form._notes["port"].object
    )
    assert form._notes["user"].visible and not form._notes["name"].visible
    assert "cf-invalid" in form._port.css_classes
    form.fill(port="5432", database="shop", user="reader")
    form.show_error("name", "This workspace already has a connection “Warehouse”.")
    assert "already has a connection" in form._notes["name"].object
    assert not form._notes["port"].visible and "cf-invalid" not in form._port.css_classes
    assert form.raw()["host"] == "db.example.com" and form.raw()["user"] == "reader"
    form.show_error(None, "Your organisation already runs 2 queries.")
    assert form._message.visible and "already runs 2 queries" in form._message.object


def test_the_port_follows_the_kind_until_the_user_types_another() -> None:
    form = ConnectionForm()
    form.fill(port="5432")
    form.fill(kind="mysql")
    assert form.raw()["port"] == "3306"
    form.fill(port="6000")
    form.fill(kind="postgres")
    assert form.raw()["port"] == "6000"


def test_escape_and_cancel_close_without_submitting_and_a_busy_form_sends_nothing() -> None:
    form = ConnectionForm()
    events: list[str] = []
    for name in ("submitted", "tested", "cancelled"):
        form.param.watch(lambda e: events.append(e.name), name)
    form._escape._handle_msg({"type": "escape"})
    form._cancel.clicks += 1
    assert events == ["cancelled", "cancelled"]
    form.fill(**TYPED)
    form.busy = "testing"
    assert form._test.disabled and form._save.disabled and "Testing" in form._check.object
    assert not form.submit() and not form.test()
    form.busy = ""
    assert form.test() and events[-1] == "tested"


def test_a_test_result_says_read_only_can_write_or_the_failure() -> None:
    ok = {"ok": True, "read_only": True, "message": "Connected as “r”: the user is read-only."}
    assert "Connected · read-only." in check_markup(ok)
    writer = {"ok": True, "read_only": False, "message": "… this user can write to flights."}
    assert "this user can write" in check_markup(writer) and "role='alert'" in check_markup(writer)
    failed = {"ok": False, "kind": "auth", "message": "The server refused the user <x>."}
    assert "Could not connect." in check_markup(failed) and "&lt;x&gt;" in check_markup(failed)
    assert status_markup(None).endswith("Not tested yet</span>")
    assert ">Read-only<" in status_markup(ok) and ">Can write<" in status_markup(writer)
    assert ">Cannot connect<" in status_markup(failed)


def test_a_card_names_where_the_database_is_and_escapes_it() -> None:
    markup = card_markup({**SAVED, "name": "<b>x</b>"}, None, "/sources?connection=c1")
    assert "db.example.com:3307/shop" in markup and "MySQL / MariaDB" in markup
    assert "&lt;b&gt;x&lt;/b&gt;" in markup and "<b>x</b>" not in markup


def test_a_viewer_can_test_and_open_but_not_change_or_delete() -> None:
    calls: list[str] = []
    card = ConnectionCard(connection=SAVED, can_edit=False, act=lambda a: calls.append(a) or True)
    assert card._test.visible and not card._edit.visible and not card._delete.visible
    card._test.clicks += 1
    assert calls == ["test"]
    editor = ConnectionCard(connection=SAVED, can_edit=True, act=lambda a: calls.append(a) or True)
    assert editor._edit.visible and editor._delete.visible


def test_delete_asks_for_the_connection_name_first() -> None:
    calls: list[str] = []
    card = ConnectionCard(connection=SAVED, can_edit=True, act=lambda a: calls.append(a) or True)
    card._delete.clicks += 1
    assert card._confirm_box.visible and not card._actions.visible and calls == []
    assert "Delete connection “Warehouse”?" in card._confirm._text.object
    assert "the database itself is not touched" in card._confirm._text.object
    card._confirm._input.value_input = "warehouse"
    card._confirm._confirm()
    assert calls == []
    card._confirm._input.value_input = "Warehouse"
    card._confirm._confirm()
    assert calls == ["delete"] and not card._confirm_box.visible
