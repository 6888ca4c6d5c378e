"""The CSS and JavaScript files that sit next to a component's Python module.

Front-end code lives in sibling files, never in Python strings (``upload.py`` + ``upload.js`` +
``upload.css``): linters and editors see it as JavaScript or CSS.

- A :class:`panel.custom.JSComponent` names its module file the way Panel resolves it,
  ``_esm = "upload.js"`` (relative to the Python module; ``panel serve --dev`` reloads it).
- Every stylesheet, a JSComponent's ``_stylesheets`` or a pane's ``stylesheets=[...]``, is the
  file's text read once at import: ``read_asset(__file__, "upload.css")``. It is inlined into the
  component's shadow root, as Panel does with CSS text. (Not the path ``"upload.css"``: Panel
  1.9.4's templates also copy every ``_stylesheets`` entry ending in ``.css`` into the page head
  unresolved, and the browser's request for ``/upload.css`` fails.)

Values the Python code also uses (a row height, a theme colour) are not typed again in the CSS:
the stylesheet uses ``var(--dp-...)`` and :func:`css_variables` declares them from the Python
constants, so the number has one source.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def read_asset(module_file: str, name: str) -> str:
    """The text of the file ``name`` next to the module whose ``__file__`` is ``module_file``."""
    return (Path(module_file).parent / name).read_text(encoding="utf-8")


def css_variables(values: Mapping[str, str]) -> str:
    """A ``:host`` rule declaring CSS custom properties, e.g. ``{"--dp-row-px": "24px"}``.

    Put it before the stylesheet that reads them with ``var(...)``; custom properties inherit
    into nested shadow roots, so child components see them too.
    """
    for name in values:
        if not name.startswith("--"):
            raise ValueError(f"A CSS custom property name starts with '--': {name!r}")
    declarations = " ".join(f"{name}: {value};" for name, value in values.items())
    return f":host {{ {declarations} }}"


TABLE_ROWS_CSS = read_asset(__file__, "table_rows.css")
"""Row colours every Tabulator of the app carries in ``stylesheets`` (readable hover)."""
