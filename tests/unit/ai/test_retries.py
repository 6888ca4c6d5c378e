"""Bounded retries with backoff on 429/5xx, ``retry-after`` honoured, timeouts; requests counted."""

from __future__ import annotations

import pytest

from pipelines.ai import (
    AnthropicProvider,
    Message,
    OpenAIProvider,
    Provider,
    ProviderError,
    RetryPolicy,
)

from .servers import (
    AnthropicServer,
    OpenAIServer,
    Reply,
    anthropic_error,
    anthropic_message,
    anthropic_stream,
    openai_completion,
    openai_error,
)


class Waits:
    """Records the waits the policy asks for instead of sleeping (the policy's own hook)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def claude(server: AnthropicServer, waits: Waits, **policy: float) -> Provider:
    retry = RetryPolicy(sleep=waits, **policy)  # type: ignore[arg-type]
    return AnthropicProvider(model="claude-test-1", api_key="k", base_url=server.url, retry=retry)


def gpt(server: OpenAIServer, waits: Waits, timeout: float = 5) -> Provider:
    return OpenAIProvider(
        model="gpt-test-1",
        api_key="k",
        base_url=server.api_url,
        timeout=timeout,
        retry=RetryPolicy(sleep=waits),
    )


def test_a_500_then_a_200_succeeds(anthropic_server: AnthropicServer) -> None:
    anthropic_server.script(anthropic_error(500, "api_error", "boom"), anthropic_message("ok"))
    waits = Waits()
    assert claude(anthropic_server, waits).complete([Message.user("q")]).text == "ok"
    assert len(anthropic_server.requests()) == 2
    assert len(waits.seconds) == 1
    assert 0.375 <= waits.seconds[0] <= 0.5  # base delay with up to 25 % jitter


def test_a_persistent_429_fails_after_the_bounded_attempts(openai_server: OpenAIServer) -> None:
    limited = openai_error(429, "rate_limit_exceeded", "Rate limit reached", "requests")
    openai_server.script(*[limited] * 5)
    waits = Waits()
    with pytest.raises(ProviderError) as caught:
        gpt(openai_server, waits).complete([Message.user("q")])
    assert caught.value.kind == "rate_limited"
    assert "rate limit" in caught.value.message
    assert len(openai_server.requests()) == 3  # the first attempt and two retries
    first, second = waits.seconds
    assert second > first  # exponential backoff


def test_no_quota_is_not_retried(openai_server: OpenAIServer) -> None:
    quota = openai_error(
        429, "insufficient_quota", "You exceeded your current quota", "insufficient_quota"
    )
    openai_server.script(quota, quota, quota)
    with pytest.raises(ProviderError) as caught:
        gpt(openai_server, Waits()).complete([Message.user("q")])
    assert caught.value.kind == "quota"
    assert len(openai_server.requests()) == 1


def test_a_wrong_key_is_not_retried(anthropic_server: AnthropicServer) -> None:
    refused = anthropic_error(401, "authentication_error", "invalid x-api-key")
    anthropic_server.script(refused, refused, refused)
    with pytest.raises(ProviderError):
        claude(anthropic_server, Waits()).complete([Message.user("q")])
    assert len(anthropic_server.requests()) == 1


def test_retry_after_is_honoured(anthropic_server: AnthropicServer) -> None:
    anthropic_server.script(
        anthropic_error(429, "rate_limit_error", "slow down", retry_after="7"),
        anthropic_error(529, "overloaded_error", "Overloaded", retry_after_ms="1500"),
        anthropic_message("ok"),
    )
    waits = Waits()
    assert claude(anthropic_server, waits).complete([Message.user("q")]).text == "ok"
    assert waits.seconds == [7.0, 1.5]


def test_a_long_retry_after_fails_at_once_saying_how_long(
    anthropic_server: AnthropicServer,
) -> None:
    anthropic_server.script(
        anthropic_error(429, "rate_limit_error", "slow down", retry_after="120")
    )
    waits = Waits()
    with pytest.raises(ProviderError) as caught:
        claude(anthropic_server, waits, max_retry_after=30).complete([Message.user("q")])
    assert caught.value.kind == "rate_limited"
    assert "wait 120 s" in caught.value.message
    assert caught.value.retry_after == 120
    assert waits.seconds == []


def test_a_slow_provider_times_out_with_the_timeout_message(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(hang=True))
    waits = Waits()
    with pytest.raises(ProviderError) as caught:
        gpt(openai_server, waits, timeout=0.5).complete([Message.user("q")])
    assert caught.value.kind == "timeout"
    assert "did not answer within 0.5 s" in caught.value.message
    # Waiting again for as long would only double the user's wait.
    assert len(openai_server.requests()) == 1


def test_connection_refused_is_retried_then_unavailable() -> None:
    server = OpenAIServer()
    url = server.api_url
    server.stop()  # the port is released: nothing listens
    waits = Waits()
    provider = OpenAIProvider(
        model="m", api_key="k", base_url=url, timeout=2, retry=RetryPolicy(sleep=waits)
    )
    with pytest.raises(ProviderError) as caught:
        provider.complete([Message.user("q")])
    assert caught.value.kind == "unavailable"
    assert len(waits.seconds) == 2


def test_list_models_is_retried_too(openai_server: OpenAIServer) -> None:
    openai_server.script(openai_error(502, None, "Bad gateway", "server_error"))
    assert [m.id for m in gpt(openai_server, Waits()).list_models()] == ["gpt-test-1", "gpt-test-2"]
    assert len(openai_server.requests("/models")) == 2


def test_success_needs_no_wait(openai_server: OpenAIServer) -> None:
    openai_server.script(openai_completion("fine"))
    waits = Waits()
    gpt(openai_server, waits).complete([Message.user("q")])
    assert waits.seconds == []


def test_a_stream_refused_before_any_text_is_retried(anthropic_server: AnthropicServer) -> None:
    anthropic_server.script(
        anthropic_error(529, "overloaded_error", "Overloaded"), anthropic_stream(["a", "b"])
    )
    pieces: list[str] = []
    with claude(anthropic_server, Waits()) as provider:
        reply = provider.complete([Message.user("q")], on_text=pieces.append)
    assert (pieces, reply.text) == (["a", "b"], "ab")
    assert len(anthropic_server.requests()) == 2
