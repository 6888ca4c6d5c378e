function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script")
    script.src = src
    script.onload = resolve
    script.onerror = reject
    document.head.append(script)
  })
}

async function ensureAce(base) {
  if (!window.ace) await loadScript(`${base}/ace.js`)
  let tools = null
  try { tools = window.ace.require("ace/ext/language_tools") } catch (e) { tools = null }
  if (!tools) await loadScript(`${base}/ext-language_tools.js`)
  return window.ace
}

const COMPLETER_ID = "datapilot"
const FONT_SIZE = "14px"
const LINE_HEIGHT = "21px"
const IDENT = /[A-Za-z0-9_$\u00A2-\uFFFF]/
const NOT_ALIAS = new Set(["on", "using", "where", "join", "left", "right", "inner", "outer",
  "full", "cross", "natural", "group", "order", "limit", "having", "union", "window", "qualify",
  "as", "select", "lateral", "positional", "asof", "anti", "semi"])

function unquote(name) {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name
}

// Names that stand for a table in this statement: "FROM orders o", "JOIN customers AS c".
function aliases(text) {
  const found = {}
  const re = /\b(?:from|join)\s+("(?:[^"]|"")+"|[A-Za-z_][\w$]*)(?:\s+(?:as\s+)?("(?:[^"]|"")+"|[A-Za-z_][\w$]*))?/gi
  let m
  while ((m = re.exec(text)) !== null) {
    const table = unquote(m[1]).toLowerCase()
    found[table] = table
    if (m[2] && !NOT_ALIAS.has(m[2].toLowerCase())) found[unquote(m[2]).toLowerCase()] = table
  }
  return found
}

function qualifierBefore(line) {
  // The identifier (or quoted name) right before a trailing dot, if any.
  const m = /("(?:[^"]|"")+"|[A-Za-z_][\w$]*)\.$/.exec(line)
  return m ? unquote(m[1]).toLowerCase() : null
}

// Ace also offers scattered matches ("vente" in "levenshtein"), and draws each piece of them
// shortened with an ellipsis, so that "date_de_vente" could read "…vent…". Only names that
// contain the typed text are offered here (other editors' completers keep Ace's rule).
function onlyWholeMatches(FilteredList) {
  const proto = FilteredList.prototype
  if (proto.dpWholeMatches) return
  const filter = proto.filterCompletions
  proto.filterCompletions = function (items, needle) {
    return filter.call(this, items, needle).filter((item) =>
      item.completerId !== COMPLETER_ID || !item.matchMask)
  }
  proto.dpWholeMatches = true
}

function ours(items) {
  for (const item of items) item.completerId = COMPLETER_ID
  return items
}

// The popup is drawn in the document, outside this component's shadow root.
function addPopupStyle(css) {
  if (!css || document.getElementById("dp-sql-popup-style")) return
  const style = document.createElement("style")
  style.id = "dp-sql-popup-style"
  style.textContent = css
  document.head.append(style)
}

