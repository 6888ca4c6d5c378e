const BADGES = { dimension: "D", measure: "M", ignored: "\u2013" };
const ROLES = { dimension: "dimension", measure: "measure", ignored: "ignored" };

export function render({ model, el }) {
  const list = document.createElement("div");
  list.className = "dp-cols";
  list.setAttribute("role", "list");
  const draw = () => {
    const rows = (model.columns || []).map((col) => {
      const row = document.createElement("button");
      row.type = "button";
      row.className = `dp-col ${col.role}` + (col.name === model.selected ? " selected" : "");
      row.dataset.column = col.name;
      row.setAttribute("role", "listitem");
      const badge = document.createElement("span");
      badge.className = `dp-badge ${col.role}`;
      badge.textContent = BADGES[col.role] || "?";
      badge.title = ROLES[col.role] || col.role;
      const name = document.createElement("span");
      name.className = "dp-col-name";
      name.textContent = col.label;
      row.append(badge, name);
      if (col.key) {
        const key = document.createElement("span");
        key.className = "dp-col-key";
        key.textContent = "PK";
        key.title = "primary key";
        row.append(key);
      }
      const meta = document.createElement("span");
      meta.className = "dp-col-meta";
      meta.textContent = col.role === "measure" ? col.aggregation : col.type;
      row.append(meta);
      row.title = `${col.name} (${col.type}), ${ROLES[col.role] || col.role}` +
        (col.role === "measure" ? `, ${col.aggregation}` : "") +
        (col.description ? `\n${col.description}` : "");
      row.addEventListener("click", (event) => {
        // Keep the click from the node underneath: it would select the table instead.
        event.stopPropagation();
        model.send_msg({ column: col.name });
      });
      return row;
    });
    list.replaceChildren(...rows);
  };
  draw();
  model.on("columns", draw);
  model.on("selected", draw);
  el.append(list);

  // A click on the node's header (React Flow draws it, outside this view) selects the table;
  // React Flow itself reports nothing when an already selected node is clicked again.
  const attach = (tries) => {
    const host = el.getRootNode().host;
    const node = host && host.closest ? host.closest(".react-flow__node") : null;
    if (!node) {
      if (tries < 200) setTimeout(() => attach(tries + 1), 50);
      return;
    }
    if (node._dpHeaderClick) node.removeEventListener("click", node._dpHeaderClick);
    node._dpHeaderClick = (event) => {
      const onHeader = event.composedPath().some(
        (part) => part.classList && part.classList.contains("rf-node-label")
      );
      if (onHeader) model.send_msg({ header: true });
    };
    node.addEventListener("click", node._dpHeaderClick);
    // The table is on the canvas: say so once it is painted (the page shows its side panels
    // then). One table per canvas says it, not every table of a large model.
    const canvas = node.closest(".react-flow") || node;
    if (!canvas._dpDrawnSaid) {
      canvas._dpDrawnSaid = true;
      requestAnimationFrame(() => model.send_msg({ drawn: true }));
    }
  };
  attach(0);
}
