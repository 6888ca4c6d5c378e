"""OpenAI-compatible servers (Ollama, vLLM, LM Studio, llama.cpp) through the ``openai`` SDK."""

from __future__ import annotations

import json

import pytest

from pipelines.ai import (
    Message,
    OpenAICompatibleProvider,
    ProviderError,
    ToolCall,
    ToolChoice,
    ToolResult,
    ToolSpec,
    make_provider,
    parse_tool_json,
)

from .servers import FAST_RETRY, OpenAIServer, openai_completion, openai_error, openai_stream

TOOL = ToolSpec(
    "run_query",
    "Run a semantic query.",
    {"type": "object", "properties": {"measures": {"type": "array", "items": {"type": "string"}}}},
)
OTHER = ToolSpec("explain", "Explain.", {"type": "object", "properties": {}})


def provider(server: OpenAIServer, key: str | None = None) -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider(
        model="llama3.1:8b", base_url=server.api_url, api_key=key, timeout=5, retry=FAST_RETRY
    )


def test_no_key_needed_and_the_servers_key_is_never_sent(
    openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server process's own OpenAI key must not travel to a tenant-chosen base URL.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-SERVER-ENVIRONMENT-KEY-123456")
    openai_server.script(openai_completion("Hello."))
    assert provider(openai_server).complete([Message.user("Hi")]).text == "Hello."
    sent = openai_server.requests()[0]
    assert "SERVER-ENVIRONMENT" not in sent.raw
    assert sent.body["max_tokens"] == 1024
    assert "max_completion_tokens" not in sent.body


def test_native_tool_calls_without_strict(openai_server: OpenAIServer) -> None:
    openai_server.script(openai_completion(None, [("call_1", "run_query", '{"measures": ["x"]}')]))
    reply = provider(openai_server, key="ollama").complete([Message.user("q")], tools=[TOOL])
    assert reply.tool_calls == (ToolCall("call_1", "run_query", {"measures": ["x"]}),)
    body = openai_server.requests()[0].body
    assert "strict" not in body["tools"][0]["function"]
    assert openai_server.requests()[0].headers["authorization"] == "Bearer ollama"


def test_streams_without_usage_options(openai_server: OpenAIServer) -> None:
    openai_server.script(openai_stream(["a", "b"], usage=None))
    pieces: list[str] = []
    reply = provider(openai_server).complete([Message.user("q")], on_text=pieces.append)
    assert pieces == ["a", "b"]
    assert reply.usage.input_tokens == 0
    assert "stream_options" not in openai_server.requests()[0].body


def test_json_in_the_text_becomes_the_tool_call(openai_server: OpenAIServer) -> None:
    text = 'Sure! ```json\n{"name": "run_query", "arguments": {"measures": ["revenue"]}}\n```'
    openai_server.script(openai_completion(text))
    reply = provider(openai_server).complete([Message.user("q")], tools=[TOOL, OTHER])
    assert reply.tool_calls == (ToolCall("call_run_query", "run_query", {"measures": ["revenue"]}),)
    assert reply.stop_reason == "tool_use"


def test_a_server_refusing_tools_gets_them_in_the_prompt(openai_server: OpenAIServer) -> None:
    openai_server.script(
        openai_error(500, None, "tools param requires --jinja flag", "server_error"),
        openai_completion('{"tool": "run_query", "arguments": {"measures": ["m"]}}'),
        openai_completion("Done."),
    )
    compatible = provider(openai_server)
    first = compatible.complete(
        [Message.user("q")],
        system="Be brief.",
        tools=[TOOL],
        tool_choice=ToolChoice.tool("run_query"),
    )
    assert first.tool_calls == (ToolCall("call_run_query", "run_query", {"measures": ["m"]}),)
    compatible.complete(
        [
            Message.user("q"),
            first.as_message(),
            Message.results(ToolResult("call_run_query", "42")),
        ],
        tools=[TOOL],
    )

    native, prompted, later = openai_server.requests()
    assert "tools" in native.body
    assert "tools" not in prompted.body
    system = prompted.body["messages"][0]["content"]
    assert system.startswith("Be brief.")
    assert "run_query" in system
    assert "You must call the tool run_query." in system
    # Once refused, tools stay in the prompt; calls and results travel as text.
    assert "tools" not in later.body
    assert [m["role"] for m in later.body["messages"]] == ["system", "user", "assistant", "user"]
    assert json.loads(later.body["messages"][2]["content"])["tool"] == "run_query"
    assert later.body["messages"][3]["content"] == "Result of call_run_query: 42"


def test_a_server_without_model_listing_is_tested_with_one_token(
    openai_server: OpenAIServer,
) -> None:
    openai_server.script(openai_error(404, None, "404 page not found"), openai_completion("p"))
    check = provider(openai_server).test_connection()
    assert check.models == ()
    assert openai_server.requests()[1].body["max_tokens"] == 1


def test_unknown_model_and_wrong_base_url_are_told_apart(openai_server: OpenAIServer) -> None:
    openai_server.script(
        openai_error(404, None, 'model "llama3.1:8b" not found, try pulling it first', "api_error")
    )
    with pytest.raises(ProviderError) as caught:
        provider(openai_server).complete([Message.user("q")])
    assert caught.value.kind == "unknown_model"
    assert caught.value.message.startswith(f"The server at {openai_server.api_url} has no model")

    openai_server.script(openai_error(404, None, "404 page not found"))
    with pytest.raises(ProviderError) as caught:
        provider(openai_server).complete([Message.user("q")])
    assert caught.value.kind == "bad_request"
    assert "base URL" in caught.value.message


def test_llama_cpp_context_error_reads_as_context_too_long(openai_server: OpenAIServer) -> None:
    openai_server.script(
        openai_error(
            400,
            None,
            "the request exceeds the available context size, try increasing it",
            "exceed_context_size_error",
        )
    )
    with pytest.raises(ProviderError) as caught:
        provider(openai_server).complete([Message.user("q")])
    assert caught.value.kind == "context_too_long"


def test_the_label_drops_credentials_from_the_url() -> None:
    compatible = make_provider(
        "openai_compatible", "m", base_url="http://bob:hunter2@localhost:11434/v1/?token=abc"
    )
    assert compatible.label == "the server at http://localhost:11434/v1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"tool": "run_query", "arguments": {"measures": ["a"]}}',
            ("run_query", {"measures": ["a"]}),
        ),
        ('Calling: {"name": "explain", "parameters": {}} now', ("explain", {})),
        ('{"function": {"name": "explain", "arguments": "{\\"k\\": 1}"}}', ("explain", {"k": 1})),
        ("No tool needed, the answer is 4.", None),
        ('{"tool": "delete_everything", "arguments": {}}', None),
    ],
)
def test_lenient_tool_json(text: str, expected: tuple[str, dict[str, object]] | None) -> None:
    call = parse_tool_json(text, [TOOL, OTHER])
    assert (call.name, dict(call.arguments)) == expected if call else expected is None


def test_bare_arguments_fit_the_only_or_forced_tool() -> None:
    call = parse_tool_json('{"measures": ["a"]}', [TOOL])
    assert call is not None and call.name == "run_query"
    assert parse_tool_json('{"measures": ["a"]}', [TOOL, OTHER]) is None
    forced = parse_tool_json('{"measures": ["a"]}', [TOOL, OTHER], forced="run_query")
    assert forced is not None and forced.arguments == {"measures": ["a"]}


def test_a_server_wanting_a_key_says_so(openai_server: OpenAIServer) -> None:
    openai_server.script(openai_error(401, None, "Unauthorized", "authentication_error"))
    with pytest.raises(ProviderError) as caught:
        provider(openai_server).complete([Message.user("q")])
    assert caught.value.kind == "auth"
    assert "asks for an API key" in caught.value.message
