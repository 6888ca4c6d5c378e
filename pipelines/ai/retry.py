"""Bounded retries with exponential backoff and jitter, honouring the provider's ``retry-after``.

The SDKs can retry on their own, but they retry a 429 that means "no quota left" (it never
heals), and they wait as long as any ``retry-after`` says (an hour if a server says so). Their
``max_retries`` is therefore 0 and this one policy, shared by every provider, decides instead.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from .errors import ProviderError

T = TypeVar("T")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before trying a call again.

    Attributes
    ----------
    max_retries : int
        Attempts after the first one (2: three requests at most).
    base_delay : float
        Seconds before the first retry; doubled for each next one.
    max_delay : float
        Longest computed wait, in seconds.
    max_retry_after : float
        Longest ``retry-after`` honoured; a provider asking for more fails at once, saying how
        long to wait, rather than holding the user's question.
    sleep : Callable[[float], None]
        How to wait (``time.sleep``).
    """

    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay(self, retry: int, error: ProviderError) -> float | None:
        """Seconds to wait before retry number ``retry`` (1-based), or None to give up."""
        if not error.retryable or retry > self.max_retries:
            return None
        if error.retry_after is not None:
            wait: float = error.retry_after
            return wait if wait <= self.max_retry_after else None
        backoff = min(self.base_delay * 2.0 ** (retry - 1), self.max_delay)
        # Jitter spreads the retries of many sessions hit by the same outage.
        return backoff * (1 - 0.25 * random.random())  # noqa: S311 - not cryptographic


def call_with_retries(
    attempt: Callable[[], T],
    policy: RetryPolicy,
    *,
    label: str,
    may_retry: Callable[[], bool] = lambda: True,
) -> T:
    """Run ``attempt`` until it succeeds or ``policy`` gives up on its :class:`ProviderError`.

    Parameters
    ----------
    attempt : Callable[[], T]
        One call; raises :class:`ProviderError` on failure.
    policy : RetryPolicy
        When and how long to retry.
    label : str
        The provider's name, for the log line.
    may_retry : Callable[[], bool]
        False once retrying would repeat something the caller already saw (streamed text).

    Returns
    -------
    T
        What the first successful attempt returned.
    """
    retry = 0
    while True:
        try:
            return attempt()
        except ProviderError as error:
            retry += 1
            wait = policy.delay(retry, error) if may_retry() else None
            if wait is None:
                raise
            log.info(
                "%s: %s (HTTP %s); retry %d of %d in %.2f s",
                label,
                error.kind,
                error.status,
                retry,
                policy.max_retries,
                wait,
            )
            policy.sleep(wait)
