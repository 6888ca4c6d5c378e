"""One wire-format server per provider and test module, reset before each test; the answer
tests' shop and the ``wire`` each of them runs on (both SDKs)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .answer_data import Shop, Wire, open_shop
from .servers import AnthropicServer, OpenAIServer


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


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    return open_shop(tmp_path_factory.mktemp("shop"))


@pytest.fixture(params=["anthropic", "openai"])
def wire(
    request: pytest.FixtureRequest, anthropic_server: AnthropicServer, openai_server: OpenAIServer
) -> Wire:
    server = anthropic_server if request.param == "anthropic" else openai_server
    return Wire(request.param, server)
