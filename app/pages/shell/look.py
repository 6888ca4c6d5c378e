"""The shell's look shared by its parts and the pages: stylesheet, design, icons and buttons.

Panel renders every pane in its own shadow root, so page-level CSS does not reach pane content:
panes and widgets that need the shell's look get ``stylesheets=STYLES``. The phone layout's rules
reach every layout, widget and HTML pane through :class:`ShellDesign` instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import panel as pn
from panel.layout.base import ListPanel
from panel.pane.base import ReplacementPane
from panel.pane.markup import HTMLBasePane
from panel.theme import Bootstrap
from panel.theme.base import Inherit
from panel.widgets.base import Widget

STATIC = Path(__file__).resolve().parents[2] / "static"
"""The folder the server serves at ``/dp-static/``."""
STYLES = ["/dp-static/shell.css"]
SHELL_JS = "/dp-static/shell.js"
"""The template's script: the sidebar on phones, Escape in the sidebar's forms."""
PHONE_STYLES = "/dp-static/phone.css"


class ShellDesign(Bootstrap):
    """Panel's Bootstrap design, plus phone.css in the shadow root of every layout, widget and HTML pane.

    A layout lays out its children in its own shadow root, which page-level CSS cannot reach:
    this is how the @media rules of phone.css stack side-by-side panels and let fixed-width
    children shrink on a phone without each page passing a stylesheet to each layout. phone.css
    holds nothing but rules for narrow screens, so wider screens are unchanged.
    """

    modifiers = {
        ListPanel: {"stylesheets": [Inherit, PHONE_STYLES]},
        # pn.bind / param.depends content renders as a Column of its own.
        ReplacementPane: {"stylesheets": [Inherit, PHONE_STYLES]},
        Widget: {"stylesheets": [Inherit, PHONE_STYLES]},
        HTMLBasePane: {"stylesheets": [Inherit, PHONE_STYLES]},
    }


# Inline 24x24 stroke icons: no icon font, nothing fetched.
ICONS = {
    "sources": '<ellipse cx="12" cy="5.5" rx="8" ry="3"/><path d="M4 5.5v13c0 1.7 3.6 3 8 3s8-1.3 '
    '8-3v-13"/><path d="M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3"/>',
    "model": '<rect x="3" y="3" width="7" height="7" rx="1.5"/><rect x="14" y="14" width="7" '
    'height="7" rx="1.5"/><path d="M10 6.5h4.5a2 2 0 0 1 2 2V14"/>',
    "explore": '<circle cx="11" cy="11" r="7"/><path d="m20.5 20.5-4.5-4.5"/>',
    "sql": '<path d="m8 7-5 5 5 5"/><path d="m16 7 5 5-5 5"/><path d="m14 4-4 16"/>',
    "dashboards": '<rect x="3" y="3" width="8" height="10" rx="1.5"/><rect x="13" y="3" width="8" '
    'height="6" rx="1.5"/><rect x="13" y="11" width="8" height="10" rx="1.5"/><rect x="3" y="15" '
    'width="8" height="6" rx="1.5"/>',
    "settings": '<path d="M4 6h9M17 6h3M4 12h3M11 12h9M4 18h11M19 18h1"/><circle cx="15" cy="6" '
    'r="2"/><circle cx="9" cy="12" r="2"/><circle cx="17" cy="18" r="2"/>',
    "welcome": '<path d="M5 21V4"/><path d="M5 4h11l-2 4 2 4H5"/>',
    "chevron": '<path d="m6 9 6 6 6-6"/>',
    "logout": '<path d="M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3"/><path d="m10 17 5-5-5-5"/>'
    '<path d="M15 12H4"/>',
}


def icon(name: str, size: int = 18) -> str:
    """An inline SVG icon from the shell's small set."""
    return (
        f'<svg class="dp-icon" width="{size}" height="{size}" viewBox="0 0 24 24" fill="none" '
        'stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" '
        f'aria-hidden="true">{ICONS[name]}</svg>'
    )


def button(label: str, css: str, kind: str = "default", **params: Any) -> pn.widgets.Button:
    """A shell-styled button with the CSS class ``css`` (the tests find it by it)."""
    params.setdefault("margin", (2, 4))
    return pn.widgets.Button(
        name=label, button_type=kind, css_classes=[css], stylesheets=STYLES, **params
    )
