export function render({ model, el }) {
  const filter = document.createElement("input")
  filter.type = "search"
  filter.className = "sb-filter"
  filter.placeholder = "Filter tables and columns"
  filter.setAttribute("aria-label", "Filter tables and columns")
  const list = document.createElement("ul")
  list.className = "sb-tables"
  el.append(filter, list)
  const open = new Set()

  function pick(name) { model.send_msg({ type: "pick", name }) }

  function draw() {
    const query = filter.value.trim().toLowerCase()
    const tables = model.tables || []
    const items = []
    tables.forEach((table, i) => {
      const tableHit = !query || table.name.toLowerCase().includes(query)
      const columns = table.columns.filter(
        (c) => tableHit || c[0].toLowerCase().includes(query))
      if (!tableHit && !columns.length) return
      const li = document.createElement("li")
      li.className = "sb-table"
      li.dataset.table = table.name
      const details = document.createElement("details")
      details.open = query ? true : (open.has(table.name) || (open.size === 0 && i === 0))
      details.addEventListener("toggle", () => {
        if (details.open) open.add(table.name); else open.delete(table.name)
      })
      const summary = document.createElement("summary")
      summary.setAttribute("aria-label", `Columns of ${table.name}`)
      const caret = document.createElement("span")
      caret.className = "sb-caret"
      caret.textContent = "▸"
      caret.setAttribute("aria-hidden", "true")
      const name = document.createElement("button")
      name.type = "button"
      name.className = "sb-name"
      name.textContent = table.name
      name.title = `Insert ${table.name}`
      name.addEventListener("click", (e) => { e.preventDefault(); pick(table.name) })
      const count = document.createElement("span")
      count.className = "sb-count"
      count.textContent = `${table.columns.length} col${table.columns.length === 1 ? "" : "s"}`
      summary.append(caret, name, count)
      const cols = document.createElement("ul")
      cols.className = "sb-cols"
      for (const [col, type] of columns) {
        const item = document.createElement("li")
        const button = document.createElement("button")
        button.type = "button"
        button.className = "sb-col"
        button.dataset.column = col
        button.title = `Insert ${col}`
        const n = document.createElement("span")
        n.className = "sb-col-name"
        n.textContent = col
        const t = document.createElement("span")
        t.className = "sb-col-type"
        t.textContent = type
        button.append(n, t)
        button.addEventListener("click", () => pick(col))
        item.append(button)
        cols.append(item)
      }
      details.append(summary, cols)
      li.append(details)
      items.push(li)
    })
    if (!items.length) {
      const li = document.createElement("li")
      li.className = "sb-empty"
      li.textContent = tables.length ? "Nothing matches the filter." : "No tables."
      items.push(li)
    }
    list.replaceChildren(...items)
  }

  filter.addEventListener("input", draw)
  model.on("tables", draw)
  draw()
}
