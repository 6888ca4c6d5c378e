"""The provider interface every AI backend implements, and the retry loop they share.

A provider answers a conversation (:meth:`Provider.complete`), lists its models where the API
can, and tests its connection. Adapters implement one attempt (``_complete_once``) and the
translation of their SDK's exceptions into :class:`~pipelines.ai.errors.ProviderError`; this
class adds validation, retries and streaming bookkeeping.

The API key is held privately and never appears in ``repr``, logs or errors.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from .errors import ProviderError, upper_first
from .messages import (
    AUTO,
    Completion,
    ConnectionCheck,
    Message,
    ModelInfo,
    TextCallback,
    ToolChoice,
    ToolSpec,
)
from .retry import RetryPolicy, call_with_retries

T = TypeVar("T")

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_TOKENS = 1024


@dataclass(frozen=True)
class CompletionRequest:
    """One validated call to :meth:`Provider.complete`, as adapters receive it."""

    messages: tuple[Message, ...]
    system: str
    tools: tuple[ToolSpec, ...]
    tool_choice: ToolChoice
    max_tokens: int


class Provider(ABC):
    """A model behind an API: complete a conversation, list models, test the connection.

    Parameters
    ----------
    model : str
        The model to ask (e.g. ``claude-sonnet-4-5`` or ``gpt-4.1-mini``).
    timeout : float
        Seconds to wait for an answer (or between streamed pieces) before failing with
        ``timeout``.
    retry : RetryPolicy or None
        Retries on rate limits and unavailability; None for the default (2 retries).
    """

    #: The kind :func:`~pipelines.ai.factory.make_provider` builds this class for.
    kind: str = ""
    #: Whether :meth:`list_models` asks the API (False: it returns an empty list).
    lists_models: bool = True

    def __init__(
        self,
        *,
        model: str,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not model.strip():
            raise ValueError("a provider needs a model name")
        self.model = model.strip()
        self.timeout = timeout
        self.retry = retry or RetryPolicy()

    @property
    @abstractmethod
    def label(self) -> str:
        """The provider as users know it, for messages (``Anthropic``, ``the server at …``)."""

    def __repr__(self) -> str:
        # Deliberately no key: reprs end up in logs and tracebacks.
        return f"{type(self).__name__}(model={self.model!r})"

    def close(self) -> None:
        """Release the connections the provider keeps open (idempotent)."""
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()

    def __enter__(self) -> Provider:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def complete(
        self,
        messages: Sequence[Message],
        *,
        system: str = "",
        tools: Sequence[ToolSpec] = (),
        tool_choice: ToolChoice = AUTO,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        on_text: TextCallback | None = None,
    ) -> Completion:
        """Ask the model for the next assistant turn.

        Parameters
        ----------
        messages : Sequence[Message]
            The conversation so far, starting with a user turn.
        system : str
            The system prompt.
        tools : Sequence[ToolSpec]
            Tools the model may call.
        tool_choice : ToolChoice
            ``AUTO`` (default), ``REQUIRED``, ``NONE`` or ``ToolChoice.tool(name)``.
        max_tokens : int
            Most tokens to generate.
        on_text : TextCallback or None
            When given, the answer is streamed and each text piece passed here in order.

        Returns
        -------
        Completion
            Text and/or tool calls, usage, model and stop reason.

        Raises
        ------
        ProviderError
            With a message for the user; the key never appears in it.
        """
        request = _validated(messages, system, tools, tool_choice, max_tokens)
        streamed = False

        def emit(text: str) -> None:
            nonlocal streamed
            streamed = True
            if on_text is not None:
                on_text(text)

        return self._call(
            lambda: self._complete_once(request, emit if on_text is not None else None),
            may_retry=lambda: not streamed,
        )

    def list_models(self) -> list[ModelInfo]:
        """The models this key can use, as the API lists them (empty if it cannot)."""
        if not self.lists_models:
            return []
        return self._call(self._list_models_once)

    def test_connection(self) -> ConnectionCheck:
        """Check the key and the model with a cheap call.

        Returns
        -------
        ConnectionCheck
            The provider, the model and the models listed.

        Raises
        ------
        ProviderError
            ``auth``, ``unknown_model`` (the model is not among those listed), ``unavailable``…
        """
        models = self.list_models()
        ids = tuple(model.id for model in models)
        if ids and self.model not in ids:
            raise ProviderError("unknown_model", self.unknown_model_message(ids))
        if not ids:
            # Nothing listed: a one-token answer proves key and model instead.
            self.complete([Message.user("ping")], max_tokens=1)
        return ConnectionCheck(provider=self.label, model=self.model, models=ids)

    def unknown_model_message(self, available: Sequence[str] = ()) -> str:
        """The message for a model the provider does not know, naming some it does."""
        hint = ""
        if available:
            shown = ", ".join(available[:5]) + (", …" if len(available) > 5 else "")
            hint = f" Available: {shown}."
        return (
            f"{upper_first(self.label)} has no model named '{self.model}'. Check the model name in the AI "
            f"settings.{hint}"
        )

    def _call(self, attempt: Callable[[], T], may_retry: Callable[[], bool] = lambda: True) -> T:
        """Run ``attempt`` with the retry policy, translating SDK exceptions on the way."""

        def translated() -> T:
            try:
                return attempt()
            except ProviderError:
                raise
            except Exception as exc:  # each adapter knows its SDK's exceptions
                # ``from None``: the SDK exception's text may quote the key; drop the chain.
                raise self._translate(exc) from None

        return call_with_retries(translated, self.retry, label=self.label, may_retry=may_retry)

    @abstractmethod
    def _complete_once(self, request: CompletionRequest, emit: TextCallback | None) -> Completion:
        """One attempt; streams through ``emit`` when it is given."""

    @abstractmethod
    def _list_models_once(self) -> list[ModelInfo]:
        """One attempt at listing models."""

    @abstractmethod
    def _translate(self, exc: Exception) -> ProviderError:
        """The :class:`ProviderError` for an exception raised by this provider's SDK."""


def _validated(
    messages: Sequence[Message],
    system: str,
    tools: Sequence[ToolSpec],
    tool_choice: ToolChoice,
    max_tokens: int,
) -> CompletionRequest:
    """The call's arguments checked once, before any request, with messages naming the problem."""
    if not messages:
        raise ValueError("a completion needs at least one message")
    if messages[0].role != "user":
        raise ValueError("the conversation must start with a user turn")
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, not {max_tokens}")
    names = [tool.name for tool in tools]
    if len(set(names)) != len(names):
        raise ValueError(f"tool names must be unique: {names}")
    if tool_choice.mode in ("required", "tool") and not tools:
        raise ValueError("a tool choice that requires a tool needs tools")
    if tool_choice.name is not None and tool_choice.name not in names:
        raise ValueError(f"the tool choice names '{tool_choice.name}', which is not among {names}")
    return CompletionRequest(tuple(messages), system, tuple(tools), tool_choice, max_tokens)
