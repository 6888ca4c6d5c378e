"""Settings page: every user's profile and password; admins also manage the tenant's members
and its AI provider (:mod:`app.pages.settings_ai`)."""

from __future__ import annotations

import html
from typing import Any

import panel as pn

from app.pages import settings_ai
from app.pages.shell import STYLES, ShellState, guarded, notify_error, notify_success
from app.services.errors import DomainError, InvalidInput
from app.services.members import MemberInfo, MemberService
from components.sources.connection_keys import PasswordField as EnterPasswordInput

ROLES = ["viewer", "editor", "admin"]
ROLE_HELP = (
    "Admins manage members and settings; editors build sources, models and dashboards; "
    "viewers read and explore."
)

_ISSUED_STYLE = "/dp-static/settings.css"


class PasswordField(EnterPasswordInput):
    """A password input reporting Enter as ``enter_pressed``, in the app's look."""

    def __init__(self, **params: Any) -> None:
        params["css_classes"] = ["dp-password-field", *params.get("css_classes", [])]
        params.setdefault("stylesheets", STYLES)
        super().__init__(**params)


def _head(title: str, text: str, level: int = 2) -> pn.pane.HTML:
    return pn.pane.HTML(
        f"<div class='dp-card-head'><h{level}>{html.escape(title)}</h{level}><p>{text}</p></div>",
        sizing_mode="stretch_width",
        stylesheets=STYLES,
    )


def _card(*objects: Any, css: str) -> pn.Column:
    return pn.Column(
        *objects, css_classes=["dp-card", css], stylesheets=STYLES, sizing_mode="stretch_width"
    )


def _value(widget: Any) -> str:
    return widget.value_input or widget.value or ""


class ProfileSection(pn.viewable.Viewer):
    """Display name and password change for the signed-in user."""

    def __init__(self, members: MemberService, state: ShellState, **params: Any) -> None:
        super().__init__(**params)
        self.members = members
        self.state = state
        principal = state.principal
        self._name = pn.widgets.TextInput(
            name="Display name",
            value=state.display_name,
            css_classes=["dp-profile-name"],
            stylesheets=STYLES,
            width=320,
        )
        save_name = pn.widgets.Button(
            name="Save name", button_type="primary", css_classes=["dp-profile-save"], align="end"
        )
        save_name.on_click(lambda _: self._save_name())
        self._name.param.watch(lambda _: self._save_name(), "enter_pressed")
        role_note = (
            " Admins of your team manage its members."
            if not principal.is_admin
            else " You manage its members below."
        )
        profile = _card(
            _head(
                "Profile",
                f"Signed in as <b>{html.escape(principal.email)}</b>. You are "
                f"<span class='dp-badge'>{html.escape(principal.role)}</span> in "
                f"{html.escape(principal.tenant_name)}.{role_note}",
            ),
            pn.Row(self._name, save_name),
            css="dp-profile",
        )

        min_length = state.ctx.settings.auth.min_password_length
        self._current = PasswordField(
            name="Current password", width=320, css_classes=["dp-password-current"]
        )
        self._new = PasswordField(name="New password", width=320, css_classes=["dp-password-new"])
        self._confirm = PasswordField(
            name="Confirm new password", width=320, css_classes=["dp-password-confirm"]
        )
        change = pn.widgets.Button(
            name="Change password", button_type="primary", css_classes=["dp-password-change"]
        )
        change.on_click(lambda _: self._change_password())
        for field in (self._current, self._new, self._confirm):
            field.param.watch(lambda _: self._change_password(), "enter_pressed")
        self._password_error = pn.pane.Alert(
            "", alert_type="danger", visible=False, css_classes=["dp-password-error"], width=320
        )
        password = _card(
            _head(
                "Password",
                f"At least {min_length} characters; a few unrelated words work well. "
                "Changing it keeps you signed in here.",
            ),
            self._current,
            self._new,
            self._confirm,
            self._password_error,
            change,
            css="dp-password",
        )
        self._layout = pn.Column(profile, password, sizing_mode="stretch_width")

    @guarded
    def _save_name(self) -> None:
        name = self.members.rename_self(_value(self._name))
        self._name.value = name
        self.state.display_name = name
        notify_success(f"Your name is now {name}.")

    def _change_password(self) -> None:
        try:
            new = _value(self._new)
            if not _value(self._current):
                raise InvalidInput("Enter your current password.")
            if new != _value(self._confirm):
                raise InvalidInput("The new password and its confirmation are not the same.")
            self.members.change_own_password(_value(self._current), new)
        except DomainError as exc:
            self._password_error.object = html.escape(str(exc))
            self._password_error.visible = True
            notify_error(exc)
            return
        except Exception as exc:
            notify_error(exc)
            return
        self._password_error.visible = False
        for widget in (self._current, self._new, self._confirm):
            widget.value = widget.value_input = ""
        notify_success("Password changed. Use the new one next time you sign in.")

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


