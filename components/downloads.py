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

_CSS = """
:host { display: block; font-family: system-ui, -apple-system, "Segoe UI", Roboto,
  "Helvetica Neue", Arial, sans-serif; color: #1d2733; }
.sd { display: flex; flex-direction: column; align-items: flex-end; gap: 4px; }
.sd-row { display: flex; align-items: center; gap: 4px; }
.sd-label { font-size: 13px; color: #5b6b7d; margin-right: 2px; }
.sd-row button { font: inherit; font-size: 13px; padding: 4px 10px; background: #fff;
  border: 1px solid #cfd8e3; border-radius: 6px; color: #1d2733; cursor: pointer; }
.sd-row button:hover:not(:disabled) { background: #eef3f9; }
.sd-row button:disabled { opacity: .55; cursor: not-allowed; }
.sd-row button:focus-visible { outline: 2px solid #2f6fde; outline-offset: 1px; }
.sd-row button.sd-cancel { border-color: #f1c4c0; color: #b3261e; }
.sd-status { font-size: 12.5px; color: #5b6b7d; display: flex; align-items: center; gap: 6px;
  white-space: nowrap; }
.sd-status.saved { color: #1e7a46; }
.sd-spinner { width: 11px; height: 11px; border: 2px solid #cfd8e3; border-top-color: #2f6fde;
  border-radius: 50%; animation: sd-spin .8s linear infinite; }
@keyframes sd-spin { to { transform: rotate(360deg); } }
.sd-error { font-size: 13px; color: #b3261e; background: #fdf3f2; border: 1px solid #f1c4c0;
  border-radius: 8px; padding: 6px 10px; max-width: 460px; text-align: left; }
@media (prefers-reduced-motion: reduce) { .sd-spinner { animation: none; } }
"""

