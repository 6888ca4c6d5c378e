"""How page callbacks report: domain errors as notifications, anything else logged."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

import panel as pn

from app.services.errors import DomainError

log = logging.getLogger("datapilot.pages")


def error_message(exc: BaseException) -> str:
    """What to tell the user about ``exc``: a domain error's own message; anything else is
    logged and said generically (its text may name server internals)."""
    if isinstance(exc, DomainError):
        return str(exc)
    log.error("unexpected error in a page callback", exc_info=exc)
    return "Something went wrong; it has been logged. Try again."


def notify_error(exc: Exception) -> None:
    """Show a domain error as a notification; anything else is logged and shown generically."""
    message = error_message(exc)
    if pn.state.notifications is not None:
        pn.state.notifications.error(html.escape(message), duration=8000)


def notify_success(message: str) -> None:
    """Say that something was done."""
    if pn.state.notifications is not None:
        pn.state.notifications.success(html.escape(message), duration=4000)


def guarded(action: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a callback so a domain error becomes a notification, not a stack trace."""

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return action(*args, **kwargs)
        except Exception as exc:
            notify_error(exc)
            return None

    return run