export async function render({ model, el }) {
  const box = document.createElement("div")
  box.className = "dp-sql-box"
  const host = document.createElement("div")
  host.className = "dp-sql-ace"
  const hint = document.createElement("div")
  hint.className = "dp-sql-placeholder"
  box.append(host, hint)
  el.append(box)
  const ace = await ensureAce(model.ace_base_url)
  const Range = ace.require("ace/range").Range
  const editor = ace.edit(host)
  editor.renderer.attachToShadowRoot()
  editor.session.setMode("ace/mode/sql")
  editor.setOptions({
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    fontSize: FONT_SIZE,
    showPrintMargin: false,
    highlightActiveLine: true,
    tabSize: 2,
    useSoftTabs: true,
    wrap: false,
    enableSnippets: false,
  })
  // Ace clips each line to its box (CSS containment): with the font's own line height, the
  // underscores of DejaVu Sans Mono (Debian's monospace) fell outside it and were not drawn.
  editor.container.style.lineHeight = LINE_HEIGHT
  editor.renderer.updateFontSize()
  const textarea = editor.textInput.getElement()
  textarea.setAttribute("aria-label", model.label || "SQL editor")
  let applying = false

  // Set by a run, cleared by the next change: a live-completion timer started by the last
  // keystroke must not open the popup over the result.
  let ran = false
  const completer = {
    id: COMPLETER_ID,
    identifierRegexps: [IDENT],
    triggerCharacters: ["."],
    getCompletions(ed, session, pos, prefix, callback) {
      // "1" is a number being typed, not the start of log10().
      const live = Boolean(ed.completer && ed.completer.autoShown)
      if ((ran && live) || /^[0-9]/.test(prefix)) { callback(null, []); return }
      const catalog = model.catalog || {}
      const line = session.getLine(pos.row).slice(0, pos.column - prefix.length)
      const qualifier = qualifierBefore(line)
      if (qualifier !== null) {
        const columns = catalog.columns || {}
        const table = columns[qualifier] ? qualifier : aliases(session.getValue())[qualifier]
        callback(null, ours((table && columns[table]) || []))
        return
      }
      callback(null, ours(catalog.words || []))
    },
  }
  editor.setOptions({
    enableBasicAutocompletion: [completer],
    enableLiveAutocompletion: [completer],
    liveAutocompletionDelay: 80,
  })
  editor.completers = [completer]
  const popup = ace.require("ace/autocomplete")
  onlyWholeMatches(popup.FilteredList)
  const autocomplete = popup.Autocomplete.for(editor)
  const init = autocomplete.$init.bind(autocomplete)
  autocomplete.$init = () => {
    const made = init()
    made.container.classList.add("dp-sql-popup")
    return made
  }
  addPopupStyle(model.popup_css)
  function closePopup() {
    ran = true
    if (editor.completer) editor.completer.detach()
  }

  editor.commands.addCommand({
    name: "datapilotRun",
    bindKey: { win: "Ctrl-Enter", mac: "Command-Enter|Ctrl-Enter" },
    exec: () => {
      closePopup()
      const sql = editor.getValue()
      if (model.value !== sql) model.value = sql
      model.send_msg({ type: "run", sql })
    },
  })

  function syncHint() {
    hint.textContent = editor.getValue() ? "" : model.placeholder
  }
  editor.session.on("change", () => {
    ran = false
    syncHint()
    if (applying) return
    const sql = editor.getValue()
    if (model.value !== sql) model.value = sql
  })
  model.on("value", () => {
    if (editor.getValue() === model.value) return
    applying = true
    try { editor.session.setValue(model.value || "") } finally { applying = false }
    syncHint()
  })
  model.on("placeholder", syncHint)
  model.on("readonly", () => editor.setReadOnly(model.readonly))

  let marker = null
  function showError() {
    if (marker !== null) { editor.session.removeMarker(marker); marker = null }
    const err = model.error || {}
    if (!err.message) { editor.session.clearAnnotations(); return }
    const line = Math.max(1, err.line || 1)
    const row = Math.min(line, editor.session.getLength()) - 1
    const text = editor.session.getLine(row)
    const start = Math.max(0, (err.column || 1) - 1)
    let endRow = row
    let end
    if (err.end_line && err.end_column) {
      endRow = Math.min(err.end_line, editor.session.getLength()) - 1
      end = err.end_column - 1
    } else {
      end = start
      while (end < text.length && /[\w$"]/.test(text[end])) end++
      if (end === start) end = Math.min(text.length, start + 1)
    }
    if (endRow === row && end <= start) end = start + 1
    editor.session.setAnnotations([{ row, column: start, text: err.message, type: "error" }])
    marker = editor.session.addMarker(new Range(row, start, endRow, end), "dp-sql-error-mark", "text", false)
  }
  model.on("error", showError)

  model.on("msg:custom", (msg) => {
    if (!msg) return
    if (msg.type === "set") {
      applying = true
      try { editor.session.setValue(msg.text || "") } finally { applying = false }
      syncHint()
      if (model.value !== editor.getValue()) model.value = editor.getValue()
      editor.navigateFileEnd()
      editor.focus()
    } else if (msg.type === "insert") {
      editor.insert(msg.text || "")
      editor.focus()
    } else if (msg.type === "run") {
      // A Run button elsewhere: answer with the text as it is here, not as last synced.
      closePopup()
      const sql = editor.getValue()
      if (model.value !== sql) model.value = sql
      model.send_msg({ type: "run", sql })
    } else if (msg.type === "focus") {
      editor.focus()
    } else if (msg.type === "goto") {
      editor.gotoLine(msg.line || 1, Math.max(0, (msg.column || 1) - 1), true)
      editor.focus()
    }
  })
  model.on("resize", () => editor.resize())
  model.on("after_layout", () => editor.resize())
  model.on("remove", () => editor.destroy())

  applying = true
  editor.session.setValue(model.value || "")
  applying = false
  editor.setReadOnly(model.readonly)
  syncHint()
  showError()
  editor.resize()
  if (model.autofocus) editor.focus()
}
