"""Download buttons that fetch a file over HTTP from the browser and save the streamed answer.

The file never crosses Panel's websocket: a click POSTs ``payload`` (plus the chosen format) as
JSON to ``url`` with the browser's session cookie and the ``X-CSRF-Token`` header, reads the
response body as it streams in (showing the bytes received), then saves it under the name of
the ``Content-Disposition`` header. A refusal shows the ``detail`` of the server's
problem+json answer; a body cut off by the server is reported, never saved half.

    buttons = StreamDownload(url="/api/v1/workspaces/<id>/sql/download", csrf=token,
                             payload={"sql": "SELECT 1"}, formats={"csv": "CSV"})

It imports nothing from the app and loads nothing remote, so it also works in a notebook.
"""

from __future__ import annotations

from typing import Any

import panel as pn
import param

from components.assets import read_asset


class StreamDownload(pn.custom.JSComponent):
    """Buttons that each download one format of a file the browser fetches from ``url``.

    The request is ``POST url`` with the JSON body ``{**payload, format_field: format}``,
    the session cookie and ``X-CSRF-Token: csrf``; while it runs the clicked button turns into
    Cancel and the bytes received are shown. The outcome is reported in ``saved`` or
    ``failed`` (the server's problem document) for the app to act on; ``busy`` turns True
    when the next download starts.
    """

    url = param.String(default="", doc="URL each download POSTs its JSON body to.")
    csrf = param.String(default="", doc="Sent as the ``X-CSRF-Token`` header.")
    payload = param.Dict(default={}, doc="The JSON body; the chosen format is added to it.")
    format_field = param.String(default="format", doc="The body field that names the format.")
    formats = param.Dict(
        default={"csv": "CSV"}, doc="Format -> button label, one button each, in this order."
    )
    label = param.String(default="Download", doc="The text before the buttons.")
    disabled = param.Boolean(default=False, doc="Refuse to start a download.")
    inline_errors = param.Boolean(
        default=True,
        doc="Show why a download failed under the buttons; off when the app shows ``failed`` "
        "itself (e.g. across the full width of a toolbar).",
    )
    busy = param.Boolean(default=False, doc="True while a download runs (set by the browser).")
    saved = param.Dict(
        default=None,
        allow_None=True,
        precedence=-1,
        doc="``{format, filename, bytes}`` of the latest saved file.",
    )
    failed = param.Dict(
        default=None,
        allow_None=True,
        precedence=-1,
        doc="``{format, status, problem}`` of the latest failed download.",
    )

    # Python-side outputs: never sent to the browser.
    _rename = {"saved": None, "failed": None}
    _esm = "downloads.js"
    _stylesheets = [read_asset(__file__, "downloads.css")]

    def _handle_msg(self, msg: Any) -> None:
        if not isinstance(msg, dict):
            return
        kind = msg.get("type")
        # Reset first: the same outcome twice in a row must reach the watchers twice.
        if kind == "saved":
            self.saved = None
            self.saved = {
                "format": str(msg.get("format") or ""),
                "filename": str(msg.get("filename") or ""),
                "bytes": int(msg.get("bytes") or 0),
            }
        elif kind == "failed":
            self.failed = None
            self.failed = {
                "format": str(msg.get("format") or ""),
                "status": int(msg.get("status") or 0),
                "problem": dict(msg.get("problem") or {}),
            }
