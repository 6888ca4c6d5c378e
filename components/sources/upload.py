"""A drop zone that streams files to an HTTP endpoint, with per-file progress and cancel.

The bytes never cross Panel's websocket: the browser POSTs each file as ``multipart/form-data``
(field ``file``) to ``upload_url`` and reports progress from ``XMLHttpRequest.upload``. Files the
zone does not accept (extension, size) are refused in the browser before anything is sent.

    zone = FileDropZone(upload_url="/api/v1/workspaces/<id>/sources", csrf=token)
    zone.param.watch(lambda e: print(e.new), "uploaded")   # the server's JSON answer
    zone.stages = {source_id: {"label": "Converting", "fraction": 0.4}}  # after the upload

It imports nothing from the app and loads nothing remote, so it also works in a notebook.
"""

from __future__ import annotations

from typing import Any

import panel as pn
import param

from components.assets import read_asset

DEFAULT_ACCEPT = [".csv", ".tsv", ".txt", ".csv.gz", ".parquet", ".xlsx"]


class FileDropZone(pn.custom.JSComponent):
    """Drag and drop (or browse) files; each streams to ``upload_url`` with its own progress.

    After the server has answered, the app can report what happens to the file next (ingest
    stages) through ``stages``, keyed by the ``id`` of the server's JSON answer.
    """

    upload_url = param.String(default="", doc="URL each file is POSTed to (field ``file``).")
    query = param.Dict(default={}, doc="Extra query parameters sent with every upload.")
    csrf = param.String(default="", doc="Sent as the ``X-CSRF-Token`` header.")
    accept = param.List(
        default=list(DEFAULT_ACCEPT), item_type=str, doc="Accepted file name endings, with dot."
    )
    max_bytes = param.Integer(
        default=None, allow_None=True, doc="Largest file accepted; larger ones are refused."
    )
    multiple = param.Boolean(default=True, doc="Whether several files may be dropped at once.")
    compact = param.Boolean(default=False, doc="A slimmer zone without the icon.")
    disabled = param.Boolean(default=False, doc="Refuse drops and browsing, e.g. while busy.")
    title = param.String(default="Drop files here", doc="The zone's headline.")
    hint = param.String(default="", doc="The line under the title; the accepted types if empty.")
    checking_label = param.String(
        default="waiting for the server", doc="Shown after the last byte, before the answer."
    )
    track = param.Boolean(
        default=True, doc="Keep each uploaded file listed until ``stages`` says it is ready."
    )
    stages = param.Dict(
        default={},
        doc="Per server id: ``{'label': str, 'fraction': float | None, 'state': "
        "'working' | 'ready' | 'failed'}``.",
    )
    active = param.Integer(default=0, doc="Files waiting or being sent (set by the browser).")
    uploaded = param.Dict(
        default=None,
        allow_None=True,
        precedence=-1,
        doc="``{name, status, body}`` of the latest finished upload.",
    )
    failed = param.Dict(
        default=None,
        allow_None=True,
        precedence=-1,
        doc="``{name, status, problem}`` of the latest failed one.",
    )
    refused = param.List(
        default=[], precedence=-1, doc="Why the latest dropped files were refused, if any."
    )
    cancelled = param.String(default="", precedence=-1, doc="Name of the latest cancelled upload.")

    # Python-side outputs: never sent to the browser (negative precedence keeps them out of the
    # data model, None in _rename out of the model's properties).
    _rename = {"uploaded": None, "failed": None, "refused": None, "cancelled": None}
    _esm = "upload.js"
    _stylesheets = [read_asset(__file__, "upload.css")]

    def _handle_msg(self, msg: Any) -> None:
        if not isinstance(msg, dict):
            return
        kind = msg.get("type")
        if kind == "uploaded":
            self.uploaded = {
                "name": msg.get("name"),
                "status": msg.get("status"),
                "body": msg.get("body") or {},
            }
        elif kind == "failed":
            self.failed = {
                "name": msg.get("name"),
                "status": msg.get("status"),
                "problem": msg.get("problem") or {},
            }
        elif kind == "refused":
            self.refused = [str(r) for r in msg.get("reasons") or []]
        elif kind == "cancelled":
            self.param.update(cancelled="")
            self.cancelled = str(msg.get("name") or "")
