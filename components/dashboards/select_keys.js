// Body of the Bokeh CustomJS run when the pointer enters a dashboard chart
// (components/dashboards/select.py). Bokeh's tap event knows Ctrl but not Cmd (the Meta key),
// so once per page a capturing listener remembers whether Ctrl or Cmd was held at the last
// pointer press; select_tap.js reads it.
if (!window.dpChartKeys) {
  window.dpChartKeys = {additive: false};
  window.addEventListener("pointerdown", (event) => {
    window.dpChartKeys.additive = Boolean(event.ctrlKey || event.metaKey);
  }, true);
}
