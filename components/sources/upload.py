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

DEFAULT_ACCEPT = [".csv", ".tsv", ".txt", ".csv.gz", ".parquet", ".xlsx"]

_CSS = """
:host { display: block; width: 100%; font-family: system-ui, -apple-system, "Segoe UI", Roboto,
  "Helvetica Neue", Arial, sans-serif; color: #1d2733; }
.dz { border: 2px dashed #b7c4d6; border-radius: 12px; background: #f8fafd; padding: 22px 20px;
  text-align: center; transition: background .12s, border-color .12s; cursor: pointer; }
.dz:hover { border-color: #8fa5c2; }
.dz.over { border-color: #2f6fde; background: #eef4ff; }
.dz.disabled { opacity: .55; cursor: not-allowed; }
.dz:focus-visible { outline: 2px solid #2f6fde; outline-offset: 2px; }
.dz.compact { padding: 12px 14px; }
.dz-icon { display: inline-flex; width: 44px; height: 44px; border-radius: 50%;
  align-items: center; justify-content: center; background: #e8eff8; color: #1f3a5f; }
.dz.compact .dz-icon { display: none; }
.dz-title { font-size: 15px; font-weight: 600; margin: 8px 0 2px; }
.dz.compact .dz-title { margin-top: 0; font-size: 14px; }
.dz-title .dz-browse { color: #2f6fde; text-decoration: underline; text-underline-offset: 2px; }
.dz-hint { font-size: 13px; color: #5b6b7d; }
.dz input[type=file] { display: none; }
.dz-files { list-style: none; margin: 10px 0 0; padding: 0; display: flex; flex-direction: column;
  gap: 8px; }
.dz-file { border: 1px solid #dfe5ee; border-radius: 10px; background: #fff; padding: 9px 12px;
  display: grid; grid-template-columns: 1fr auto; gap: 4px 12px; align-items: center;
  font-size: 13.5px; }
.dz-file-name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.dz-file-status { grid-column: 1 / 2; color: #5b6b7d; font-size: 12.5px; }
.dz-file.failed .dz-file-status, .dz-file.refused .dz-file-status { color: #b3261e; }
.dz-file.ready .dz-file-status { color: #1e7a46; }
.dz-bar { grid-column: 1 / 3; height: 6px; border-radius: 3px; background: #e9eef5;
  overflow: hidden; }
.dz-bar > span { display: block; height: 100%; width: 0; background: #2f6fde;
  transition: width .2s; }
.dz-bar.indeterminate > span { width: 30%; animation: dz-slide 1.1s ease-in-out infinite; }
.dz-file.ready .dz-bar > span { background: #1e7a46; }
@keyframes dz-slide { from { margin-left: -30%; } to { margin-left: 100%; } }
.dz-file button { grid-row: 1 / 3; grid-column: 2; font: inherit; font-size: 12.5px;
  border: 1px solid #cfd8e3; background: #fff; color: #1d2733; border-radius: 6px;
  padding: 3px 10px; cursor: pointer; }
.dz-file button:hover { background: #fdf3f2; border-color: #f1c4c0; color: #b3261e; }
.dz-file button.dz-dismiss:hover { background: #eef3f9; border-color: #cfd8e3; color: #1d2733; }
.dz-message { margin-top: 8px; font-size: 13px; color: #b3261e; }
@media (prefers-reduced-motion: reduce) { .dz-bar.indeterminate > span { animation: none;
  width: 100%; opacity: .4; } }
"""

