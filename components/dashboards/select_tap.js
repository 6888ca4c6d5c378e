// Body of the Bokeh CustomJS run by a dashboard chart's TapTool (components/dashboards/select.py).
// `cb_obj` is the TapTool, `cb_data` holds the clicked `source` and `event.modifiers`.
// It tells the server which data row was clicked and whether Ctrl (or Cmd on a Mac, seen by
// select_keys.js) was held, by setting the tool's `tags`; the server's on_change handler does
// the rest.
const indices = cb_data.source.inspected.indices;
if (indices.length === 0) {
  return;
}
const modifiers = (cb_data.event && cb_data.event.modifiers) || {};
const keys = window.dpChartKeys || {};
const additive = Boolean(modifiers.ctrl || keys.additive);
cb_obj.tags = [{index: indices[indices.length - 1], additive: additive, at: Date.now()}];
