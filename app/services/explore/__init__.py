"""Explore's store side: conversations, feedback, verified examples, AI limits and audit.

``service`` (:class:`ExploreService`), ``answering`` (the :class:`AnswerFunction` seam and its
placeholder), ``examples`` (verified examples), ``limits`` (rate, monthly budget, audit log).
"""

from __future__ import annotations

from app.services.explore.answering import (
    AnswererMissing,
    AnswerFunction,
    Question,
    answerer_not_installed,
)
from app.services.explore.service import ExploreService

__all__ = [
    "AnswerFunction",
    "AnswererMissing",
    "ExploreService",
    "Question",
    "answerer_not_installed",
]
