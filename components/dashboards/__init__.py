"""Dashboard components: the grid canvas, widget views, the widget builder and exports.

A widget tile (:class:`WidgetView`) and the side panel that builds or edits a widget on the
semantic model (:class:`WidgetBuilder`); :mod:`.export` saves a layout as one HTML file.
The page wires the first two::

    view = WidgetView(widget=widget, data=None, model=model,           # None: loading
                      on_select=cross_filter,      # (widget_id, field, value, additive)
                      menu={"Export CSV": export_csv, "Edit": edit, "Remove": remove})
    view.data = widget_data                        # a WidgetData from the evaluation

    builder = WidgetBuilder(model=model, run=run_query,   # run(SemanticQuery) -> QueryResult
                            on_save=put_widget, on_cancel=close_panel)
    builder.widget = existing                      # edit; builder.reset() for a new one
"""

from __future__ import annotations

from .builder import WidgetBuilder
from .builder_query import KIND_LABELS
from .view import WidgetView

__all__ = ["KIND_LABELS", "WidgetBuilder", "WidgetView"]
