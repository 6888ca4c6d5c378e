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
