"""The CSS and JavaScript files that sit next to a component's Python module.

Front-end code lives in sibling files, never in Python strings (``cards.py`` + ``cards_body.css``):
linters and editors see it as CSS or JavaScript. Two conventions, one per kind of component:

- a :class:`panel.custom.JSComponent` names its files the way Panel resolves them,
  ``_esm = "upload.js"`` and ``_stylesheets = ["upload.css"]`` (relative to the module; served
  by Panel's component resource route, read inline in a notebook);
- a plain pane or widget takes ``stylesheets=[NAME]`` where ``NAME = read_asset(__file__, ...)``
  was read once at import.

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
