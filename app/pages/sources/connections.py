"""The Sources page's "Databases" section: a workspace's live database connections.

Every member sees the connections as cards (kind, host/database, user, the last test's verdict)
and can test and open them (``/sources?connection=<id>``, see
:mod:`app.pages.sources.connection_detail`); editors add, change and delete them with
:class:`~components.sources.connection_form.ConnectionForm`. Tests reach the database, so they
run in worker threads (:class:`~app.pages.background.Latest`) with the card or the form showing
that they run. The last test of each connection is kept for the session (the store keeps no
test results).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import panel as pn
import param

from app.pages.background import Latest
from app.pages.shell import STYLES, ShellState, notify_error, notify_success
from app.pages.shell.look import button
from app.pages.shell.notify import error_message
from app.services.connections import ConnectionService
from app.services.connections.validation import KEEP
from app.services.errors import Conflict, InvalidInput
from app.services.workspaces import WorkspaceInfo
from components.feedback import EmptyState
from components.sources.connection_card import ConnectionCard
from components.sources.connection_form import FIELDS, ConnectionForm

PAGE_STYLES = [*STYLES, "/dp-static/sources.css", "/dp-static/connections.css"]
ICON = "⛁"


def connection_url(connection_id: uuid.UUID | str) -> str:
    return f"/sources?connection={connection_id}"


def form_error(exc: BaseException) -> tuple[str | None, str]:
    """The field of the form a service refusal is about (None: no field of the form), and
    what to say."""
    message = error_message(exc)
    if isinstance(exc, InvalidInput) and exc.field in FIELDS:
        return exc.field, message
    if isinstance(exc, Conflict) and "connection “" in message:
        return "name", message  # the name is already taken in this workspace
    return None, message


def changes_of(values: dict[str, Any]) -> dict[str, Any]:
    """The service's ``update`` arguments for the form's checked ``values``: the password is
    kept (``KEEP``) when the form left it out."""
    changes = {k: v for k, v in values.items() if k != "kind"}
    changes.setdefault("password", KEEP)
    return changes


class ConnectionsSection(pn.viewable.Viewer):
    """The workspace's connections as cards, with the add / change form for editors."""

    workspace = param.ClassSelector(class_=WorkspaceInfo, doc="The workspace shown.")
    connections = param.List(default=[], doc="The connections, as ``as_json()``, by name.")
    loaded = param.Boolean(default=False, doc="Whether the connections have been read once.")
    editing = param.String(
        default=None, allow_None=True, doc="Id of the connection in the form; '' for a new one."
    )

    def __init__(self, state: ShellState, workspace: WorkspaceInfo, **params: Any) -> None:
        super().__init__(workspace=workspace, **params)
        self.state = state
        self.service: ConnectionService = state.ctx.connections(state.principal)
        self.can_edit = state.principal.can_edit
        self._lock = threading.RLock()
        self._cards: dict[str, ConnectionCard] = {}
        self._checks: dict[str, dict[str, Any]] = {}  # tests in this session; else the stored
        self._testers: dict[str, Latest] = {}
        self._form_work = Latest("connection-form")
        self._form = ConnectionForm()
        self._form.param.watch(lambda _: self._save(), "submitted")
        self._form.param.watch(lambda _: self._test_form(), "tested")
        self._form.param.watch(lambda _: self.close_form(), "cancelled")
        self._add = button(
            "Add database", "dp-connection-add", "primary", visible=self.can_edit, margin=(8, 5)
        )
        self._add.on_click(lambda _: self.open_form(""))
        self._grid = pn.FlexBox(
            gap="14px", sizing_mode="stretch_width", css_classes=["dp-connection-grid"]
        )
        empty = EmptyState(
            title="Connect a PostgreSQL or MySQL database",
            message=(
                "Add a database with Add database: DataPilot reads its tables where they are "
                "(nothing is copied), lets you browse and preview them, and runs read-only SQL. "
                "A user with read-only rights is safest; Test connection tells you."
                if self.can_edit
                else "No database is connected to this workspace yet. An editor of your team "
                "can connect a PostgreSQL or MySQL database; you can then browse its tables "
                "and query them here."
            ),
            icon=ICON,
        )
        self._layout = pn.Column(
            pn.Row(
                pn.pane.HTML(
                    "<div class='dp-section-title dp-databases-title'><h3>Databases</h3>"
                    "<p>Live PostgreSQL and MySQL / MariaDB databases, read where they are."
                    "</p></div>",
                    stylesheets=PAGE_STYLES,
                    sizing_mode="stretch_width",
                ),
                self._add,
                sizing_mode="stretch_width",
                css_classes=["dp-databases-head"],
            ),
            pn.Column(
                self._form,
                visible=self.param.editing.rx.is_not(None),
                sizing_mode="stretch_width",
                css_classes=["dp-connection-form-box"],
                stylesheets=PAGE_STYLES,
            ),
            pn.pane.HTML(
                "<p class='dp-loading-text'>Loading databases…</p>",
                stylesheets=PAGE_STYLES,
                visible=self.param.loaded.rx.not_(),
            ),
            pn.Column(empty, visible=self._empty_shown, sizing_mode="stretch_width"),
            self._grid,
            sizing_mode="stretch_width",
            css_classes=["dp-databases"],
            margin=(18, 0, 0, 0),
        )
        pn.state.onload(self.load, threaded=True)

    @param.depends("loaded", "connections", "editing")
    def _empty_shown(self) -> bool:
        return self.loaded and not self.connections and self.editing is None

    @property
    def _workspace_id(self) -> uuid.UUID:
        assert self.workspace is not None  # set at construction
        return self.workspace.id

    # -- loading -------------------------------------------------------------------------------------
    def load(self) -> None:
        """Read the workspace's connections (off the event loop) and show them."""
        try:
            infos = self.service.list(self._workspace_id)
        except Exception as exc:
            notify_error(exc)
            return
        with self._lock:
            found = sorted((i.as_json() for i in infos), key=lambda c: c["name"].casefold())
            ids = {c["id"] for c in found}
            for cid in list(self._cards):
                if cid not in ids:
                    self._cards.pop(cid)
            for data in found:
                card = self._cards.get(data["id"])
                if card is None:
                    self._cards[data["id"]] = self._card(data)
                else:
                    if card.connection.get("updated_at") != data["updated_at"]:
                        self._checks.pop(data["id"], None)  # changed: the old test says nothing
                    card.param.update(connection=data, check=self._check_of(data))
            self.param.update(connections=found, loaded=True)
            self._grid.objects = [self._cards[c["id"]] for c in found]

    def shown_again(self) -> None:
        self.load()

    def _card(self, data: dict[str, Any]) -> ConnectionCard:
        return ConnectionCard(
            connection=data,
            check=self._check_of(data),
            can_edit=self.can_edit,
            detail_url=connection_url(data["id"]),
            act=self._actions_for(data["id"]),
        )

    # -- the cards' actions ----------------------------------------------------------------------
    def _actions_for(self, cid: str) -> Callable[[str], bool]:
        def act(action: str) -> bool:
            try:
                return self._act(cid, action)
            except Exception as exc:
                notify_error(exc)
                return False

        return act

    def _act(self, cid: str, action: str) -> bool:
        card = self._cards.get(cid)
        if card is None:
            return False
        name = str(card.connection.get("name") or "")
        if action == "test":
            self._test_saved(cid)
            return True
        if action == "edit":
            self.open_form(cid)
            return True
        if action == "delete":
            self.service.delete(self._workspace_id, cid)
            self._checks.pop(cid, None)
            if self.editing == cid:
                self.close_form()
            notify_success(f"“{name}” deleted; the database itself was not touched.")
            self.load()
            return True
        return False

    def _check_of(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """The connection's last test: this session's, else the one stored with it."""
        found: dict[str, Any] | None = self._checks.get(data["id"]) or data.get("last_check")
        return found

    def _test_saved(self, cid: str) -> None:
        card = self._cards[cid]
        card.testing = True
        worker = self._testers.setdefault(cid, Latest("connection-test"))
        workspace_id = self._workspace_id

        def done(outcome: Any) -> None:
            card.testing = False
            if isinstance(outcome, Exception):
                notify_error(outcome)
                return
            self._checks[cid] = outcome.as_json()
            card.check = self._checks[cid]

        worker.submit(lambda: self.service.test(workspace_id, cid), done)

    # -- the form ------------------------------------------------------------------------------------
    def open_form(self, cid: str) -> None:
        """Open the form for a new connection (``""``) or to change the connection ``cid``."""
        if not self.can_edit:
            return
        current = next((c for c in self.connections if c["id"] == cid), None) if cid else None
        if cid and current is None:
            return
        self._form.param.update(connection=current, busy="")
        self._form.check = self._check_of(current) if current else None
        self.editing = cid
        self._add.visible = False

    def close_form(self) -> None:
        self.editing = None
        self._form.busy = ""
        self._add.visible = self.can_edit

    def _save(self) -> None:
        values = dict(self._form.data)
        cid = self.editing
        if cid is None:
            return
        self._form.busy = "saving"
        try:
            if cid:
                info = self.service.update(self._workspace_id, cid, **changes_of(values))
            else:
                info = self.service.create(self._workspace_id, **values)
        except Exception as exc:
            self._form.busy = ""
            self._form.show_error(*form_error(exc))
            return
        check = self._form.check
        self.close_form()
        self.load()
        if check is not None and not cid:  # the settings tested before saving
            self._checks[str(info.id)] = check
            self._cards[str(info.id)].check = check
        notify_success(
            f"“{info.name}” saved." + ("" if check else " Test it to see whether it can connect.")
        )

    def _test_form(self) -> None:
        values = {k: v for k, v in self._form.data.items() if k != "name"}
        cid = self.editing
        if cid is None:
            return
        workspace_id = self._workspace_id
        if cid and "password" not in values:
            saved: dict[str, Any] = next((c for c in self.connections if c["id"] == cid), {})
            where = ("kind", "host", "port", "database", "user", "tls", "schema")
            changed = any(saved.get(k) != values.get(k) for k in where)
            if changed and saved.get("password_set"):
                self._form.show_error(
                    "password",
                    "Type the password again to test changed settings; the stored password is "
                    "used once they are saved.",
                )
                return

            def work() -> Any:
                if changed:  # no password stored: the changed settings are tried without
                    return self.service.test_settings(workspace_id, **values)
                return self.service.test(workspace_id, cid)

        else:

            def work() -> Any:
                return self.service.test_settings(workspace_id, **values)

        self._form.busy = "testing"

        def done(outcome: Any) -> None:
            self._form.busy = ""
            if isinstance(outcome, Exception):
                self._form.show_error(*form_error(outcome))
                return
            self._form.check = outcome.as_json()

        self._form_work.submit(work, done)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


class SourcesAndDatabases(pn.viewable.Viewer):
    """The Sources list: uploaded files first, then the live databases."""

    def __init__(self, files: Any, databases: ConnectionsSection, *before: Any) -> None:
        super().__init__()
        self.files = files
        self.databases = databases
        self._layout = pn.Column(*before, files, databases, sizing_mode="stretch_width")

    def shown_again(self) -> None:
        """Back on the page: both lists are read again."""
        self.files.shown_again()
        self.databases.shown_again()

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
