"""Settings → AI: admins choose the tenant's AI provider, enter its key and test it; everyone
else sees which provider Explore uses.

The key field is write-only: it is never pre-filled, and a saved key shows as ``…last4``.
Connection tests and model lists call the provider, so they run off the event loop.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import panel as pn

from app.pages.background import Latest
from app.pages.shell import STYLES, ShellState, guarded, notify_error, notify_success
from app.services.ai import AiSettingsService, ConnectionResult, ProviderInfo
from app.services.ai.service import KIND_LABELS

_STYLE = "/dp-static/settings_ai.css"
KINDS = {label: kind for kind, label in KIND_LABELS.items()}


def _head(title: str, text: str) -> pn.pane.HTML:
    return pn.pane.HTML(
        f"<div class='dp-card-head'><h2>{html.escape(title)}</h2><p>{text}</p></div>",
        sizing_mode="stretch_width",
        stylesheets=STYLES,
    )


def _text(widget: Any) -> str:
    return str(getattr(widget, "value_input", None) or widget.value or "")


def _describe(info: ProviderInfo) -> str:
    parts = [f"<b>{html.escape(info.label)}</b>"]
    if info.name:
        parts.append(f"<span class='dp-badge'>{html.escape(KIND_LABELS[info.provider])}</span>")
    if info.model:
        parts.append(f"<span class='dp-ai-model'>{html.escape(info.model)}</span>")
    if info.key_hint:
        parts.append(f"key <code class='dp-ai-key-hint'>{html.escape(info.key_hint)}</code>")
    if info.base_url:
        parts.append(f"<span class='dp-ai-base'>{html.escape(info.base_url)}</span>")
    return " · ".join(parts)


class ProviderForm(pn.viewable.Viewer):
    """Adds a provider, or edits the one picked with Edit; Load models fills the model list."""

    def __init__(self, service: AiSettingsService, saved: Callable[[], None], **params: Any):
        super().__init__(**params)
        self.service = service
        self._saved = saved
        self._editing: ProviderInfo | None = None
        self._loading = Latest("ai-models")
        look = {"stylesheets": STYLES, "width": 300}
        self._kind = pn.widgets.Select(
            name="Provider", options=KINDS, value="openai", css_classes=["dp-ai-kind"], **look
        )
        self._model = pn.widgets.AutocompleteInput(
            name="Model",
            options=[],
            restrict=False,
            min_characters=0,
            placeholder="e.g. gpt-4.1-mini",
            css_classes=["dp-ai-model-input"],
            **look,
        )
        self._key = pn.widgets.PasswordInput(
            name="API key (stored encrypted, never shown again)",
            placeholder="Paste the key",
            css_classes=["dp-ai-key"],
            **look,
        )
        self._base = pn.widgets.TextInput(
            name="Base URL (compatible servers; optional for the others)",
            placeholder="http://localhost:11434/v1",
            css_classes=["dp-ai-base-url"],
            **look,
        )
        self._active = pn.widgets.Switch(value=True, css_classes=["dp-ai-active"], align="center")
        self._load = pn.widgets.Button(
            name="Load models", css_classes=["dp-ai-load-models"], align="end"
        )
        self._save = pn.widgets.Button(
            name="Save provider", button_type="primary", css_classes=["dp-ai-save"]
        )
        self._cancel = pn.widgets.Button(
            name="Cancel", visible=False, css_classes=["dp-ai-cancel"], button_type="light"
        )
        self._title = pn.pane.HTML("<h3>Add a provider</h3>", stylesheets=[*STYLES, _STYLE])
        self._load.on_click(lambda _: self._load_models())
        self._save.on_click(lambda _: self._submit())
        self._cancel.on_click(lambda _: self.reset())
        self._kind.param.watch(lambda _: self._show_fields(), "value")
        self._layout = pn.Column(
            self._title,
            self._kind,
            pn.Row(self._model, self._load),
            self._key,
            self._base,
            pn.Row(self._active, pn.pane.HTML("Use this provider for Explore", align="center")),
            pn.Row(self._save, self._cancel),
            css_classes=["dp-ai-form"],
            sizing_mode="stretch_width",
        )
        self._show_fields()

    def _show_fields(self) -> None:
        kind = self._kind.value
        self._key.visible = self._load.visible = kind != "offline"
        self._base.visible = kind != "offline"
        self._model.visible = kind != "offline"

    def edit(self, info: ProviderInfo) -> None:
        """Fill the form with a saved provider; the key stays empty (empty keeps it)."""
        self._editing = info
        self._title.object = f"<h3>Edit {html.escape(info.label)}</h3>"
        self._kind.value, self._kind.disabled = info.provider, True
        self._model.value = self._model.value_input = info.model
        self._key.value = self._key.value_input = ""
        hint = f"{info.key_hint} saved; leave empty to keep it" if info.key_hint else "No key"
        self._key.placeholder = hint
        self._base.value = self._base.value_input = info.base_url or ""
        self._active.value = info.active
        self._cancel.visible = True

    def reset(self) -> None:
        self._editing = None
        self._title.object = "<h3>Add a provider</h3>"
        self._kind.disabled = False
        for widget in (self._model, self._key, self._base):
            widget.value = widget.value_input = ""
        self._key.placeholder = "Paste the key"
        self._model.options = []
        self._active.value = True
        self._cancel.visible = False

    def offer_models(self, models: list[str]) -> None:
        self._model.options = list(models)

    @guarded
    def _submit(self) -> None:
        key = _text(self._key) or None
        if self._editing is None:
            info = self.service.add(
                self._kind.value,
                _text(self._model),
                key,
                _text(self._base) or None,
                active=self._active.value,
            )
            notify_success(f"{info.label} saved.")
        else:
            changes: dict[str, Any] = {
                "model": _text(self._model),
                "base_url": _text(self._base) or None,
                "active": self._active.value,
            }
            if key:
                changes["key"] = key
            info = self.service.update(self._editing.id, **changes)
            notify_success(f"{info.label} updated.")
        self.reset()
        self._saved()

    def _load_models(self) -> None:
        kind, key, base = self._kind.value, _text(self._key) or None, _text(self._base) or None
        saved = str(self._editing.id) if self._editing is not None else None
        self._load.loading = True

        def done(result: Any) -> None:
            self._load.loading = False
            if isinstance(result, Exception):
                notify_error(result)
                return
            self.offer_models(result)
            notify_success(f"{len(result)} models listed; pick one or type another.")

        self._loading.submit(lambda: self.service.preview_models(kind, key, base, saved), done)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


class ProviderRow(pn.viewable.Viewer):
    """A saved provider: what it is, its switch, Test connection, Edit and Delete."""

    def __init__(self, section: AiSection, info: ProviderInfo, **params: Any):
        super().__init__(**params)
        self.section, self.info = section, info
        self._testing = Latest("ai-test")
        self._switch = pn.widgets.Switch(
            value=info.active, css_classes=["dp-ai-row-active"], align="center"
        )
        self._switch.param.watch(lambda e: section.set_active(info, e.new), "value")
        self._test = pn.widgets.Button(
            name="Test connection", css_classes=["dp-ai-test"], align="center"
        )
        self._test.on_click(lambda _: self._run_test())
        edit = pn.widgets.Button(name="Edit", css_classes=["dp-ai-edit"], align="center")
        edit.on_click(lambda _: section.form.edit(info))
        self._delete = pn.widgets.Button(
            name="Delete", button_type="light", css_classes=["dp-ai-delete"], align="center"
        )
        self._delete.on_click(lambda _: self._ask(True))
        really = pn.widgets.Button(
            name="Delete provider and key", button_type="danger", css_classes=["dp-ai-confirm"]
        )
        really.on_click(lambda _: section.delete(info))
        keep = pn.widgets.Button(name="Keep it", css_classes=["dp-ai-keep"])
        self._confirm = pn.Row(
            pn.pane.HTML(f"Delete {html.escape(info.label)} and its key?", align="center"),
            really,
            keep,
            visible=False,
            css_classes=["dp-ai-confirm-row"],
        )
        keep.on_click(lambda _: self._ask(False))
        self._result = pn.pane.HTML(
            "", visible=False, css_classes=["dp-ai-result"], stylesheets=[*STYLES, _STYLE]
        )
        self._layout = pn.Column(
            pn.Row(
                self._switch,
                pn.pane.HTML(
                    _describe(info),
                    stylesheets=[*STYLES, _STYLE],
                    align="center",
                    sizing_mode="stretch_width",
                    min_width=200,
                ),
                self._test,
                edit,
                self._delete,
                sizing_mode="stretch_width",
            ),
            self._confirm,
            self._result,
            css_classes=["dp-ai-row"],
            sizing_mode="stretch_width",
        )

    def _ask(self, asking: bool) -> None:
        self._confirm.visible = asking

    def _run_test(self) -> None:
        self._test.loading, self._test.name = True, "Testing…"
        self._result.visible = False
        self._testing.submit(lambda: self.section.service.test(self.info.id), self._tested)

    def _tested(self, result: ConnectionResult | Exception) -> None:
        self._test.loading, self._test.name = False, "Test connection"
        if isinstance(result, Exception):
            notify_error(result)
            return
        css = "dp-ai-ok" if result.ok else "dp-ai-failed"
        mark = "Connected" if result.ok else "Failed"
        self._result.object = (
            f"<div class='{css}' role='status'><b>{mark}.</b> {html.escape(result.message)}</div>"
        )
        self._result.visible = True
        if result.models:
            self.section.form.offer_models(list(result.models))

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


class AiSection(pn.viewable.Viewer):
    """Admins' card: the saved providers and the form."""

    def __init__(self, service: AiSettingsService, **params: Any) -> None:
        super().__init__(**params)
        self.service = service
        self.form = ProviderForm(service, self.refresh)
        self._rows = pn.Column(sizing_mode="stretch_width", css_classes=["dp-ai-rows"])
        self._layout = pn.Column(
            _head(
                "AI provider",
                "Explore asks the active provider. Keys are stored encrypted and never shown "
                "again, only their last four characters; only admins see this card.",
            ),
            self._rows,
            self.form,
            css_classes=["dp-card", "dp-ai-section"],
            stylesheets=STYLES,
            sizing_mode="stretch_width",
        )
        self.refresh()

    def refresh(self) -> None:
        try:
            items = self.service.list()
        except Exception as exc:
            notify_error(exc)
            return
        if not items:
            default = self.service.installation_default()
            note = pn.pane.HTML(
                f"<p class='dp-ai-none'>No provider yet: Explore uses the installation default, "
                f"{html.escape(KIND_LABELS[default.provider])}.</p>",
                stylesheets=[*STYLES, _STYLE],
            )
            self._rows.objects = [note]
            return
        self._rows.objects = [ProviderRow(self, info) for info in items]

    def set_active(self, info: ProviderInfo, active: bool) -> None:
        if active == info.active:
            return
        try:
            self.service.update(info.id, active=active)
            notify_success(f"{info.label} is {'on' if active else 'off'}.")
        except Exception as exc:
            notify_error(exc)
        self.refresh()

    def delete(self, info: ProviderInfo) -> None:
        try:
            self.service.delete(info.id)
            notify_success(f"{info.label} and its key were deleted.")
        except Exception as exc:
            notify_error(exc)
        self.refresh()

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


def active_note(service: AiSettingsService) -> pn.viewable.Viewable:
    """For members who are not admins: which provider Explore uses."""
    active = next((p for p in service.list() if p.active), None)
    if active is not None:
        model = f" (model {html.escape(active.model)})" if active.model else ""
        text = f"Explore uses <b>{html.escape(active.label)}</b>{model}, chosen by your admins."
    else:
        default = service.installation_default()
        text = (
            f"Explore uses the installation default, "
            f"<b>{html.escape(KIND_LABELS[default.provider])}</b>."
        )
    return pn.Column(
        _head("AI provider", text),
        css_classes=["dp-card", "dp-ai-section"],
        stylesheets=STYLES,
        sizing_mode="stretch_width",
    )


def section(state: ShellState) -> pn.viewable.Viewer | pn.viewable.Viewable:
    """The AI card for the signed-in user: editable for admins, a note for the others."""
    service = state.ctx.ai_settings(state.principal)
    return AiSection(service) if state.principal.is_admin else active_note(service)