_ESM = r"""
const ICON = '<svg width="22" height="22" viewBox="0 0 24 24" fill="none" stroke="currentColor" ' +
  'stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">' +
  '<path d="M12 16V4"/><path d="m7 9 5-5 5 5"/><path d="M4 16v3a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-3"/></svg>'

function fmtBytes(n) {
  if (n == null) return ""
  const units = ["bytes", "KB", "MB", "GB", "TB"]
  let i = 0, v = n
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
  return i === 0 ? `${v} bytes` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`
}

function problemText(xhr) {
  try {
    const body = JSON.parse(xhr.responseText)
    if (body && typeof body === "object") return body
  } catch (e) { /* not JSON */ }
  return {detail: xhr.status ? `The server answered ${xhr.status} ${xhr.statusText}.` :
          "The connection to the server was lost."}
}

export function render({ model, el }) {
  let counter = 0
  const files = []          // {key, file, name, size, state, loaded, xhr, sourceId, message}
  const MAX_PARALLEL = 3

  const zone = document.createElement("div")
  zone.className = "dz"
  zone.tabIndex = 0
  zone.setAttribute("role", "button")
  const input = document.createElement("input")
  input.type = "file"
  input.className = "dz-input"
  zone.innerHTML = `<div class="dz-icon">${ICON}</div>` +
    `<div class="dz-title"></div><div class="dz-hint"></div>`
  zone.append(input)
  const message = document.createElement("div")
  message.className = "dz-message"
  message.setAttribute("role", "alert")
  message.hidden = true
  const list = document.createElement("ul")
  list.className = "dz-files"
  list.setAttribute("aria-live", "polite")
  el.append(zone, message, list)

  function accepted() { return (model.accept || []).map((a) => a.toLowerCase()) }

  function syncStatic() {
    zone.classList.toggle("compact", !!model.compact)
    zone.classList.toggle("disabled", !!model.disabled)
    zone.setAttribute("aria-disabled", model.disabled ? "true" : "false")
    zone.setAttribute("aria-label", model.title)
    input.multiple = !!model.multiple
    input.accept = accepted().join(",")
    input.disabled = !!model.disabled
    const title = zone.querySelector(".dz-title")
    title.innerHTML = ""
    title.append(document.createTextNode(model.title + " "))
    const browse = document.createElement("span")
    browse.className = "dz-browse"
    browse.textContent = "or browse"
    title.append(browse)
    const limit = model.max_bytes ? ` · up to ${fmtBytes(model.max_bytes)} each` : ""
    zone.querySelector(".dz-hint").textContent = (model.hint || accepted().join(" ")) + limit
  }

  function showMessage(text) {
    message.textContent = text || ""
    message.hidden = !text
  }

  function refuse(file) {
    const name = file.name
    const lower = name.toLowerCase()
    if (!accepted().some((ext) => lower.endsWith(ext))) {
      return `“${name}” is not a supported file type; use ${accepted().join(", ")}.`
    }
    if (model.max_bytes && file.size > model.max_bytes) {
      return `“${name}” is ${fmtBytes(file.size)}; the limit is ${fmtBytes(model.max_bytes)}.`
    }
    if (file.size === 0) return `“${name}” is empty.`
    return null
  }

  function active() { return files.filter((f) => f.state === "sending" || f.state === "checking") }

  function publishActive() {
    const n = files.filter((f) => ["waiting", "sending", "checking"].includes(f.state)).length
    if (model.active !== n) model.active = n
  }

  function add(fileList) {
    if (model.disabled) return
    let picked = Array.from(fileList || [])
    if (!model.multiple) picked = picked.slice(0, 1)
    const refused = []
    for (const file of picked) {
      const reason = refuse(file)
      if (reason) { refused.push(reason); continue }
      files.push({key: ++counter, file, name: file.name, size: file.size, state: "waiting",
                  loaded: 0})
    }
    showMessage(refused.join(" "))
    if (refused.length) model.send_msg({type: "refused", reasons: refused})
    pump()
    draw()
  }

  function pump() {
    while (active().length < MAX_PARALLEL) {
      const next = files.find((f) => f.state === "waiting")
      if (!next) break
      send(next)
    }
    publishActive()
  }

  function finish(item, state, text) {
    item.state = state
    item.message = text
    item.xhr = null
    pump()
    draw()
  }

  function send(item) {
    const xhr = new XMLHttpRequest()
    item.xhr = xhr
    item.state = "sending"
    const url = new URL(model.upload_url, window.location.href)
    for (const [k, v] of Object.entries(model.query || {})) url.searchParams.set(k, v)
    xhr.open("POST", url.toString())
    xhr.responseType = "text"
    xhr.withCredentials = true
    if (model.csrf) xhr.setRequestHeader("X-CSRF-Token", model.csrf)
    xhr.setRequestHeader("Accept", "application/json")
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        item.loaded = Math.min(item.size, Math.round(item.size * e.loaded / e.total))
        draw()
      }
    }
    xhr.upload.onload = () => { item.loaded = item.size; item.state = "checking"; draw() }
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        let body = {}
        try { body = JSON.parse(xhr.responseText || "{}") } catch (e) { body = {} }
        item.sourceId = body.id || null
        item.loaded = item.size
        finish(item, item.sourceId && model.track ? "processing" : "done", null)
        model.send_msg({type: "uploaded", key: item.key, name: item.name, status: xhr.status,
                        body})
        if (!model.track) setTimeout(() => remove(item), 2500)
      } else {
        const problem = problemText(xhr)
        finish(item, "failed", problem.detail || problem.title || "The upload failed.")
        model.send_msg({type: "failed", key: item.key, name: item.name, status: xhr.status,
                        problem})
      }
    }
    xhr.onerror = () => {
      finish(item, "failed", "The connection to the server was lost; nothing was kept.")
      model.send_msg({type: "failed", key: item.key, name: item.name, status: 0,
                      problem: {detail: item.message}})
    }
    xhr.onabort = () => {
      finish(item, "cancelled", "Cancelled; nothing was kept.")
      model.send_msg({type: "cancelled", key: item.key, name: item.name})
      setTimeout(() => remove(item), 2500)
    }
    const form = new FormData()
    form.append("file", item.file, item.name)
    xhr.send(form)
  }

  function cancel(item) {
    if (item.state === "waiting") {
      finish(item, "cancelled", "Cancelled before it started.")
      setTimeout(() => remove(item), 2500)
    } else if (item.xhr) {
      item.xhr.abort()
    }
  }

  function remove(item) {
    const i = files.indexOf(item)
    if (i >= 0) files.splice(i, 1)
    publishActive()
    draw()
  }

  function stageOf(item) {
    return item.sourceId ? (model.stages || {})[item.sourceId] : null
  }

  function statusText(item) {
    switch (item.state) {
      case "waiting": return `Waiting · ${fmtBytes(item.size)}`
      case "sending": {
        const pct = item.size ? Math.floor(100 * item.loaded / item.size) : 0
        return `Uploading · ${fmtBytes(item.loaded)} of ${fmtBytes(item.size)} (${pct}%)`
      }
      case "checking": return `Uploaded ${fmtBytes(item.size)} · ${model.checking_label}`
      case "processing": {
        const stage = stageOf(item)
        if (stage && stage.state === "ready") return stage.label || "Ready"
        if (stage && stage.state === "failed") return stage.label || "Failed"
        return `Uploaded ${fmtBytes(item.size)} · ${stage && stage.label || "Queued for reading"}`
      }
      case "done": return item.message || `Uploaded ${fmtBytes(item.size)}`
      default: return item.message || ""
    }
  }

  function barOf(item) {
    if (item.state === "waiting") return 0
    if (item.state === "sending") return item.size ? item.loaded / item.size : null
    if (item.state === "checking") return null
    if (item.state === "processing") {
      const stage = stageOf(item)
      if (stage && stage.state === "ready") return 1
      if (stage && stage.state === "failed") return undefined
      return stage && stage.fraction != null ? stage.fraction : null
    }
    if (item.state === "done") return 1
    return undefined
  }

  function cssState(item) {
    const stage = item.state === "processing" ? stageOf(item) : null
    if (stage && (stage.state === "ready" || stage.state === "failed")) return stage.state
    return item.state
  }

  function draw() {
    for (const item of files) {
      const stage = stageOf(item)
      if (item.state === "processing" && stage && stage.state === "ready" && !item.leaving) {
        item.leaving = true
        setTimeout(() => remove(item), 6000)
      }
    }
    list.replaceChildren(...files.map((item) => {
      const li = document.createElement("li")
      li.className = `dz-file ${cssState(item)}`
      li.dataset.state = cssState(item)
      li.dataset.name = item.name
      const name = document.createElement("div")
      name.className = "dz-file-name"
      name.textContent = item.name
      name.title = item.name
      const status = document.createElement("div")
      status.className = "dz-file-status"
      status.textContent = statusText(item)
      li.append(name)
      if (["waiting", "sending"].includes(item.state)) {
        const btn = document.createElement("button")
        btn.type = "button"
        btn.className = "dz-cancel"
        btn.textContent = "Cancel"
        btn.setAttribute("aria-label", `Cancel upload of ${item.name}`)
        btn.addEventListener("click", (e) => { e.stopPropagation(); cancel(item) })
        li.append(btn)
      } else if (["failed", "cancelled"].includes(cssState(item))) {
        const btn = document.createElement("button")
        btn.type = "button"
        btn.className = "dz-dismiss"
        btn.textContent = "Dismiss"
        btn.addEventListener("click", (e) => { e.stopPropagation(); remove(item) })
        li.append(btn)
      }
      li.append(status)
      const fraction = barOf(item)
      if (fraction !== undefined) {
        const bar = document.createElement("div")
        bar.className = "dz-bar" + (fraction === null ? " indeterminate" : "")
        bar.setAttribute("role", "progressbar")
        bar.setAttribute("aria-label", `Progress of ${item.name}`)
        const fill = document.createElement("span")
        if (fraction !== null) {
          fill.style.width = `${Math.round(100 * fraction)}%`
          bar.setAttribute("aria-valuenow", String(Math.round(100 * fraction)))
        }
        bar.append(fill)
        li.append(bar)
      }
      return li
    }))
  }

  zone.addEventListener("click", () => { if (!model.disabled) input.click() })
  zone.addEventListener("keydown", (e) => {
    if ((e.key === "Enter" || e.key === " ") && !model.disabled) { e.preventDefault(); input.click() }
  })
  input.addEventListener("click", (e) => e.stopPropagation())
  input.addEventListener("change", () => { add(input.files); input.value = "" })
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (e) => {
      e.preventDefault()
      if (!model.disabled) zone.classList.add("over")
    })
  }
  zone.addEventListener("dragleave", () => zone.classList.remove("over"))
  zone.addEventListener("drop", (e) => {
    e.preventDefault()
    zone.classList.remove("over")
    add(e.dataTransfer && e.dataTransfer.files)
  })

  model.on(["title", "hint", "accept", "max_bytes", "multiple", "disabled", "compact"], syncStatic)
  model.on("stages", draw)
  model.on("msg:custom", (msg) => { if (msg && msg.type === "clear") showMessage("") })
  syncStatic()
  draw()
}
"""


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
    _esm = _ESM
    _stylesheets = [_CSS]

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
