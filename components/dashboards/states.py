"""The non-chart parts of a widget tile: header, filter badge, loading, error and text."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from pipelines.dashboards.results import Unreached

from .text import markdown_html


def unreached_badge_html(unreached: Sequence[Unreached]) -> str:
    """A badge "N filter(s) not applied" whose hover text lists each filter and why."""
    if not unreached:
        return ""
    reasons = "\n".join(f"{u.filter_id}: {u.reason}" for u in unreached)
    count = len(unreached)
    text = f"{count} filter{'s' if count != 1 else ''} not applied"
    return (
        f'<span class="dp-widget-unreached" role="note" tabindex="0" '
        f'title="{escape(reasons, quote=True)}" aria-label="{escape(text)}: '
        f'{escape(reasons, quote=True)}">{escape(text)}</span>'
    )


def header_html(title: str, unreached: Sequence[Unreached]) -> str:
    """The title (escaped) and the unreached-filter badge."""
    shown = f'<span class="dp-widget-title">{escape(title)}</span>' if title else ""
    return f'<div class="dp-widget-head">{shown}{unreached_badge_html(unreached)}</div>'


def loading_html(title: str) -> str:
    what = f"Loading {escape(title)}…" if title else "Loading…"
    return (
        f'<div class="dp-widget-loading" role="status" aria-live="polite">'
        f'<span class="dp-widget-spinner"></span>{what}</div>'
    )


def error_html(message: str) -> str:
    return (
        '<div class="dp-widget-error" role="alert"><strong>This widget could not be shown'
        f"</strong>{escape(message or 'Unknown error')}</div>"
    )


def text_html(markdown: str) -> str:
    return f'<div class="dp-widget-text">{markdown_html(markdown)}</div>'


def note_html(text: str) -> str:
    return f'<div class="dp-widget-note">{escape(text)}</div>'
