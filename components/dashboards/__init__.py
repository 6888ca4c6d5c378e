"""Dashboard components: a widget tile (:class:`WidgetView`) and the side panel that builds
or edits a widget on the semantic model (:class:`WidgetBuilder`)."""

from __future__ import annotations

from .builder import WidgetBuilder
from .view import WidgetView

__all__ = ["WidgetBuilder", "WidgetView"]
