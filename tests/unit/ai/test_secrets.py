"""A planted API key never appears in an error's message, repr, traceback or in the logs."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

import pytest

from pipelines.ai import (
    AnthropicProvider,
    Message,
    OpenAICompatibleProvider,
    OpenAIProvider,
    Provider,
    ProviderError,
    RetryPolicy,
    make_provider,
    scrub,
)

from .servers import (
    AnthropicServer,
    OpenAIServer,
    Reply,
    WireServer,
    anthropic_error,
    anthropic_message,
    openai_completion,
    openai_error,
)

KEY = "sk-ant-PLANTED-9f8e7d6c5b4a3210ZYXW"
NO_WAIT = RetryPolicy(sleep=lambda _: None)


def _anthropic_errors() -> list[Reply]:
    echo = f"invalid x-api-key {KEY}"
    return [
        anthropic_error(401, "authentication_error", echo),
        anthropic_error(402, "billing_error", echo),
        anthropic_error(403, "permission_error", echo),
        anthropic_error(404, "not_found_error", echo),
        anthropic_error(400, "invalid_request_error", f"prompt is too long {KEY}"),
        anthropic_error(429, "rate_limit_error", echo),
        anthropic_error(529, "overloaded_error", echo),
        anthropic_error(400, "invalid_request_error", f"bad field, key was {KEY} ({KEY[:12]}…)"),
        Reply(body={"unexpected": KEY}),
    ]


def _openai_errors() -> list[Reply]:
    masked = f"Incorrect API key provided: {KEY[:10]}********{KEY[-4:]}"
    return [
        openai_error(401, "invalid_api_key", masked),
        openai_error(429, "insufficient_quota", f"quota {KEY}", "insufficient_quota"),
        openai_error(404, "model_not_found", f"model {KEY}"),
        openai_error(400, "context_length_exceeded", f"context {KEY}"),
        openai_error(429, "rate_limit_exceeded", f"rate {KEY}"),
        openai_error(500, None, f"server {KEY}", "server_error"),
        openai_error(400, "invalid_value", f"Invalid value near {KEY[4:20]} (key {KEY})"),
        openai_error(400, "invalid_value", masked),
    ]


def _assert_clean(error: ProviderError, caplog: pytest.LogCaptureFixture) -> None:
    texts = [
        str(error),
        repr(error),
        error.message,
        "".join(traceback.format_exception(error)),
        caplog.text,
        *(record.getMessage() for record in caplog.records),
    ]
    for text in texts:
        assert KEY not in text
        assert KEY[:10] not in text  # nor the prefix a provider echoes
        assert KEY[-10:] not in text


def _each_error(
    make: Callable[[], Provider], server: WireServer, replies: list[Reply]
) -> list[ProviderError]:
    errors = []
    for reply in replies:
        server.reset()
        server.script(reply, reply, reply)  # retryable kinds are asked three times
        with pytest.raises(ProviderError) as caught:
            make().complete([Message.user("q")])
        errors.append(caught.value)
    return errors


def test_anthropic_errors_never_hold_the_key(
    anthropic_server: AnthropicServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    def make() -> Provider:
        return AnthropicProvider(
            model="claude-test-1", api_key=KEY, base_url=anthropic_server.url, retry=NO_WAIT
        )

    errors = _each_error(make, anthropic_server, _anthropic_errors())
    assert {error.kind for error in errors} >= {
        "auth",
        "quota",
        "unknown_model",
        "context_too_long",
        "rate_limited",
        "unavailable",
        "bad_request",
        "bad_response",
    }
    assert any("bad field" in error.message for error in errors)  # the useful detail stays
    for error in errors:
        _assert_clean(error, caplog)


def test_openai_errors_never_hold_the_key(
    openai_server: OpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    def make() -> Provider:
        return OpenAIProvider(
            model="gpt-test-1", api_key=KEY, base_url=openai_server.api_url, retry=NO_WAIT
        )

    for error in _each_error(make, openai_server, _openai_errors()):
        _assert_clean(error, caplog)


def test_timeouts_and_connection_errors_never_hold_the_key(
    openai_server: OpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    openai_server.script(Reply(hang=True))
    slow = OpenAICompatibleProvider(
        model="m", base_url=openai_server.api_url, api_key=KEY, timeout=0.5, retry=NO_WAIT
    )
    with pytest.raises(ProviderError) as timed_out:
        slow.complete([Message.user("q")])
    assert timed_out.value.kind == "timeout"
    _assert_clean(timed_out.value, caplog)

    closed = AnthropicServer()
    url = closed.url
    closed.stop()
    gone = AnthropicProvider(model="m", api_key=KEY, base_url=url, retry=NO_WAIT)
    with pytest.raises(ProviderError) as unreachable:
        gone.complete([Message.user("q")])
    _assert_clean(unreachable.value, caplog)


def test_successful_calls_log_no_key(
    anthropic_server: AnthropicServer,
    openai_server: OpenAIServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    anthropic_server.script(anthropic_message("hi"))
    openai_server.script(openai_completion("hi"))
    AnthropicProvider(model="m", api_key=KEY, base_url=anthropic_server.url).complete(
        [Message.user("q")]
    )
    OpenAIProvider(model="m", api_key=KEY, base_url=openai_server.api_url).complete(
        [Message.user("q")]
    )
    assert caplog.records  # the SDKs did log at DEBUG
    assert KEY not in caplog.text


def test_reprs_leave_the_key_out() -> None:
    for kind in ("anthropic", "openai", "openai_compatible"):
        provider = make_provider(kind, "m", key=KEY, base_url="http://127.0.0.1:9/v1")
        assert KEY not in repr(provider)
        assert KEY not in str(vars(provider).get("model"))


def test_scrub_removes_the_key_its_fragments_and_key_like_tokens() -> None:
    text = f"key {KEY}, prefix {KEY[:9]}***, other sk-live-abcdef123456 and plain words"
    cleaned = scrub(text, KEY)
    assert KEY not in cleaned
    assert KEY[:9] not in cleaned
    assert "sk-live-abcdef123456" not in cleaned
    assert cleaned.endswith("and plain words")
