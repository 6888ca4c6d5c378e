"""The OpenAPI 3.1 document, built from the same declarations as the routes."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from app.api.framework.operation import CSRF_HEADER, Operation
from app.api.framework.problems import ERROR_TITLES, PROBLEM_SCHEMA
from app.api.framework.uploads import FILE_FIELD
from app.auth.web import SESSION_COOKIE


def openapi_document(operations: list[Operation]) -> dict[str, Any]:
    """The document describing ``operations``: paths, schemas, errors and security."""
    schemas: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    paths: dict[str, Any] = {}

    def ref(model: type[BaseModel]) -> dict[str, str]:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            add(name, sub)
        add(model.__name__, schema)
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    def add(name: str, schema: dict[str, Any]) -> None:
        # Two different models of one name would silently document one route with the other's
        # schema (it happened: two ColumnOut); names are global in the document.
        if schemas.setdefault(name, schema) != schema:
            raise ValueError(
                f"Two different schemas are named {name!r} in the OpenAPI document; "
                "rename one of the models"
            )

    for op in operations:
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"\{(\w+)\}", op.path)
        ]
        params += [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": text,
                "schema": {"type": "string"},
            }
            for name, text in op.query.items()
        ]
        responses: dict[str, Any] = {
            str(op.status): {"description": "Success"}
            if op.response is None
            else {
                "description": "Success",
                "content": {"application/json": {"schema": ref(op.response)}},
            }
        }
        if op.produces:
            responses[str(op.status)] = {
                "description": "A file, streamed as it is produced",
                "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
                "content": {
                    media: {
                        "schema": {
                            "type": "string",
                            "contentMediaType": media,
                            "description": text,
                        }
                    }
                    for media, text in op.produces.items()
                },
            }
        for code in sorted({400, 401, 404, 422, *op.errors}):
            responses[str(code)] = {
                "description": ERROR_TITLES.get(code, "Error"),
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            }
        entry: dict[str, Any] = {
            "summary": op.summary,
            "operationId": op.func.__name__,
            "tags": [op.tag],
            "parameters": params,
            "responses": responses,
        }
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(op.body)}},
            }
        if op.upload:
            entry["requestBody"] = {"required": True, "content": MULTIPART_FILE}
        if op.public:
            entry["security"] = []
        elif op.browser:
            entry["security"] = [{"bearer": []}, {"session": [], "csrf": []}]
        else:
            entry["security"] = [{"bearer": []}]
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "DataPilot API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": SESSION_COOKIE,
                    "description": "The browser session (file uploads and query "
                    "downloads only), together with the session's CSRF token in the "
                    f"{CSRF_HEADER} header.",
                },
                "csrf": {"type": "apiKey", "in": "header", "name": CSRF_HEADER},
            },
        },
    }


MULTIPART_FILE = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "properties": {
                FILE_FIELD: {
                    "type": "string",
                    "contentMediaType": "application/octet-stream",
                    "description": "The file; streamed to disk as it arrives.",
                }
            },
            "required": [FILE_FIELD],
        }
    }
}
