"""The provider-neutral types, call validation and the factory."""

from __future__ import annotations

import pytest

from pipelines.ai import (
    DEFAULT_PROVIDER_KIND,
    REQUIRED,
    AnthropicProvider,
    Completion,
    Message,
    OpenAICompatibleProvider,
    OpenAIProvider,
    Provider,
    ProviderError,
    ProviderSettings,
    ToolCall,
    ToolChoice,
    ToolResult,
    ToolSpec,
    factory,
    make_provider,
    register_provider,
)

TOOL = ToolSpec("t", "A tool.", {"type": "object", "properties": {}})


def test_turns_hold_only_what_their_role_can() -> None:
    with pytest.raises(ValueError, match="user turn cannot hold tool calls"):
        Message("user", "x", tool_calls=(ToolCall("1", "t", {}),))
    with pytest.raises(ValueError, match="assistant turn cannot hold tool results"):
        Message("assistant", "x", tool_results=(ToolResult("1", "r"),))
    with pytest.raises(ValueError, match="empty user turn"):
        Message.user("")
    with pytest.raises(ValueError, match="exactly when its mode is 'tool'"):
        ToolChoice("tool")


def test_a_completion_continues_the_conversation() -> None:
    completion = Completion("thinking", (ToolCall("1", "t", {"a": 1}),), stop_reason="tool_use")
    assert completion.as_message() == Message(
        "assistant", "thinking", (ToolCall("1", "t", {"a": 1}),)
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"messages": []}, "at least one message"),
        ({"messages": [Message.assistant("hi")]}, "start with a user turn"),
        ({"max_tokens": 0}, "max_tokens must be at least 1"),
        ({"tools": [TOOL, TOOL]}, "tool names must be unique"),
        ({"tool_choice": REQUIRED}, "needs tools"),
        ({"tools": [TOOL], "tool_choice": ToolChoice.tool("other")}, "names 'other'"),
    ],
)
def test_bad_calls_are_refused_before_any_request(call: dict[str, object], message: str) -> None:
    # Port 9 (discard) is never reached: validation comes first.
    provider = make_provider("openai", "m", key="k", base_url="http://127.0.0.1:9/v1")
    arguments: dict[str, object] = {"messages": [Message.user("q")], **call}
    with pytest.raises(ValueError, match=message):
        provider.complete(**arguments)  # type: ignore[arg-type]


def test_the_factory_builds_each_kind() -> None:
    assert isinstance(make_provider("anthropic", "c", key="k"), AnthropicProvider)
    openai = make_provider("openai", "g", key="k", timeout=12)
    assert type(openai) is OpenAIProvider
    assert openai.timeout == 12
    compatible = make_provider("openai_compatible", "llama", base_url="http://localhost:11434/v1")
    assert isinstance(compatible, OpenAICompatibleProvider)


def test_the_factory_explains_what_is_missing() -> None:
    with pytest.raises(ValueError, match="unknown AI provider 'gemini'"):
        make_provider("gemini", "m")
    with pytest.raises(ValueError, match="needs its base URL"):
        make_provider("openai_compatible", "m")
    with pytest.raises(ProviderError) as missing:
        make_provider("openai", "m")
    assert missing.value.kind == "auth"


def test_offline_is_the_default_and_a_registration_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    assert DEFAULT_PROVIDER_KIND == "offline"
    monkeypatch.setattr(factory, "_BUILDERS", dict(factory._BUILDERS))
    with pytest.raises(ProviderError, match="offline answerer is not available"):
        make_provider("offline", "semantic")

    built: list[ProviderSettings] = []

    def builder(settings: ProviderSettings) -> Provider:
        built.append(settings)
        return make_provider("openai_compatible", settings.model, base_url="http://127.0.0.1:9/v1")

    register_provider("offline", builder)
    make_provider("offline", "semantic", timeout=3)
    assert (built[0].kind, built[0].model, built[0].timeout) == ("offline", "semantic", 3)


def test_settings_repr_hides_the_key() -> None:
    settings = ProviderSettings("openai", "m", key="sk-secret-value")
    assert "sk-secret-value" not in repr(settings)
    assert "key=set" in repr(settings)
