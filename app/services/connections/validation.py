"""Checks of what a user types for a connection; each refusal names the field."""

from __future__ import annotations

import re

from app.services.errors import InvalidInput
from pipelines.connections import KINDS, TLS_MODES

_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.\-]{0,252})$|^\[?[0-9A-Fa-f:.]+\]?$")
_QUERY_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class Keep:
    """The value of a field an update leaves as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = Keep()


def clean_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput("Give the connection a name of 1 to 120 characters.", "name")
    return name


def clean_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput(f"Unknown database kind “{kind}”; use postgres or mysql.", "kind")
    return kind


def clean_host(host: str) -> str:
    host = host.strip()
    if not _HOST.match(host):
        raise InvalidInput(f"“{host}” is not a host name or IP address.", "host")
    return host


def clean_port(port: int) -> int:
    if not 1 <= port <= 65535:
        raise InvalidInput("The port is a number from 1 to 65535.", "port")
    return port


def clean_text(value: str, field: str, label: str, *, required: bool = True) -> str:
    value = value.strip()
    if (required and not value) or len(value) > 255 or "\x00" in value:
        raise InvalidInput(f"Give the {label} (1 to 255 characters).", field)
    return value


def clean_tls(tls: str) -> str:
    if tls not in TLS_MODES:
        raise InvalidInput(
            f"Unknown TLS mode “{tls}”; use disable, prefer, require or verify-full.", "tls"
        )
    return tls


def clean_password(password: str) -> str:
    if len(password) > 1000 or "\x00" in password:
        raise InvalidInput("The password is at most 1,000 characters.", "password")
    return password


def clean_query_id(query_id: str) -> str:
    if not _QUERY_ID.match(query_id):
        raise InvalidInput(
            "A query id is 1 to 64 letters, digits, '_', '.', ':' or '-'.", "query_id"
        )
    return query_id
