"""A dashboard as one self-contained HTML file: opens with no server and no network.

Panel's ``save(..., resources=INLINE, embed=True)`` inlines Bokeh's and the extensions'
JavaScript and the data, but every component still names its stylesheets by their address on
Panel's CDN (``https://cdn.holoviz.org/panel/<version>/dist/...``), which a browser without
internet cannot fetch: the layout then collapses; and the scripts of extensions loaded elsewhere
in the process (Ace, for the SQL editor) are named by the server's relative address
(``static/extensions/panel/...``), which a file opened from disk does not have. Each of those
addresses is rewritten to a ``data:`` URL of the same file from the installed Panel wheel. An address whose file the wheel
does not have is an error (it would be a request at opening time), never silently left in.
The application's own files (its page script and stylesheets, e.g. ``/dp-static/phone.css``)
are embedded the same way from the folders the caller names in ``served``.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import panel as pn
from bokeh.resources import INLINE

PANEL_DIST = Path(pn.__file__).parent / "dist"
_CDN = re.compile(
    r"https://cdn\.holoviz\.org/panel/[0-9][^/\"']*/dist/([^\"'?\s)\\]+)(?:\?v=[^\"'\s)\\]*)?"
)
_SERVED = re.compile(
    r"(?<![\w/.])/?static/extensions/panel/([^\"'?\s)\\]+\.(?:js|css))(?:\?v=[^\"'\s)\\]*)?"
)
"""Files Panel's server would serve (an extension's script loaded in this process, e.g. Ace)."""
_MIME = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


class ExportError(RuntimeError):
    """The page could not be made self-contained (names the address at fault)."""


def offline_html(
    layout: pn.viewable.Viewable, title: str, served: Mapping[str, Path] | None = None
) -> str:
    """``layout`` rendered as one HTML document with every script, stylesheet and datum in it.

    ``served`` maps the application's own static prefixes (``"dp-static"``) to their folders.

    Raises
    ------
    ExportError
        When a stylesheet the page names is not in the installed Panel (it could not be
        embedded, and the file would reach for the network).
    """
    buffer = io.StringIO()
    layout.save(buffer, title=title, resources=INLINE, embed=True)
    return embed_panel_assets(buffer.getvalue(), served)


def embed_panel_assets(html: str, served: Mapping[str, Path] | None = None) -> str:
    """``html`` with each address on Panel's CDN, or under a prefix of ``served``, replaced by
    the file's ``data:`` URL."""
    missing: list[str] = []

    def inliner(folder: Path) -> Callable[[re.Match[str]], str]:
        def inline(match: re.Match[str]) -> str:
            path = (folder / match.group(1)).resolve()
            if folder.resolve() not in path.parents or not path.is_file():
                missing.append(match.group(0))
                return match.group(0)
            mime = _MIME.get(path.suffix, "application/octet-stream")
            return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"

        return inline

    embedded = _SERVED.sub(inliner(PANEL_DIST), _CDN.sub(inliner(PANEL_DIST), html))
    for prefix, folder in (served or {}).items():
        own = re.compile(
            rf"(?<![\w/.])/?{re.escape(prefix)}/([^\"'?\s)\\]+\.(?:js|css|svg))(?:\?v=[^\"'\s)\\]*)?"
        )
        embedded = own.sub(inliner(folder), embedded)
    if missing:
        raise ExportError(f"Cannot embed {missing[0]}: no such file is installed.")
    return embedded
