"""A text widget's Markdown as safe HTML: raw HTML in it is shown as text, never run."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# "js-default": CommonMark with raw HTML off, so "<script>" stays literal text; links with
# javascript:, vbscript: or data: URLs are refused by markdown-it's own link validation.
_MARKDOWN = MarkdownIt("js-default").enable("table").enable("strikethrough")


def markdown_html(text: str) -> str:
    """The HTML of ``text`` (Markdown). Raw HTML is escaped and the output is cleaned again
    (nh3) so no script, event handler or script URL can reach the page."""
    return nh3.clean(_MARKDOWN.render(text or ""), link_rel="noopener noreferrer nofollow")
