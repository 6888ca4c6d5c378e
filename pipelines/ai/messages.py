"""Provider-neutral conversation types: turns, tools, tool calls and results, completions.

Every provider adapter translates these to and from its own wire format, so the code that asks
questions (Explore) never sees an SDK type::

    reply = provider.complete(
        [Message.user("Revenue by month?")],
        system="You answer questions about the Sales model.",
        tools=[ToolSpec("run_query", "Run a semantic query", {"type": "object", ...})],
    )
    for call in reply.tool_calls:
        ...  # call.name, call.arguments (a dict)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["user", "assistant"]
StopReason = Literal["end", "tool_use", "max_tokens", "refusal", "other"]
ChoiceMode = Literal["auto", "required", "none", "tool"]

#: Called with each piece of text as the provider streams it, in order.
TextCallback = Callable[[str], None]


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call.

    Attributes
    ----------
    name : str
        The tool's name (letters, digits, ``_`` and ``-``; what the model calls).
    description : str
        What the tool does and when to use it; the model reads this.
    parameters : Mapping[str, Any]
        The arguments as a JSON Schema object (``{"type": "object", "properties": …}``).
    """

    name: str
    description: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class ToolCall:
    """The model asked to call ``name`` with ``arguments`` (parsed JSON); ``id`` pairs the result."""

    id: str
    name: str
    arguments: Mapping[str, Any]


@dataclass(frozen=True)
class ToolResult:
    """What a tool call returned, sent back to the model in the next user turn."""

    call_id: str
    content: str
    is_error: bool = False


@dataclass(frozen=True)
class ToolChoice:
    """Whether the model must, may or must not call a tool, or must call one named tool.

    Use the constants :data:`AUTO`, :data:`REQUIRED`, :data:`NONE` or ``ToolChoice.tool(name)``.
    """

    mode: ChoiceMode = "auto"
    name: str | None = None

    @classmethod
    def tool(cls, name: str) -> ToolChoice:
        """The model must call the tool ``name``."""
        return cls("tool", name)

    def __post_init__(self) -> None:
        if (self.mode == "tool") != (self.name is not None):
            raise ValueError("a tool choice names a tool exactly when its mode is 'tool'")


AUTO = ToolChoice("auto")
REQUIRED = ToolChoice("required")
NONE = ToolChoice("none")


@dataclass(frozen=True)
class Message:
    """One turn of the conversation (the system prompt is passed separately).

    A user turn holds text and/or the results of the previous turn's tool calls; an assistant
    turn holds text and/or tool calls. Build them with :meth:`user`, :meth:`assistant` and
    :meth:`results`.
    """

    role: Role
    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_results: tuple[ToolResult, ...] = ()

    def __post_init__(self) -> None:
        if self.role == "user" and self.tool_calls:
            raise ValueError("a user turn cannot hold tool calls")
        if self.role == "assistant" and self.tool_results:
            raise ValueError("an assistant turn cannot hold tool results")
        if not (self.text or self.tool_calls or self.tool_results):
            raise ValueError(f"an empty {self.role} turn")

    @classmethod
    def user(cls, text: str) -> Message:
        """A user turn with ``text``."""
        return cls("user", text)

    @classmethod
    def assistant(cls, text: str = "", tool_calls: tuple[ToolCall, ...] = ()) -> Message:
        """An assistant turn (usually a previous :class:`Completion`, see ``as_message``)."""
        return cls("assistant", text, tool_calls=tool_calls)

    @classmethod
    def results(cls, *results: ToolResult, text: str = "") -> Message:
        """A user turn answering the previous turn's tool calls."""
        return cls("user", text, tool_results=results)


@dataclass(frozen=True)
class Usage:
    """Tokens billed for one completion."""

    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class Completion:
    """A provider's answer: text and/or tool calls, with usage, model and why it stopped.

    Attributes
    ----------
    text : str
        The answer's text (may be empty when the model only called tools).
    tool_calls : tuple[ToolCall, ...]
        The tools the model asked to call, in order.
    usage : Usage
        Input and output tokens.
    model : str
        The model that answered, as the provider names it.
    stop_reason : StopReason
        ``end`` (finished), ``tool_use``, ``max_tokens`` (cut off), ``refusal`` or ``other``.
    raw_stop_reason : str or None
        The provider's own stop reason.
    """

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    stop_reason: StopReason = "end"
    raw_stop_reason: str | None = None

    def as_message(self) -> Message:
        """This answer as an assistant turn, to continue the conversation."""
        return Message.assistant(self.text, self.tool_calls)


@dataclass(frozen=True)
class ModelInfo:
    """A model a provider offers (``id`` is what :func:`make_provider` takes as ``model``)."""

    id: str
    name: str = ""


@dataclass(frozen=True)
class ConnectionCheck:
    """A successful connection test: the provider answered with this key, the model exists."""

    provider: str
    model: str
    models: tuple[str, ...] = ()
