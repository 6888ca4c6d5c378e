"""One wire-format server per provider and test module, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipelines.ai import RetryPolicy

from .servers import AnthropicServer, OpenAIServer

#: Retries without real waiting: the tests count requests, not seconds.
FAST_RETRY = RetryPolicy(max_retries=2, base_delay=0.001, max_delay=0.002)


@pytest.fixture(scope="module")
def _anthropic_server() -> Iterator[AnthropicServer]:
    server = AnthropicServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def anthropic_server(_anthropic_server: AnthropicServer) -> AnthropicServer:
    _anthropic_server.reset()
    return _anthropic_server


@pytest.fixture(scope="module")
def _openai_server() -> Iterator[OpenAIServer]:
    server = OpenAIServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def openai_server(_openai_server: OpenAIServer) -> OpenAIServer:
    _openai_server.reset()
    return _openai_server