class MembersSection(pn.viewable.Viewer):
    """Admins add users with a role, change roles and deactivate members of their tenant."""

    def __init__(self, members: MemberService, state: ShellState, **params: Any) -> None:
        super().__init__(**params)
        self.members = members
        self.state = state
        self._rows = pn.Column(sizing_mode="stretch_width", css_classes=["dp-members"])
        self._email = pn.widgets.TextInput(
            name="Email",
            placeholder="name@example.com",
            css_classes=["dp-member-email"],
            width=260,
            stylesheets=STYLES,
        )
        self._display = pn.widgets.TextInput(
            name="Name",
            placeholder="Optional",
            css_classes=["dp-member-name"],
            width=200,
            stylesheets=STYLES,
        )
        self._role = pn.widgets.Select(
            name="Role",
            options=ROLES,
            value="viewer",
            width=120,
            css_classes=["dp-member-role"],
            stylesheets=STYLES,
        )
        add = pn.widgets.Button(
            name="Add member", button_type="primary", css_classes=["dp-member-add"], align="end"
        )
        add.on_click(lambda _: self._add())
        for field in (self._email, self._display):
            field.param.watch(lambda _: self._add(), "enter_pressed")
        self._issued = pn.pane.HTML(
            "",
            visible=False,
            css_classes=["dp-member-password"],
            sizing_mode="stretch_width",
            stylesheets=[*STYLES, _ISSUED_STYLE],
        )
        self._layout = _card(
            _head("Members", ROLE_HELP),
            pn.Row(self._email, self._display, self._role, add, css_classes=["dp-member-form"]),
            self._issued,
            self._rows,
            css="dp-members-section",
        )
        self._refresh()

    def _refresh(self) -> None:
        try:
            members = self.members.list()
        except Exception as exc:
            notify_error(exc)
            return
        header = pn.Row(
            pn.pane.HTML("<div class='dp-col-label'>Member</div>", width=380, stylesheets=STYLES),
            pn.pane.HTML("<div class='dp-col-label'>Role</div>", width=130, stylesheets=STYLES),
            sizing_mode="stretch_width",
        )
        self._rows.objects = [header, *(self._row(m) for m in members)]

    def _row(self, member: MemberInfo) -> pn.viewable.Viewable:
        is_self = member.user_id == self.state.principal.user_id
        role = pn.widgets.Select(
            options=ROLES,
            value=member.role,
            width=120,
            disabled=is_self,
            css_classes=["dp-member-row-role"],
            stylesheets=STYLES,  # a disabled select (your own role) stays readable
            align="center",
        )
        role.param.watch(lambda e: self._set_role(member, e.new), "value")
        toggle = pn.widgets.Button(
            name="Deactivate" if member.active else "Reactivate",
            button_type="light" if member.active else "success",
            button_style="outline" if member.active else "solid",
            disabled=is_self,
            css_classes=["dp-member-toggle"],
            align="center",
            description=None if not is_self else "You cannot deactivate yourself.",
        )
        toggle.on_click(lambda _: self._toggle(member))
        you = " <span class='dp-you'>(you)</span>" if is_self else ""
        status = "" if member.active else "<span class='dp-badge'>deactivated</span>"
        label = pn.pane.HTML(
            f"<div class='dp-member'><span class='dp-member-who'>"
            f"{html.escape(member.display_name)}{you}{status}</span>"
            f"<span class='dp-member-email'>{html.escape(member.email)}</span></div>",
            width=380,
            stylesheets=STYLES,
            align="center",
        )
        return pn.Row(
            label,
            role,
            toggle,
            css_classes=["dp-member-row"],
            stylesheets=STYLES,
            sizing_mode="stretch_width",
        )

    @guarded
    def _add(self) -> None:
        info, password = self.members.add(
            _value(self._email), _value(self._display), self._role.value
        )
        self._email.value = self._email.value_input = ""
        self._display.value = self._display.value_input = ""
        if password:
            self._issued.object = (
                "<div class='dp-issued' role='status'>"
                f"<p>Account created for <b>{html.escape(info.email)}</b>. Give them this "
                "password over a private channel; it is shown only now, and they can change it "
                "in Settings:</p>"
                f"<code class='dp-generated-password'>{html.escape(password)}</code></div>"
            )
        else:
            self._issued.object = (
                "<div class='dp-issued' role='status'>"
                f"<p><b>{html.escape(info.email)}</b> already had an account; they sign in with "
                "their existing password.</p></div>"
            )
        self._issued.visible = True
        notify_success(f"{info.email} added as {info.role}.")
        self._refresh()

    def _set_role(self, member: MemberInfo, role: str) -> None:
        if role == member.role:
            return
        try:
            info = self.members.set_role(member.user_id, role)
            notify_success(f"{info.email} is now {info.role}.")
        except Exception as exc:
            notify_error(exc)
        self._refresh()

    def _toggle(self, member: MemberInfo) -> None:
        try:
            info = self.members.set_active(member.user_id, not member.active)
            notify_success(
                f"{info.email} {'reactivated' if info.active else 'deactivated and signed out'}."
            )
        except Exception as exc:
            notify_error(exc)
        self._refresh()

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


def page(state: ShellState) -> pn.viewable.Viewable:
    """Profile for everyone; member management for admins only (the service also refuses)."""
    members = state.ctx.members(state.principal)
    sections: list[Any] = [ProfileSection(members, state)]
    if state.principal.is_admin:
        sections.append(MembersSection(members, state))
    sections.append(settings_ai.section(state))
    return pn.Column(*sections, sizing_mode="stretch_width", max_width=900)
