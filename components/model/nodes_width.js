const DRAWN_FALLBACK_MS = 2000;

export function render({ model, el }) {
  el.style.height = "0";
  const host = el.getRootNode().host || el;
  const report = () => {
    const width = Math.round(host.getBoundingClientRect().width);
    if (width > 0 && width !== model.pane_width) model.pane_width = width;
  };
  const observer = new ResizeObserver(report);
  observer.observe(host);
  report();
  // Normally a table's column list says when the canvas is drawn (nodes_columns.js); a canvas
  // with no table, or one that never draws, says so after a while, so nothing waits forever.
  const fallback = setTimeout(() => model.send_msg({ drawn: true }), DRAWN_FALLBACK_MS);
  model.on("remove", () => {
    observer.disconnect();
    clearTimeout(fallback);
  });
}
