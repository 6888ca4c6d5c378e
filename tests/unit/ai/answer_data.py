"""A small generated shop for the answer tests, and one test-side view of both wire servers.

Orders 1..300 (``customer_id = i % 45``: customers 40-44 do not exist, so 30 orders have no
customer), customers 0..39 (``FR`` when divisible by 4, else ``DE``), amounts, dates from
2024-01-02 and a Web/Store channel. :class:`Wire` scripts tool calls and reads back prompts the
same way on the Anthropic and the OpenAI server, so a test runs on both SDKs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipelines.ai import AnthropicProvider, OpenAIProvider, Provider
from pipelines.ai.catalog import Catalog, build_catalog
from pipelines.semantic import Column, Join, SemanticEngine, SemanticModel, Table
from pipelines.semantic.model import ColumnPair

from .servers import (
    FAST_RETRY,
    AnthropicServer,
    OpenAIServer,
    Received,
    Reply,
    anthropic_error,
    anthropic_message,
    openai_completion,
    openai_error,
)

ORDERS_SQL = """
SELECT i AS order_id, i % 45 AS customer_id, (i * 7 % 100) + 0.5 AS amount,
       DATE '2024-01-01' + i::INTEGER AS order_date,
       CASE WHEN i % 3 = 0 THEN 'Web' ELSE 'Store' END AS channel
FROM range(1, 301) t(i)
"""
CUSTOMERS_SQL = """
SELECT i AS customer_id, CASE WHEN i % 4 = 0 THEN 'FR' ELSE 'DE' END AS country
FROM range(0, 40) t(i)
"""


@dataclass
class Shop:
    """The shop's Parquet files, its model, catalog and engine."""

    paths: dict[str, Path]
    model: SemanticModel
    catalog: Catalog
    engine: SemanticEngine


def open_shop(folder: Path, orders_sql: str | None = None) -> Shop:
    """The shop written to ``folder`` (its orders from ``orders_sql`` when given)."""
    paths = write_shop(folder, orders_sql) if orders_sql else write_shop(folder)
    model = shop_model()
    return Shop(paths, model, build_catalog(model, paths), SemanticEngine(model, paths))


def write_shop(folder: Path, orders_sql: str = ORDERS_SQL) -> dict[str, Path]:
    """The shop's Parquet files in ``folder``: table name -> file."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"orders": folder / "orders.parquet", "customers": folder / "customers.parquet"}
    con = duckdb.connect()
    con.execute(f"COPY ({orders_sql}) TO '{paths['orders']}' (FORMAT parquet)")
    con.execute(f"COPY ({CUSTOMERS_SQL}) TO '{paths['customers']}' (FORMAT parquet)")
    con.close()
    return paths


def shop_model(channel_label: str = "Channel") -> SemanticModel:
    return SemanticModel(
        tables=[
            Table(
                name="orders",
                label="Orders",
                source_id="o",
                primary_key="order_id",
                synonyms=["sales"],
                columns=[
                    Column(name="order_id", type="integer", role="ignored"),
                    Column(name="customer_id", type="integer", role="ignored"),
                    Column(
                        name="amount",
                        type="decimal",
                        role="measure",
                        aggregation="sum",
                        label="Amount",
                        synonyms=["revenue"],
                    ),
                    Column(name="order_date", type="date", label="Order date"),
                    Column(name="channel", type="text", label=channel_label),
                ],
            ),
            Table(
                name="customers",
                label="Customers",
                source_id="c",
                primary_key="customer_id",
                columns=[
                    Column(name="customer_id", type="integer", role="ignored"),
                    Column(name="country", type="text", label="Country"),
                ],
            ),
        ],
        joins=[
            Join(
                id="j1",
                left_table="orders",
                right_table="customers",
                on=[ColumnPair(left="customer_id", right="customer_id")],
            )
        ],
    )


def raw(paths: dict[str, Path], sql: str) -> list[tuple[Any, ...]]:
    """``sql`` run by plain DuckDB over views named like the tables."""
    con = duckdb.connect()
    for name, path in paths.items():
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    rows = con.execute(sql).fetchall()
    con.close()
    return rows


class Wire:
    """One provider's server as the tests use it: script replies, read prompts back."""

    def __init__(self, kind: str, server: AnthropicServer | OpenAIServer) -> None:
        self.kind = kind
        self.server = server
        self._ids = 0

    def provider(self) -> Provider:
        if isinstance(self.server, AnthropicServer):
            return AnthropicProvider(
                model="claude-test-1", api_key="sk-ant-test-key-123456", base_url=self.server.url,
                timeout=5, retry=FAST_RETRY,
            )  # fmt: skip
        return OpenAIProvider(
            model="gpt-test-1", api_key="sk-test-key-123456", base_url=self.server.api_url,
            timeout=5, retry=FAST_RETRY,
        )  # fmt: skip

    def call(self, name: str, arguments: dict[str, Any]) -> Reply:
        """A reply calling tool ``name`` with ``arguments``."""
        self._ids += 1
        call_id = f"call_{self._ids}"
        if self.kind == "anthropic":
            return anthropic_message("", [(call_id, name, arguments)], usage=(100, 20))
        return openai_completion(None, [(call_id, name, json.dumps(arguments))], usage=(100, 20))

    def text(self, text: str) -> Reply:
        if self.kind == "anthropic":
            return anthropic_message(text, usage=(50, 10))
        return openai_completion(text, usage=(50, 10))

    def bad_request(self) -> Reply:
        if self.kind == "anthropic":
            return anthropic_error(400, "invalid_request_error", "bad request")
        return openai_error(400, None, "bad request")

    def script(self, *replies: Reply) -> None:
        self.server.script(*replies)

    def requests(self) -> list[Received]:
        suffix = "/v1/messages" if self.kind == "anthropic" else "/chat/completions"
        return self.server.requests(suffix)

    def system(self, request: Received) -> str:
        if self.kind == "anthropic":
            return str(request.body.get("system", ""))
        first = request.body["messages"][0]
        return str(first["content"]) if first["role"] == "system" else ""

    def tools_json(self, request: Received) -> str:
        return json.dumps(request.body.get("tools", []))

    def tool_results(self, request: Received) -> list[str]:
        """The text of every tool result sent back in ``request``."""
        found = []
        for message in request.body["messages"]:
            if self.kind == "openai" and message["role"] == "tool":
                found.append(str(message["content"]))
            if self.kind == "anthropic" and isinstance(message["content"], list):
                found += [
                    str(b["content"]) for b in message["content"] if b["type"] == "tool_result"
                ]
        return found

    def conversation(self, request: Received) -> list[tuple[str, str]]:
        """(role, text) of the user and assistant text turns of ``request``."""
        out = []
        for message in request.body["messages"]:
            content = message.get("content")
            if isinstance(content, str) and message["role"] in ("user", "assistant"):
                out.append((message["role"], content))
            elif isinstance(content, list):
                text = " ".join(b.get("text", "") for b in content if b.get("type") == "text")
                if text:
                    out.append((message["role"], text))
        return out
