"""Dashboard components: the grid canvas, widget views, the widget builder and exports."""
