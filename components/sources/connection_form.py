"""The form that adds or changes a live database connection (PostgreSQL, MySQL/MariaDB).

The form only collects and checks what is typed; the page saves and tests it through the
connections service and hands back the service's refusal with :meth:`ConnectionForm.show_error`,
shown under the field it names. Nothing typed is ever cleared by an error. The password is
write-only: when a connection is changed the field starts empty, says "Password set", and an
empty field keeps the stored password.

    form = ConnectionForm(connection=None)          # a new connection
    form.param.watch(save, "submitted")             # form.data holds the checked values
    form.param.watch(test, "tested")                # the unsaved settings, checked the same way
    form.param.watch(close, "cancelled")            # Cancel or Escape
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

import panel as pn
import param

from components.assets import read_asset
from components.sources.connection_keys import EscapeKey, PasswordField
from pipelines.connections import DEFAULT_PORTS

KINDS = {"PostgreSQL": "postgres", "MySQL / MariaDB": "mysql"}
KIND_LABELS = {value: label for label, value in KINDS.items()}
TLS_MODES = {
    "Prefer (encrypt when the server can)": "prefer",
    "Require encryption": "require",
    "Require and verify the certificate": "verify-full",
    "Disable (unencrypted)": "disable",
}
FIELDS = ("name", "kind", "host", "port", "database", "user", "password", "tls", "schema")
LABELS = {
    "name": "Name",
    "kind": "Database",
    "host": "Host",
    "port": "Port",
    "database": "Database name",
    "user": "User",
    "password": "Password",
    "tls": "TLS",
    "schema": "Schema",
}

_CSS = read_asset(__file__, "connection_form.css")
# The service checks the host the same way (app.services.connections.validation).
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.\-]{0,252})$|^\[?[0-9A-Fa-f:.]+\]?$")


def check_form(raw: Mapping[str, str], *, editing: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """The values of the form's fields, and a message per field that cannot be used.

    Parameters
    ----------
    raw
        The text of each field (``kind`` and ``tls`` are the service's values).
    editing
        Whether a saved connection is changed: an empty password then keeps the stored one
        (``password`` is left out of the values).

    Returns
    -------
    values, errors
        ``values`` ready for the service (``port`` an int, an empty ``schema`` None);
        ``errors`` maps a field to what is wrong with it (empty: the form can be sent).
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    kind = str(raw.get("kind") or "")
    if kind not in DEFAULT_PORTS:
        errors["kind"] = "Choose PostgreSQL or MySQL / MariaDB."
    values["kind"] = kind
    required = {
        "name": "Give the connection a name, e.g. “Warehouse”.",
        "host": "Give the host name or IP address of the database server.",
        "database": "Give the name of the database to read.",
        "user": "Give the user DataPilot signs in as (a read-only user is safest).",
    }
    for field, message in required.items():
        text = str(raw.get(field) or "").strip()
        if not text:
            errors[field] = message
        elif field == "name" and len(text) > 120:
            errors[field] = "The name is at most 120 characters."
        elif field != "name" and len(text) > 255:
            errors[field] = f"The {LABELS[field].lower()} is at most 255 characters."
        elif field == "host" and not _HOST.match(text):
            errors[field] = (
                f"“{text}” is not a host name or IP address (the port has its own field)."
            )
        values[field] = text
    port_text = str(raw.get("port") or "").strip()
    if not port_text and kind in DEFAULT_PORTS:
        values["port"] = DEFAULT_PORTS[kind]  # type: ignore[index]
    elif port_text.isdigit() and 1 <= int(port_text) <= 65535:
        values["port"] = int(port_text)
    else:
        errors["port"] = "The port is a number from 1 to 65535."
    password = str(raw.get("password") or "")
    if len(password) > 1000:
        errors["password"] = "The password is at most 1,000 characters."
    elif password or not editing:
        values["password"] = password
    tls = str(raw.get("tls") or "prefer")
    if tls not in TLS_MODES.values():
        errors["tls"] = "Choose a TLS mode."
    values["tls"] = tls
    schema = str(raw.get("schema") or "").strip()
    if len(schema) > 255:
        errors["schema"] = "The schema is at most 255 characters."
    values["schema"] = schema or None
    return values, errors


def check_markup(check: Mapping[str, Any] | None) -> str:
    """The outcome of a connection test as a badge and its sentence (empty: never tested)."""
    if not check:
        return ""
    message = html.escape(str(check.get("message") or ""))
    if not check.get("ok"):
        return (
            "<div class='cf-check cf-failed' role='alert'><b>Could not connect.</b> "
            f"<span>{message}</span></div>"
        )
    version = str(check.get("server_version") or "").split(" on ")[0].split(",")[0]
    server = f" <span class='cf-version'>{html.escape(version)}</span>" if version else ""
    if check.get("read_only"):
        return (
            "<div class='cf-check cf-read-only' role='status'><b>Connected · read-only.</b> "
            f"<span>{message}</span>{server}</div>"
        )
    return (
        "<div class='cf-check cf-can-write' role='alert'><b>Connected, but this user can "
        f"write.</b> <span>{message}</span>{server}</div>"
    )


class ConnectionForm(pn.viewable.Viewer):
    """Kind, name, host, port, database, user, password, TLS and schema of one connection."""

    connection = param.Dict(
        default=None,
        allow_None=True,
        doc="The saved connection being changed (``ConnectionInfo.as_json()``); None: a new one.",
    )
    errors = param.Dict(default={}, doc="A message per field the service or the check refused.")
    message = param.String(default="", doc="A refusal that names no field, shown above Save.")
    check = param.Dict(
        default=None, allow_None=True, doc="The last test of these settings (``as_json()``)."
    )
    busy: param.Selector[str] = param.Selector(
        default="", objects=["", "testing", "saving"], doc="What the page is doing with the form."
    )
    data = param.Dict(default={}, doc="The checked values, set before ``submitted``/``tested``.")
    submitted = param.Event(doc="Save (or Enter in a field) with values that passed the check.")
    tested = param.Event(doc="Test connection with values that passed the check.")
    cancelled = param.Event(doc="Cancel, or Escape inside the form.")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)

        def text(field: str, placeholder: str = "", **more: Any) -> pn.widgets.TextInput:
            widget = pn.widgets.TextInput(
                name=LABELS[field],
                placeholder=placeholder,
                css_classes=[f"cf-{field}"],
                stylesheets=[_CSS],
                sizing_mode="stretch_width",
                **more,
            )
            widget.param.watch(lambda _: self.submit(), "enter_pressed")
            return widget

        self._kind = pn.widgets.Select(
            name=LABELS["kind"],
            options=KINDS,
            value="postgres",
            css_classes=["cf-kind"],
            stylesheets=[_CSS],
            sizing_mode="stretch_width",
        )
        self._kind.param.watch(self._kind_changed, "value")
        self._name = text("name", "e.g. Warehouse")
        self._host = text("host", "db.example.com")
        self._port = text("port", str(DEFAULT_PORTS["postgres"]), width=110)
        self._database = text("database", "e.g. analytics")
        self._user = text("user", "a read-only user")
        self._password = PasswordField(
            name=LABELS["password"],
            css_classes=["cf-password"],
            stylesheets=[_CSS],
            sizing_mode="stretch_width",
        )
        self._password.param.watch(lambda _: self.submit(), "enter_pressed")
        self._tls = pn.widgets.Select(
            name=LABELS["tls"],
            options=TLS_MODES,
            value="prefer",
            css_classes=["cf-tls"],
            stylesheets=[_CSS],
            sizing_mode="stretch_width",
        )
        self._schema = text("schema", "public (PostgreSQL) · the database (MySQL)")
        self._notes = {
            field: pn.pane.HTML(
                "",
                visible=False,
                stylesheets=[_CSS],
                sizing_mode="stretch_width",
                css_classes=["cf-field-error", f"cf-error-{field}"],
                margin=(0, 10, 4, 10),
            )
            for field in FIELDS
        }
        self._password_hint = pn.pane.HTML(
            "", stylesheets=[_CSS], css_classes=["cf-password-hint"], margin=(0, 10, 4, 10)
        )
        self._title = pn.pane.HTML("", stylesheets=[_CSS], sizing_mode="stretch_width")
        self._message = pn.pane.HTML(
            "", visible=False, stylesheets=[_CSS], css_classes=["cf-message"], margin=(4, 10)
        )
        self._check = pn.pane.HTML(
            "",
            visible=False,
            stylesheets=[_CSS],
            sizing_mode="stretch_width",
            css_classes=["cf-check-result"],
            margin=(4, 10),
        )

        def button(label: str, css: str, kind: str = "default") -> pn.widgets.Button:
            return pn.widgets.Button(
                name=label, button_type=kind, css_classes=[css], margin=(4, 6, 4, 10)
            )

        self._save = button("Save", "cf-save", "primary")
        self._save.on_click(self._clicked)
        self._test = button("Test connection", "cf-test")
        self._test.on_click(self._clicked)
        self._cancel = button("Cancel", "cf-cancel")
        self._cancel.on_click(lambda _: self.param.trigger("cancelled"))
        self._escape = EscapeKey(scope="cf-form")
        self._escape.param.watch(lambda _: self.param.trigger("cancelled"), "pressed")

        def field(widget: Any, name: str, *extra: Any, **more: Any) -> pn.Column:
            return pn.Column(widget, *extra, self._notes[name], margin=0, **more)

        self._layout = pn.Column(
            self._title,
            pn.Row(
                field(self._kind, "kind", width=220),
                field(self._name, "name", sizing_mode="stretch_width"),
                sizing_mode="stretch_width",
            ),
            pn.Row(
                field(self._host, "host", sizing_mode="stretch_width"),
                field(self._port, "port", width=130),
                sizing_mode="stretch_width",
            ),
            pn.Row(
                field(self._database, "database", sizing_mode="stretch_width"),
                field(self._schema, "schema", sizing_mode="stretch_width"),
                sizing_mode="stretch_width",
            ),
            pn.Row(
                field(self._user, "user", sizing_mode="stretch_width"),
                field(self._password, "password", self._password_hint, sizing_mode="stretch_width"),
                sizing_mode="stretch_width",
            ),
            pn.Row(field(self._tls, "tls", width=320)),
            self._message,
            self._check,
            pn.Row(self._save, self._test, self._cancel, self._escape),
            sizing_mode="stretch_width",
            css_classes=["cf-form"],
            stylesheets=[_CSS],
        )
        self._fill()
        self._show_errors()
        self._show_check()
        self._show_busy()

    # -- public --------------------------------------------------------------------------------------
    @property
    def editing(self) -> bool:
        """Whether a saved connection is being changed."""
        return self.connection is not None

    def raw(self) -> dict[str, str]:
        """The text of every field as typed (``kind`` and ``tls`` as the service's values)."""

        def typed(widget: pn.widgets.TextInput | pn.widgets.PasswordInput) -> str:
            current = widget.value_input
            return str(widget.value if current is None else current)

        return {
            "kind": str(self._kind.value),
            "name": typed(self._name),
            "host": typed(self._host),
            "port": typed(self._port),
            "database": typed(self._database),
            "user": typed(self._user),
            "password": typed(self._password),
            "tls": str(self._tls.value),
            "schema": typed(self._schema),
        }

    def fill(self, **values: Any) -> None:
        """Type ``values`` into the fields (tests, and a page pre-filling a form)."""
        for field, value in values.items():
            widget = self._widget(field)
            if isinstance(widget, pn.widgets.Select):
                widget.value = value
            else:
                widget.value = widget.value_input = "" if value is None else str(value)

    def submit(self) -> bool:
        """Check the fields; fire ``submitted`` with ``data`` when they can be sent."""
        if self.busy:
            return False
        return self._checked("submitted")

    def test(self) -> bool:
        """Check the fields; fire ``tested`` with ``data`` when they can be tried."""
        if self.busy:
            return False
        return self._checked("tested")

    def show_error(self, field: str | None, message: str) -> None:
        """Show the service's refusal under ``field`` (or above the buttons when it names none
        of the form's fields); what was typed stays."""
        if field in FIELDS:
            self.param.update(errors={field: message}, message="")
        else:
            self.param.update(errors={}, message=message)

    # -- internals -----------------------------------------------------------------------------------
    def _clicked(self, event: param.parameterized.Event) -> None:
        if event.obj is self._save:
            self.submit()
        else:
            self.test()

    def _widget(self, field: str) -> Any:
        return getattr(self, f"_{field}")

    def _checked(self, event: str) -> bool:
        values, errors = check_form(self.raw(), editing=self.editing)
        if errors:
            self.param.update(errors=errors, message="")
            return False
        self.param.update(errors={}, message="", data=values)
        self.param.trigger(event)
        return True

    @param.depends("connection", watch=True)
    def _fill(self) -> None:
        found = self.connection or {}
        kind = str(found.get("kind") or "postgres")
        self._kind.value = kind
        for field in ("name", "host", "database", "user", "schema"):
            widget = self._widget(field)
            widget.value = widget.value_input = str(found.get(field) or "")
        port = found.get("port")
        self._port.value = self._port.value_input = str(port) if port else ""
        self._password.value = self._password.value_input = ""
        self._tls.value = str(found.get("tls") or "prefer")
        if self.editing:
            name = html.escape(str(found.get("name") or ""))
            self._title.object = f"<h3 class='cf-title'>Change “{name}”</h3>"
            self._password.placeholder = (
                "Leave blank to keep the stored password"
                if found.get("password_set")
                else "No password stored"
            )
            self._password_hint.object = (
                "<span class='cf-hint cf-password-set'>Password set · leave blank to keep it</span>"
                if found.get("password_set")
                else "<span class='cf-hint'>No password is stored.</span>"
            )
            self._password_hint.visible = True
            self._save.name = "Save changes"
        else:
            self._title.object = "<h3 class='cf-title'>Connect a database</h3>"
            self._password.placeholder = ""
            self._password_hint.visible = False
            self._save.name = "Save"
        self.param.update(errors={}, message="", check=None)

    def _kind_changed(self, event: param.parameterized.Event) -> None:
        # The port follows the kind while it is empty or the other kind's default.
        current = (self._port.value_input or self._port.value or "").strip()
        defaults = {str(p) for p in DEFAULT_PORTS.values()}
        new = str(DEFAULT_PORTS.get(event.new, ""))  # type: ignore[call-overload]
        self._port.placeholder = new
        if current in defaults:
            self._port.value = self._port.value_input = new

    @param.depends("errors", "message", watch=True)
    def _show_errors(self) -> None:
        for field, note in self._notes.items():
            text = self.errors.get(field)
            note.object = (
                f"<span class='cf-error' role='alert'>{html.escape(LABELS[field])}: "
                f"{html.escape(text)}</span>"
                if text
                else ""
            )
            note.visible = bool(text)
            widget = self._widget(field)
            classes = [c for c in widget.css_classes if c != "cf-invalid"]
            widget.css_classes = [*classes, "cf-invalid"] if text else classes
        self._message.object = (
            f"<div class='cf-error-box' role='alert'>{html.escape(self.message)}</div>"
            if self.message
            else ""
        )
        self._message.visible = bool(self.message)

    @param.depends("check", watch=True)
    def _show_check(self) -> None:
        self._check.object = check_markup(self.check)
        self._check.visible = bool(self.check)

    @param.depends("busy", watch=True)
    def _show_busy(self) -> None:
        self._save.disabled = self._test.disabled = bool(self.busy)
        self._test.loading = self.busy == "testing"
        self._save.loading = self.busy == "saving"
        if self.busy == "testing":
            self._check.object = (
                "<div class='cf-check cf-testing' role='status'>Testing the connection…</div>"
            )
            self._check.visible = True
        else:
            self._show_check()

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
