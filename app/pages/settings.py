"""Settings page: every user's profile; admins also manage the tenant's members."""

from __future__ import annotations

import html
from typing import Any

import panel as pn

from app.pages.shell import ShellState, guarded, notify_error, notify_success
from app.services.errors import InvalidInput
from app.services.members import MemberInfo, MemberService

ROLES = ["viewer", "editor", "admin"]


class ProfileSection(pn.viewable.Viewer):
    """Display name and password change for the signed-in user."""

    def __init__(self, members: MemberService, state: ShellState, **params: Any) -> None:
        super().__init__(**params)
        self.members = members
        self._name = pn.widgets.TextInput(
            name="Display name",
            value=state.principal.display_name,
            css_classes=["dp-profile-name"],
            width=320,
        )
        save_name = pn.widgets.Button(
            name="Save name", button_type="primary", css_classes=["dp-profile-save"]
        )
        save_name.on_click(lambda _: self._save_name())
        self._name.param.watch(lambda _: self._save_name(), "enter_pressed")
        self._current = pn.widgets.PasswordInput(
            name="Current password", width=320, css_classes=["dp-password-current"]
        )
        self._new = pn.widgets.PasswordInput(
            name="New password", width=320, css_classes=["dp-password-new"]
        )
        self._confirm = pn.widgets.PasswordInput(
            name="Confirm new password", width=320, css_classes=["dp-password-confirm"]
        )
        change = pn.widgets.Button(
            name="Change password", button_type="primary", css_classes=["dp-password-change"]
        )
        change.on_click(lambda _: self._change_password())
        self._confirm.param.watch(lambda _: self._change_password(), "enter_pressed")
        self._layout = pn.Column(
            pn.pane.HTML(
                f"<h2>Profile</h2><p>Signed in as <b>{html.escape(state.principal.email)}</b>.</p>"
            ),
            pn.Row(self._name, save_name, align="end"),
            pn.pane.HTML("<h3>Password</h3>"),
            self._current,
            self._new,
            self._confirm,
            change,
            css_classes=["dp-card", "dp-profile"],
        )

    @guarded
    def _save_name(self) -> None:
        name = self.members.rename_self(self._name.value_input or self._name.value)
        notify_success(f"Your name is now {name}.")

    @guarded
    def _change_password(self) -> None:
        new = self._new.value_input or self._new.value
        if new != (self._confirm.value_input or self._confirm.value):
            raise InvalidInput("The new password and its confirmation are not the same.")
        self.members.change_own_password(self._current.value_input or self._current.value, new)
        for widget in (self._current, self._new, self._confirm):
            widget.value = ""
        notify_success("Password changed.")

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
            name="Email", placeholder="name@example.com", css_classes=["dp-member-email"], width=260
        )
        self._display = pn.widgets.TextInput(name="Name", css_classes=["dp-member-name"], width=200)
        self._role = pn.widgets.Select(
            name="Role", options=ROLES, value="viewer", width=120, css_classes=["dp-member-role"]
        )
        add = pn.widgets.Button(
            name="Add member", button_type="primary", css_classes=["dp-member-add"]
        )
        add.on_click(lambda _: self._add())
        self._email.param.watch(lambda _: self._add(), "enter_pressed")
        self._issued = pn.pane.Alert(
            visible=False, alert_type="warning", css_classes=["dp-member-password"]
        )
        self._layout = pn.Column(
            pn.pane.HTML(
                "<h2>Members</h2><p>Admins manage users, editors build sources, "
                "models and dashboards, viewers read and explore.</p>"
            ),
            pn.Row(self._email, self._display, self._role, add, align="end"),
            self._issued,
            self._rows,
            css_classes=["dp-card", "dp-members-section"],
        )
        self._refresh()

    def _refresh(self) -> None:
        try:
            members = self.members.list()
        except Exception as exc:
            notify_error(exc)
            return
        self._rows.objects = [self._row(m) for m in members]

    def _row(self, member: MemberInfo) -> pn.viewable.Viewable:
        is_self = member.user_id == self.state.principal.user_id
        role = pn.widgets.Select(
            options=ROLES,
            value=member.role,
            width=120,
            disabled=is_self,
            css_classes=["dp-member-row-role"],
        )
        role.param.watch(lambda e: self._set_role(member, e.new), "value")
        toggle = pn.widgets.Button(
            name="Deactivate" if member.active else "Reactivate",
            button_type="warning" if member.active else "success",
            disabled=is_self,
            css_classes=["dp-member-toggle"],
        )
        toggle.on_click(lambda _: self._toggle(member))
        status = "" if member.active else " <span class='dp-badge'>deactivated</span>"
        label = pn.pane.HTML(
            f"<b>{html.escape(member.display_name)}</b> &lt;{html.escape(member.email)}&gt;{status}",
            width=380,
        )
        return pn.Row(label, role, toggle, css_classes=["dp-member-row"], tags=[member.email])

    @guarded
    def _add(self) -> None:
        info, password = self.members.add(
            self._email.value_input or self._email.value,
            self._display.value_input or self._display.value,
            self._role.value,
        )
        self._email.value = self._display.value = ""
        if password:
            self._issued.object = (
                f"Account created for **{info.email}**. Give them this password once, over a "
                f"private channel; they can change it in Settings: `{password}`"
            )
            self._issued.visible = True
        else:
            self._issued.visible = False
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
            notify_success(f"{info.email} {'reactivated' if info.active else 'deactivated'}.")
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
    return pn.Column(*sections, sizing_mode="stretch_width")
