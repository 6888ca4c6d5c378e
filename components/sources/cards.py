"""A card per data source: what it is, its state, and (for editors) rename, replace, delete.

The card knows nothing about services: it shows the ``source`` dictionary it is given (the
shape of ``SourceInfo.as_json()``, plus optional ``sheets`` (a workbook's sheets) and
``row_issues`` (``{"dropped": n, "repaired": m}`` rows of the file)) and asks
``act(action, value)`` to do things. ``act`` returns True when the action succeeded, so the card
can close its form; on failure it returns False and the card stays as it is.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

import panel as pn
import param

from components.assets import read_asset
from components.feedback import ConfirmDelete
from components.sources.upload import FileDropZone

STAGES = {
    "uploading": "Uploading",
    "queued": "Queued for reading",
    "reading": "Reading the file",
    "detecting": "Detecting format and types",
    "converting": "Converting to Parquet",
    "profiling": "Profiling columns",
}

CARD_CSS = read_asset(__file__, "cards_card.css")
BODY_CSS = read_asset(__file__, "cards_body.css")
BUTTON_CSS = read_asset(__file__, "cards_button.css")
INPUT_CSS = read_asset(__file__, "cards_input.css")
PROBLEM_CSS = read_asset(__file__, "cards_problem.css")


def human_bytes(size: int | None) -> str:
    """``1536`` -> ``1.5 KB``."""
    if size is None:
        return "—"
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            if unit == "bytes":
                return f"{int(value)} bytes"
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
        value /= 1024
    return f"{value:.0f} TB"


def human_date(value: str | None) -> str:
    """An ISO timestamp (UTC) as ``3 Mar 2025, 14:03 UTC``."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def stage_label(progress: dict[str, Any] | None, status: str) -> tuple[str, float | None]:
    """What is happening now, and how far along (None when unknown)."""
    if not progress:
        return (STAGES["uploading"] if status == "uploading" else "Working", None)
    stage = str(progress.get("stage") or "")
    fraction = progress.get("fraction")
    label = STAGES.get(stage, stage.capitalize() or "Working")
    if isinstance(fraction, int | float):
        return f"{label} · {int(fraction * 100)}%", float(fraction)
    return label, None


def row_issues_markup(issues: dict[str, Any]) -> str:
    """A warning badge for rows left out or repaired when the file was read ("" for none)."""
    dropped, repaired = int(issues.get("dropped") or 0), int(issues.get("repaired") or 0)
    said = []
    if dropped:
        said.append(f"{dropped:,} row{'s' if dropped != 1 else ''} left out")
    if repaired:
        said.append(f"{repaired:,} row{'s' if repaired != 1 else ''} repaired")
    if not said:
        return ""
    why = (
        "Some rows of the file could not be read as they were: left out (too many fields, "
        "broken quotes) or repaired (short rows completed with empty values). The source's page "
        "shows which."
    )
    text = " \u00b7 ".join(said)
    return (
        f'<div class="sc-issues"><span class="sc-warning" role="note" title="{why}">'
        f"\u26a0 {text}</span></div>"
    )


def problem_items(problem: dict[str, Any]) -> tuple[str, list[str]]:
    """Split a problem+json answer into a headline and the list of differences, if any."""
    detail = str(problem.get("detail") or problem.get("title") or "The upload failed.")
    items: list[str] = []
    for key in ("differences", "errors"):
        for entry in problem.get(key) or []:
            text = entry.get("message") if isinstance(entry, dict) else entry
            if text:
                items.append(str(text))
    items = [i for i in items if i != detail]
    head, sep, rest = detail.partition(": ")
    if items and sep:  # the detail repeats the list after its colon
        return head + ".", items
    if not items and sep and "; " in rest:
        return head + ".", [p.strip().rstrip(".") for p in rest.split("; ") if p.strip()]
    return detail, items


