"""Names in running text: where a long identifier may wrap.

``customers_with_a_long_name`` has no space, so a narrow panel either overflows or, with
``overflow-wrap: anywhere``, cuts it mid-word (``..._name_h`` / ``ere``). :func:`breakable`
escapes the text for HTML and offers a line break after each ``_`` instead; the stylesheets use
``overflow-wrap: break-word``, which cuts a word only when even those breaks do not make it fit.
"""

from __future__ import annotations

import html


def breakable(text: object) -> str:
    """``text`` escaped for HTML, with ``<wbr>`` after each underscore."""
    return html.escape(str(text)).replace("_", "_<wbr>")
