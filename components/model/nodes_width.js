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
  model.on("remove", () => observer.disconnect());
}
