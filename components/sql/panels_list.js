const LABELS = { run: "Run", dashboard: "Dashboard…", delete: "Delete" }
// What a short label means, for the tooltip and screen readers.
const NAMES = { dashboard: "Add to dashboard…" }

export function render({ model, el }) {
  const list = document.createElement("ul")
  list.className = "ql"
  el.append(list)

  function send(action, id) { model.send_msg({ type: "action", action, id }) }

  function draw() {
    const items = model.items || []
    if (!items.length) {
      const li = document.createElement("li")
      li.className = "ql-empty"
      li.textContent = model.empty_text
      list.replaceChildren(li)
      return
    }
    list.replaceChildren(...items.map((item) => {
      const li = document.createElement("li")
      li.className = `ql-item ${item.state || ""}`
      li.dataset.id = item.id
      const load = document.createElement("button")
      load.type = "button"
      load.className = "ql-load"
      load.title = `Load into the editor:\n${item.sql || ""}`
      if (item.title) {
        const title = document.createElement("span")
        title.className = "ql-title"
        title.textContent = item.title
        load.append(title)
      }
      const sql = document.createElement("span")
      sql.className = "ql-sql"
      sql.textContent = (item.sql || "").replace(/\s+/g, " ").trim()
      const detail = document.createElement("span")
      detail.className = "ql-detail"
      detail.textContent = item.detail || ""
      load.append(sql, detail)
      load.addEventListener("click", () => send("load", item.id))
      li.append(load)
      for (const action of model.actions) {
        if (action === "load") continue
        const button = document.createElement("button")
        button.type = "button"
        button.className = `ql-act ${action}`
        button.textContent = LABELS[action] || action
        const name = NAMES[action] || LABELS[action] || action
        if (NAMES[action]) button.title = name
        button.setAttribute("aria-label", `${name}: ${item.title || item.sql}`)
        button.addEventListener("click", () => send(action, item.id))
        li.append(button)
      }
      return li
    }))
  }

  model.on(["items", "actions", "empty_text"], draw)
  draw()
}
