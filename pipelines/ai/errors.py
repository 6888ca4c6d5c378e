"""One error type for every provider failure a user can meet, with a message they can act on.

A :class:`ProviderError` carries a ``kind`` (what went wrong, in the user's terms) and a message
written by DataPilot, never the provider's own text: providers echo parts of the API key in
their error bodies (OpenAI's ``Incorrect API key provided: sk-ab***yz``), so their wording is
kept out of messages, reprs and exception chains. The one exception, a bad request, quotes the
provider's detail after :func:`scrub` has removed anything key-like.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping
from typing import Literal

ErrorKind = Literal[
    "auth",
    "quota",
    "rate_limited",
    "unknown_model",
    "context_too_long",
    "unavailable",
    "timeout",
    "bad_request",
    "bad_response",
]

#: The kinds worth another attempt: the provider may answer differently in a moment.
RETRYABLE: frozenset[ErrorKind] = frozenset({"rate_limited", "unavailable"})

# Key-shaped tokens in any provider's text: ``sk-…``, ``sk-ant-…``, ``sk-proj-…``, bearer values.
_KEY_LIKE = re.compile(r"(?i)\b(?:sk|pk|rk|key|token|bearer)[-_ ][\w*.\-]{4,}")
_FRAGMENT = 6  # a run of this many characters shared with the key marks a token as key-derived
_DETAIL_MAX = 300


class ProviderError(Exception):
    """A provider call failed; ``str(error)`` is the user message and never holds the API key.

    Attributes
    ----------
    kind : ErrorKind
        What went wrong: ``auth`` (key refused or not allowed), ``quota`` (no credit or quota
        left), ``rate_limited``, ``unknown_model``, ``context_too_long``, ``unavailable``
        (provider down, overloaded or unreachable), ``timeout``, ``bad_request`` (the provider
        refused the request for another reason) or ``bad_response`` (an answer DataPilot could
        not read).
    message : str
        The user message.
    status : int or None
        The HTTP status, when there was one.
    retry_after : float or None
        Seconds the provider asked us to wait before trying again, when it said.
    """

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.status = status
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        """Whether another attempt may succeed (rate limits and unavailability)."""
        return self.kind in RETRYABLE

    def __repr__(self) -> str:
        return (
            f"ProviderError(kind={self.kind!r}, status={self.status!r}, message={self.message!r})"
        )


def scrub(text: str, secret: str | None, *, limit: int = _DETAIL_MAX) -> str:
    """``text`` without the secret, any token sharing a run of its characters, or key-like tokens.

    Parameters
    ----------
    text : str
        Text from a provider (an error detail).
    secret : str or None
        The API key in use, if any.
    limit : int
        Longest result; longer text is cut with an ellipsis.

    Returns
    -------
    str
        The cleaned text.
    """
    if secret:
        text = text.replace(secret, "[redacted]")
        fragments = {secret[i : i + _FRAGMENT] for i in range(max(len(secret) - _FRAGMENT + 1, 0))}
        if fragments:
            text = re.sub(
                r"\S+",
                lambda m: "[redacted]" if any(f in m.group() for f in fragments) else m.group(),
                text,
            )
    text = _KEY_LIKE.sub("[redacted]", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """The wait a response asks for: ``retry-after-ms``, or ``retry-after`` in seconds or a date.

    Parameters
    ----------
    headers : Mapping[str, str] or None
        The response headers (case-insensitive mapping, as httpx gives).

    Returns
    -------
    float or None
        Seconds to wait (never negative), or None when the response did not say.
    """
    if headers is None:
        return None
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        try:
            return max(float(milliseconds) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(float(email.utils.mktime_tz(parsed) - time.time()), 0.0)


def mentions_context_limit(text: str) -> bool:
    """Whether a provider's error text says the prompt does not fit the model's context."""
    lowered = text.lower()
    return any(
        phrase in lowered
        for phrase in (
            "prompt is too long",
            "context length",
            "context_length",
            "context size",
            "context window",
            "too many tokens",
            "maximum context",
            "exceed_context",
        )
    )


def mentions_credit(text: str) -> bool:
    """Whether a provider's error text is about billing: credit balance, quota, payment."""
    lowered = text.lower()
    return any(
        phrase in lowered
        for phrase in (
            "credit balance",
            "insufficient_quota",
            "exceeded your current quota",
            "billing",
        )
    )


def upper_first(text: str) -> str:
    """``text`` with its first letter capitalised (a provider label starting a sentence)."""
    return text[:1].upper() + text[1:]


def rate_limited(label: str, status: int | None, wait: float | None) -> ProviderError:
    """The rate-limit error, saying how long the provider asked to wait when it did."""
    after = f" It asks to wait {wait:.0f} s." if wait is not None and wait >= 1 else ""
    return ProviderError(
        "rate_limited",
        f"{label} is limiting how often this key may ask (rate limit).{after} Wait a minute and "
        "try again.",
        status=status,
        retry_after=wait,
    )


def unavailable(label: str, status: int | None, wait: float | None = None) -> ProviderError:
    """The error for a provider that is down or overloaded."""
    return ProviderError(
        "unavailable",
        f"{label} is overloaded or down{f' (HTTP {status})' if status else ''}. Try again in a "
        "few minutes.",
        status=status,
        retry_after=wait,
    )


def timed_out(label: str, timeout: float) -> ProviderError:
    """The error for a provider that did not answer within ``timeout`` seconds."""
    return ProviderError(
        "timeout",
        f"{label} did not answer within {timeout:g} s. Try again; if it keeps "
        "happening, ask a shorter question or raise the AI timeout.",
    )
