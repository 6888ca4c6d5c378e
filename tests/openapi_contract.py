"""Every JSON answer of the REST API matches the schema its OpenAPI entry documents.

:class:`ResponseContract` is attached to every test client of a running server (see
``RunningServer.client``), so each REST test also checks, for each response it receives, that
the status is documented for that route and that the body validates against the documented
schema (problems included). A drift between code and document fails the test that met it.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from jsonschema import Draft202012Validator

API_PREFIXES = ("/api/v1/", "/health")
JSON_TYPES = ("application/json", "application/problem+json")


class ContractError(AssertionError):
    """A response the OpenAPI document does not describe."""


class ResponseContract:
    """Checks responses of one server against its own OpenAPI document (fetched once)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._document: dict[str, Any] | None = None
        self._routes: list[tuple[str, re.Pattern[str], str]] = []
        self.checked = 0

    @property
    def document(self) -> dict[str, Any]:
        if self._document is None:
            response = httpx.get(f"{self.base_url}/api/v1/openapi.json", timeout=30)
            response.raise_for_status()
            self.load(response.json())
        assert self._document is not None
        return self._document

    def load(self, document: dict[str, Any]) -> None:
        """Use ``document`` (instead of fetching the server's)."""
        self._document = document
        self._routes = []
        for template, item in document["paths"].items():
            pattern = re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "/?$")
            for method in item:
                self._routes.append((method.upper(), pattern, template))

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        """(template, operation) of the documented route serving ``method path``.

        As the server routes, a literal segment wins over a parameter: ``…/dashboards/widgets``
        is that route, not the dashboard ``widgets`` (a method it does not document is then
        undocumented, e.g. the 405 of a DELETE there)."""
        document = self.document
        matching = {template for _, pattern, template in self._routes if pattern.match(path)}
        if not matching:
            return None
        template = min(matching, key=lambda t: (t.count("{"), t))
        operation = document["paths"][template].get(method.lower())
        return None if operation is None else (template, operation)

    def check(self, response: httpx.Response) -> None:
        """Raise :class:`ContractError` when ``response`` breaks its route's documentation."""
        request = response.request
        path = request.url.path
        media = response.headers.get("content-type", "").split(";")[0].strip()
        if not path.startswith(API_PREFIXES) or media not in JSON_TYPES:
            return
        if path.endswith("/openapi.json"):
            return
        found = self.operation(request.method, path)
        if found is None:
            return  # an undocumented path: the route tests in test_openapi.py cover those
        template, op = found
        response.read()
        self.validate(request.method, template, op, response.status_code, media, response.json())

    def validate(
        self,
        method: str,
        template: str,
        op: dict[str, Any],
        status: int,
        media: str,
        body: Any,
    ) -> None:
        where = f"{method} {template} answered {status}"
        documented = op["responses"].get(str(status))
        if documented is None:
            raise ContractError(f"{where}, a status its OpenAPI entry does not list")
        content = documented.get("content", {})
        if media not in content:
            raise ContractError(f"{where} as {media}, which its OpenAPI entry does not list")
        schema = {"allOf": [content[media]["schema"]], "components": self.document["components"]}
        errors = sorted(Draft202012Validator(schema).iter_errors(body), key=str)
        if errors:
            first = errors[0]
            at = "/".join(str(p) for p in first.absolute_path) or "(the body)"
            raise ContractError(
                f"{where}; the body does not match its schema at {at}: {first.message[:300]}"
            )
        self.checked += 1