_ESM = r"""
function fmtBytes(n) {
  const units = ["bytes", "KB", "MB", "GB"]
  let i = 0, v = n
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
  return i === 0 ? `${v} bytes` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`
}

// The file name of a Content-Disposition header (RFC 6266): filename* wins over filename.
function filenameOf(header, fallback) {
  let name = null
  const star = /filename\*\s*=\s*[\w-]+'[^']*'([^;\s]+)/i.exec(header || "")
  if (star) { try { name = decodeURIComponent(star[1]) } catch (e) { name = null } }
  if (!name) {
    const plain = /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(header || "")
    if (plain) name = plain[1] !== undefined ? plain[1] : plain[2]
  }
  name = (name || "").replace(/[\\/\u0000-\u001f]/g, "_").trim()
  return name || fallback
}

async function problemOf(response) {
  let body = null
  try { body = await response.json() } catch (e) { body = null }
  if (!body || typeof body !== "object") body = {}
  if (response.status === 401) {
    body.detail = "You are signed out (the session ended); sign in again, then download."
  }
  if (!body.detail) {
    body.detail = `The server answered ${response.status} ${response.statusText}`.trim() + "."
  }
  return body
}

export function render({ model, el }) {
  let controller = null
  let running = null        // the format being downloaded
  const root = document.createElement("div")
  root.className = "sd"
  const row = document.createElement("div")
  row.className = "sd-row"
  const status = document.createElement("div")
  status.className = "sd-status"
  status.setAttribute("role", "status")
  status.setAttribute("aria-live", "polite")
  status.hidden = true
  const error = document.createElement("div")
  error.className = "sd-error"
  error.setAttribute("role", "alert")
  error.hidden = true
  root.append(row, status, error)
  el.append(root)

  function showStatus(text, opts = {}) {
    status.replaceChildren()
    status.className = "sd-status" + (opts.saved ? " saved" : "")
    if (opts.spinner) {
      const spin = document.createElement("span")
      spin.className = "sd-spinner"
      spin.setAttribute("aria-hidden", "true")
      status.append(spin)
    }
    status.append(document.createTextNode(text || ""))
    status.hidden = !text
  }

  function showError(text) {
    error.textContent = model.inline_errors ? (text || "") : ""
    error.hidden = !text || !model.inline_errors
  }

  function draw() {
    const label = document.createElement("span")
    label.className = "sd-label"
    label.textContent = model.label
    const buttons = Object.entries(model.formats || {}).map(([fmt, text]) => {
      const btn = document.createElement("button")
      btn.type = "button"
      btn.dataset.format = fmt
      if (running === fmt) {
        btn.className = `sd-cancel dp-download-cancel`
        btn.textContent = "Cancel"
        btn.setAttribute("aria-label", `Cancel the ${text} download`)
        btn.addEventListener("click", () => { if (controller) controller.abort() })
      } else {
        btn.className = `dp-download-${fmt}`
        btn.textContent = text
        btn.disabled = !!model.disabled || running !== null || !model.url
        btn.setAttribute("aria-label", `Download as ${text}`)
        btn.addEventListener("click", () => download(fmt))
      }
      return btn
    })
    row.replaceChildren(label, ...buttons)
  }

  function setRunning(fmt) {
    running = fmt
    model.busy = fmt !== null
    draw()
  }

  function fail(fmt, status, problem) {
    controller = null
    setRunning(null)
    showStatus("")
    showError(problem.detail)
    model.send_msg({type: "failed", format: fmt, status, problem})
  }

  async function download(fmt) {
    if (running !== null || !model.url) return
    controller = new AbortController()
    const signal = controller.signal
    setRunning(fmt)
    showError("")
    showStatus("Preparing download…", {spinner: true})
    let response
    try {
      response = await fetch(new URL(model.url, window.location.href), {
        method: "POST",
        credentials: "same-origin",
        signal,
        headers: {"Content-Type": "application/json", "X-CSRF-Token": model.csrf || ""},
        body: JSON.stringify({...(model.payload || {}), [model.format_field]: fmt}),
      })
    } catch (e) {
      if (signal.aborted) return cancelled(fmt)
      return fail(fmt, 0, {detail: "The connection to the server was lost; nothing was downloaded."})
    }
    if (!response.ok) return fail(fmt, response.status, await problemOf(response))
    const name = filenameOf(response.headers.get("Content-Disposition"), `download.${fmt}`)
    const type = response.headers.get("Content-Type") || "application/octet-stream"
    const total = Number(response.headers.get("Content-Length")) || 0
    const parts = []
    let received = 0
    try {
      const reader = response.body.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        parts.push(value)
        received += value.byteLength
        const pct = total ? ` (${Math.floor(100 * received / total)}%)` : ""
        showStatus(`Downloading… ${fmtBytes(received)}${pct}`, {spinner: true})
      }
    } catch (e) {
      if (signal.aborted) return cancelled(fmt)
      return fail(fmt, response.status, {detail: "The download was cut off before its end " +
        `(after ${fmtBytes(received)}); nothing was saved. Retry.`})
    }
    const href = URL.createObjectURL(new Blob(parts, {type}))
    const link = document.createElement("a")
    link.href = href
    link.download = name
    link.hidden = true
    document.body.append(link)
    link.click()
    link.remove()
    setTimeout(() => URL.revokeObjectURL(href), 30000)  // once the browser has taken the file
    controller = null
    setRunning(null)
    showStatus(`Saved ${name} · ${fmtBytes(received)}`, {saved: true})
    model.send_msg({type: "saved", format: fmt, filename: name, bytes: received})
  }

  function cancelled(fmt) {
    controller = null
    setRunning(null)
    showStatus("Download cancelled.")
    model.send_msg({type: "cancelled", format: fmt})
  }

  model.on(["label", "formats", "disabled", "url"], draw)
  model.on("payload", () => { showStatus(""); showError("") })
  model.on("remove", () => { if (controller) controller.abort() })
  draw()
}
"""


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
    _esm = _ESM
    _stylesheets = [_CSS]

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