class SourceCard(pn.viewable.Viewer):
    """One source: name, file, rows, columns, size, date and status; editors act on it."""

    source = param.Dict(doc="The source as ``SourceInfo.as_json()`` (+ ``sheets`` for workbooks).")
    can_edit = param.Boolean(default=False, doc="Show rename, replace and delete.")
    detail_url = param.String(default="", doc="Where the name links to.")
    replace_url = param.String(default="", doc="Upload URL for a replacement file.")
    csrf = param.String(default="", doc="CSRF token sent with the replacement upload.")
    max_bytes = param.Integer(default=None, allow_None=True, doc="Largest replacement accepted.")
    act = param.Callable(doc="``act(action, value) -> bool`` for rename, delete, sheet, replaced.")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._body = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=[BODY_CSS], margin=0)
        self._sheet = pn.widgets.Select(
            name="Sheet",
            options=[],
            visible=False,
            sizing_mode="stretch_width",
            css_classes=["sc-sheet-select"],
            stylesheets=[INPUT_CSS],
            margin=(6, 0, 0, 0),
        )
        self._sheet.param.watch(self._choose_sheet, "value")
        self._rename_btn = self._button("Rename", "sc-rename")
        self._replace_btn = self._button("Replace", "sc-replace")
        self._delete_btn = self._button("Delete", "sc-delete")
        self._rename_btn.on_click(lambda _: self._open("rename"))
        self._replace_btn.on_click(lambda _: self._open("replace"))
        self._delete_btn.on_click(lambda _: self._open("delete"))
        self._actions = pn.Row(
            self._rename_btn,
            self._replace_btn,
            self._delete_btn,
            margin=(8, 0, 0, 0),
            css_classes=["sc-actions"],
        )
        self._name = pn.widgets.TextInput(
            sizing_mode="stretch_width", css_classes=["sc-name-input"], stylesheets=[INPUT_CSS]
        )
        self._name.param.watch(lambda _: self._rename(), "enter_pressed")
        save = self._button("Save", "sc-rename-save sc-primary")
        save.on_click(lambda _: self._rename())
        cancel = self._button("Cancel", "sc-rename-cancel")
        cancel.on_click(lambda _: self._close())
        self._rename_form = pn.Column(
            self._name, pn.Row(save, cancel), visible=False, sizing_mode="stretch_width"
        )
        self._confirm = ConfirmDelete(what="source")
        self._confirm.param.watch(lambda _: self._delete(), "confirmed")
        self._confirm.param.watch(lambda _: self._close(), "cancelled")
        self._confirm_box = pn.Column(
            self._confirm, visible=False, sizing_mode="stretch_width", margin=(6, 0, 0, 0)
        )
        self._replace_zone: FileDropZone | None = None
        self._replace_problem = pn.pane.HTML(
            "", sizing_mode="stretch_width", stylesheets=[PROBLEM_CSS], margin=(0, 0, 4, 0)
        )
        self._replace_close = self._button("Close", "sc-replace-close")
        self._replace_close.on_click(lambda _: self._close())
        self._replace_again = self._button("Choose another file", "sc-replace-again")
        self._replace_again.on_click(lambda _: self._show_replace_zone())
        self._replace_box = pn.Column(
            visible=False,
            sizing_mode="stretch_width",
            margin=(6, 0, 0, 0),
            css_classes=["sc-replace-box"],
        )
        self._layout = pn.Column(
            self._body,
            self._sheet,
            self._actions,
            self._rename_form,
            self._confirm_box,
            self._replace_box,
            width=352,
            css_classes=["dp-source-card"],
            stylesheets=[CARD_CSS],
            margin=(0, 0, 0, 0),
        )
        self._render()

    @staticmethod
    def _button(label: str, css: str) -> pn.widgets.Button:
        return pn.widgets.Button(
            name=label,
            css_classes=["sc-btn", *css.split()],
            stylesheets=[BUTTON_CSS],
            margin=(2, 6, 2, 0),
        )

    # -- rendering -------------------------------------------------------------------------------
    @param.depends("source", "can_edit", "detail_url", watch=True)
    def _render(self) -> None:
        source = self.source or {}
        status = str(source.get("status") or "")
        fmt = str(source.get("file_format") or "").replace(".", " ")
        name = html.escape(str(source.get("name") or ""))
        title = (
            f'<a class="sc-name" href="{html.escape(self.detail_url)}" title="{name}">{name}</a>'
            if self.detail_url
            else f'<span class="sc-name" title="{name}">{name}</span>'
        )
        badge = {"ready": "Ready", "failed": "Failed", "uploading": "Uploading"}.get(
            status, "Ingesting"
        )
        rows = source.get("row_count")
        cols = source.get("column_count")
        parts = [
            '<div class="sc-head">',
            f'<div class="sc-kind {html.escape(fmt)}" aria-hidden="true">'
            f"{html.escape(fmt.split()[0] if fmt else '?')}</div>",
            f'<div class="sc-titles">{title}<div class="sc-file">'
            f"{html.escape(str(source.get('filename') or ''))}</div></div>",
            f'<span class="sc-status {html.escape(status)}">{badge}</span></div>',
            '<div class="sc-stats">',
            f'<div class="sc-stat sc-rows"><b>{"—" if rows is None else f"{rows:,}"}</b>rows</div>',
            f'<div class="sc-stat sc-columns"><b>{"—" if cols is None else cols}</b>columns</div>',
            f'<div class="sc-stat sc-size"><b>{human_bytes(source.get("size_bytes"))}</b>'
            "on disk</div></div>",
            f'<div class="sc-date" title="{html.escape(str(source.get("created_at") or ""))}">'
            f"Uploaded {html.escape(human_date(source.get('created_at')))}</div>",
        ]
        if status in ("uploading", "ingesting"):
            label, fraction = stage_label(source.get("progress"), status)
            width = f' style="width:{int(100 * fraction)}%"' if fraction is not None else ""
            bar = "sc-bar" if fraction is not None else "sc-bar indeterminate"
            parts.append(
                f'<div class="sc-progress" role="status">{html.escape(label)}'
                f'<div class="{bar}"><span{width}></span></div></div>'
            )
        elif status == "failed":
            parts.append(
                f'<div class="sc-error" role="alert">'
                f"{html.escape(str(source.get('error') or 'The file could not be read.'))}</div>"
            )
        if status == "ready":
            parts.append(row_issues_markup(source.get("row_issues") or {}))
        sheets = list(source.get("sheets") or [])
        if source.get("sheet") and not (self.can_edit and len(sheets) > 1):
            parts.append(f'<div class="sc-sheet">Sheet: {html.escape(str(source["sheet"]))}</div>')
        self._body.object = "".join(parts)
        busy = status in ("uploading", "ingesting")
        self._layout.css_classes = ["dp-source-card", f"dp-source-{status or 'unknown'}"]
        self._actions.visible = self.can_edit and not self._form_open()
        self._rename_btn.disabled = busy
        self._replace_btn.disabled = status != "ready"
        # Deleting a source that is being ingested cancels the ingest first (the service does).
        self._delete_btn.disabled = False
        show_sheets = self.can_edit and len(sheets) > 1 and not busy
        if show_sheets:
            current = source.get("sheet") or sheets[0]
            self._sheet.param.update(options=sheets, value=current)
        self._sheet.visible = show_sheets

    def _form_open(self) -> bool:
        return bool(
            self._rename_form.visible or self._confirm_box.visible or self._replace_box.visible
        )

    # -- actions -----------------------------------------------------------------------------------
    def _open(self, mode: str) -> None:
        self._close()
        name = str((self.source or {}).get("name") or "")
        if mode == "rename":
            self._name.value = self._name.value_input = name
            self._rename_form.visible = True
        elif mode == "delete":
            self._confirm.name_to_type = name
            self._confirm_box.visible = True
        elif mode == "replace":
            self._show_replace_zone()
        self._actions.visible = False

    def _show_replace_zone(self) -> None:
        zone = FileDropZone(
            upload_url=self.replace_url,
            csrf=self.csrf,
            max_bytes=self.max_bytes,
            multiple=False,
            compact=True,
            track=False,
            title="Drop the new file",
            hint="Same columns and types; the source keeps its id",
            checking_label="checking the columns",
            sizing_mode="stretch_width",
            css_classes=["sc-replace-zone"],
        )
        zone.param.watch(self._replaced, "uploaded")
        zone.param.watch(self._replace_failed, "failed")
        self._replace_zone = zone
        self._replace_box.objects = [zone, self._replace_close]
        self._replace_box.visible = True

    def _close(self) -> None:
        self._rename_form.visible = False
        self._confirm_box.visible = False
        self._replace_box.visible = False
        self._replace_zone = None
        self._actions.visible = self.can_edit

    def _call(self, action: str, value: Any = None) -> bool:
        return bool(self.act(action, value)) if self.act is not None else False

    def _rename(self) -> None:
        if self._rename_form.visible and self._call(
            "rename", self._name.value_input or self._name.value
        ):
            self._close()

    def _delete(self) -> None:
        self._call("delete")

    def _choose_sheet(self, event: param.parameterized.Event) -> None:
        current = (self.source or {}).get("sheet")
        sheets = list((self.source or {}).get("sheets") or [])
        if event.new and event.new != (current or (sheets[0] if sheets else None)):
            self._call("sheet", event.new)

    def _replaced(self, event: param.parameterized.Event) -> None:
        if event.new and self._call("replaced", event.new.get("body")):
            self._close()

    def _replace_failed(self, event: param.parameterized.Event) -> None:
        if not event.new:
            return
        headline, items = problem_items(event.new.get("problem") or {})
        listing = "".join(f"<li>{html.escape(i)}</li>" for i in items)
        self._replace_problem.object = (
            f'<div class="sc-problem" role="alert"><p>{html.escape(headline)}</p>'
            + (f"<ul>{listing}</ul>" if listing else "")
            + "</div>"
        )
        self._replace_zone = None
        self._replace_box.objects = [
            self._replace_problem,
            pn.Row(self._replace_again, self._replace_close),
        ]

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
