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
