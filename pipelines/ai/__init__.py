"""AI providers behind one interface: Anthropic, OpenAI, OpenAI-compatible servers (and, by
registration, the offline answerer, the default).

Plain Python, no web code::

    from pipelines.ai import Message, make_provider

    provider = make_provider("openai_compatible", "llama3.1", base_url="http://localhost:11434/v1")
    reply = provider.complete([Message.user("Hello")], on_text=print)

Failures raise :class:`ProviderError` with a ``kind`` and a message for the user that never
contains the API key.
"""

from __future__ import annotations

from .anthropic_provider import AnthropicProvider
from .errors import ErrorKind, ProviderError, scrub
from .factory import (
    DEFAULT_PROVIDER_KIND,
    PROVIDER_KINDS,
    ProviderKind,
    ProviderSettings,
    make_provider,
    register_provider,
)
from .messages import (
    AUTO,
    NONE,
    REQUIRED,
    Completion,
    ConnectionCheck,
    Message,
    ModelInfo,
    StopReason,
    TextCallback,
    ToolCall,
    ToolChoice,
    ToolResult,
    ToolSpec,
    Usage,
)
from .openai_compatible import OpenAICompatibleProvider, parse_tool_json
from .openai_provider import OpenAIProvider, strict_compatible
from .provider import CompletionRequest, Provider
from .retry import RetryPolicy

__all__ = [
    "AUTO",
    "DEFAULT_PROVIDER_KIND",
    "NONE",
    "PROVIDER_KINDS",
    "REQUIRED",
    "AnthropicProvider",
    "Completion",
    "CompletionRequest",
    "ConnectionCheck",
    "ErrorKind",
    "Message",
    "ModelInfo",
    "OpenAICompatibleProvider",
    "OpenAIProvider",
    "Provider",
    "ProviderError",
    "ProviderKind",
    "ProviderSettings",
    "RetryPolicy",
    "StopReason",
    "TextCallback",
    "ToolCall",
    "ToolChoice",
    "ToolResult",
    "ToolSpec",
    "Usage",
    "make_provider",
    "parse_tool_json",
    "register_provider",
    "scrub",
    "strict_compatible",
]
