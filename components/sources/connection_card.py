"""One live database connection in the Sources list: where it is, and what its last test said.

Members open (browse) and test a connection; editors also change and delete it. The card only
asks: ``act(action)`` (``test``, ``edit``, ``delete``) does the work and says whether it did.

    card = ConnectionCard(connection=info.as_json(), can_edit=True, detail_url=url, act=act)
    card.check = result.as_json()       # after a test
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import panel as pn
import param

from components.assets import read_asset
from components.feedback import ConfirmDelete
from components.sources.connection_form import KIND_LABELS

_CSS = read_asset(__file__, "connection_card.css")


def where_text(connection: Mapping[str, Any]) -> str:
    """``host:port/database`` of a connection, as people write it."""
    return f"{connection.get('host', '')}:{connection.get('port', '')}/{connection.get('database', '')}"


def status_markup(check: Mapping[str, Any] | None, testing: bool = False) -> str:
    """The badge of a connection: testing, not tested yet, read-only, can write or failed."""
    if testing:
        return "<span class='cc-status cc-testing' role='status'>Testing…</span>"
    if not check:
        return "<span class='cc-status cc-untested'>Not tested yet</span>"
    if not check.get("ok"):
        return "<span class='cc-status cc-failed'>Cannot connect</span>"
    if check.get("read_only"):
        return "<span class='cc-status cc-read-only'>Read-only</span>"
    return "<span class='cc-status cc-can-write'>Can write</span>"


def card_markup(
    connection: Mapping[str, Any],
    check: Mapping[str, Any] | None,
    detail_url: str = "",
    testing: bool = False,
) -> str:
    """The card's HTML (every value from the user or the server escaped here)."""
    name = html.escape(str(connection.get("name") or ""))
    kind = str(connection.get("kind") or "")
    title = (
        f"<a class='cc-name' href='{html.escape(detail_url)}' title='{name}'>{name}</a>"
        if detail_url
        else f"<span class='cc-name' title='{name}'>{name}</span>"
    )
    schema = connection.get("schema")
    facts = [
        f"<span class='cc-kind'>{html.escape(KIND_LABELS.get(kind, kind))}</span>",
        f"<span class='cc-where'>{html.escape(where_text(connection))}</span>",
        f"<span class='cc-user'>as {html.escape(str(connection.get('user') or ''))}</span>",
    ]
    if schema:
        facts.append(f"<span class='cc-schema'>schema {html.escape(str(schema))}</span>")
    parts = [
        "<div class='cc-head'>",
        f"<div class='cc-icon {html.escape(kind)}' aria-hidden='true'>"
        f"{'PG' if kind == 'postgres' else 'My'}</div>",
        f"<div class='cc-titles'>{title}<div class='cc-facts'>{' · '.join(facts)}</div></div>",
        status_markup(check, testing),
        "</div>",
    ]
    if check and not testing:
        message = html.escape(str(check.get("message") or ""))
        if not check.get("ok"):
            parts.append(f"<div class='cc-note cc-note-failed' role='alert'>{message}</div>")
        elif not check.get("read_only"):
            parts.append(f"<div class='cc-note cc-note-can-write' role='alert'>{message}</div>")
        else:
            parts.append(f"<div class='cc-note cc-note-read-only'>{message}</div>")
    return "".join(parts)


class ConnectionCard(pn.viewable.Viewer):
    """A connection: name (opens it), kind, host/database, user, last test; actions."""

    connection = param.Dict(doc="The connection as ``ConnectionInfo.as_json()``.")
    check = param.Dict(default=None, allow_None=True, doc="Its last test (``as_json()``).")
    testing = param.Boolean(default=False, doc="A test is running.")
    can_edit = param.Boolean(default=False, doc="Show Edit and Delete.")
    detail_url = param.String(default="", doc="Where the name and Open link go.")
    act = param.Callable(doc="``act(action) -> bool`` for test, edit and delete.")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._body = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=[_CSS], margin=0)
        self._test = self._button("Test", "cc-test")
        self._edit = self._button("Edit", "cc-edit")
        self._delete = self._button("Delete", "cc-delete")
        self._test.on_click(self._clicked)
        self._edit.on_click(self._clicked)
        self._delete.on_click(lambda _: self._open_confirm())
        self._confirm = ConfirmDelete(
            what="connection",
            consequence="DataPilot forgets its settings and password; the database itself is "
            "not touched.",
        )
        self._confirm.param.watch(lambda _: self._call("delete"), "confirmed")
        self._confirm.param.watch(lambda _: self._close_confirm(), "cancelled")
        self._confirm_box = pn.Column(
            self._confirm, visible=False, sizing_mode="stretch_width", margin=(6, 0, 0, 0)
        )
        self._actions = pn.Row(
            self._test, self._edit, self._delete, margin=(8, 0, 0, 0), css_classes=["cc-actions"]
        )
        self._layout = pn.Column(
            self._body,
            self._actions,
            self._confirm_box,
            width=352,
            css_classes=["dp-connection-card"],
            stylesheets=[_CSS],
            margin=0,
        )
        self._render()

    @staticmethod
    def _button(label: str, css: str) -> pn.widgets.Button:
        return pn.widgets.Button(
            name=label, css_classes=["cc-btn", css], stylesheets=[_CSS], margin=(2, 6, 2, 0)
        )

    @param.depends("connection", "check", "testing", "can_edit", "detail_url", watch=True)
    def _render(self) -> None:
        self._body.object = card_markup(
            self.connection or {}, self.check, self.detail_url, self.testing
        )
        self._test.disabled = self.testing
        self._edit.visible = self._delete.visible = self.can_edit
        self._actions.visible = not self._confirm_box.visible
        self._confirm.name_to_type = str((self.connection or {}).get("name") or "")

    def _open_confirm(self) -> None:
        self._confirm_box.visible = True
        self._actions.visible = False

    def _close_confirm(self) -> None:
        self._confirm_box.visible = False
        self._actions.visible = True

    def _clicked(self, event: param.parameterized.Event) -> None:
        self._call("test" if event.obj is self._test else "edit")

    def _call(self, action: str) -> bool:
        done = bool(self.act(action)) if self.act is not None else False
        if done and action == "delete":
            self._close_confirm()
        return done

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
