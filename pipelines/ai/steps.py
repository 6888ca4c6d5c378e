"""The steps of an answer as it is worked out, reported to whoever waits for it.

Both answerers (:func:`pipelines.ai.answer.answer_question` with a language model and
:func:`pipelines.ai.answer_offline.answer_offline`) take an optional ``on_step(step, detail)``
and call it when a step starts:

``understanding``
    The question is read: the context is built and the model is called (or the offline
    answerer reads it). Again after a refused tool call, with a detail such as
    "attempt 2: the model's query was refused (unknown measure 'orders.revenue')".
``query``
    A query is checked and run (a semantic query or SQL).
``result``
    The rows came back: the chart, the explanation and the model's summary are made.

A clarifying question or a decline ends after ``understanding``. The hook runs in the
answering thread; it must be quick. A hook that raises is logged and ignored: the answer goes
on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final

__all__ = ["QUERY", "RESULT", "STEPS", "UNDERSTANDING", "StepHook", "report"]

log = logging.getLogger(__name__)

StepHook = Callable[[str, str], None]
"""``on_step(step, detail)``: a step of :data:`STEPS` starts; ``detail`` may be empty."""

UNDERSTANDING: Final = "understanding"
QUERY: Final = "query"
RESULT: Final = "result"
STEPS: Final = (UNDERSTANDING, QUERY, RESULT)
MAX_DETAIL = 200


def report(on_step: StepHook | None, step: str, detail: str = "") -> None:
    """Tell ``on_step`` (when given) that ``step`` starts; a failing hook is only logged."""
    if on_step is None:
        return
    text = " ".join(detail.split())
    if len(text) > MAX_DETAIL:
        text = text[: MAX_DETAIL - 1] + "…"
    try:
        on_step(step, text)
    except Exception:
        log.warning("the step hook failed on %r; the answer goes on", step, exc_info=True)
