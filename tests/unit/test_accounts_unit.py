"""Pure account logic: names, emails, slugs, safe redirects, password hashing and policy."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine

from app.auth.web import HOME, request_client_address, request_is_https, safe_next
from app.principal import Principal
from app.services.accounts import token_hash
from app.services.errors import Forbidden, InvalidInput
from app.services.names import clean_name, normalise_email, slugify
from app.services.passwords import (
    check_strength,
    generate_password,
    hash_password,
    needs_rehash,
    personal_words,
    verify_password,
)
from app.settings import ServerSettings

# -- safe_next ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "//evil.com",
        "//evil.com/sources",
        "http://evil.com",
        "https://evil.com/sources",
        "javascript:alert(1)",
        "evil.com",
        "sources",
        "/\\evil.com",
        "\\\\evil.com",
        "/\t/evil.com",
        "/\n/evil.com",
        " /sources",
    ],
)
def test_safe_next_refuses_anything_but_a_local_path(target: str | None) -> None:
    assert safe_next(target) == HOME


@pytest.mark.parametrize("target", ["/login", "/login?next=/x", "/logout", "/register", "/auth/x"])
def test_safe_next_does_not_loop_back_to_auth_pages(target: str) -> None:
    assert safe_next(target) == HOME


@pytest.mark.parametrize("target", ["/model", "/sql?tab=2", "/dashboards/abc#top"])
def test_safe_next_keeps_local_paths(target: str) -> None:
    assert safe_next(target) == target


# -- emails, names, slugs ---------------------------------------------------------------------------------


def test_normalise_email_lowercases_and_trims() -> None:
    assert normalise_email("  Ada.Lovelace@Example.COM ") == "ada.lovelace@example.com"


def test_normalise_email_folds_compatibility_characters() -> None:
    fullwidth_ada = "\uff41\uff44\uff41"
    assert normalise_email(f"{fullwidth_ada}@example.com") == "ada@example.com"


@pytest.mark.parametrize(
    "email", ["", "ada", "ada@", "@example.com", "ada@example", "a da@example.com", "a@b@c.com"]
)
def test_normalise_email_rejects_invalid_addresses(email: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_email(email)
    assert caught.value.field == "email"


def test_normalise_email_rejects_overlong_addresses() -> None:
    with pytest.raises(InvalidInput):
        normalise_email("a" * 320 + "@example.com")


def test_clean_name_collapses_whitespace() -> None:
    assert clean_name("  Ada \t  Lovelace \n") == "Ada Lovelace"


def test_clean_name_rejects_empty_and_overlong_names() -> None:
    with pytest.raises(InvalidInput, match="cannot be empty") as caught:
        clean_name("   ", "display_name")
    assert caught.value.field == "display_name"
    assert "display name" in str(caught.value)
    with pytest.raises(InvalidInput, match="at most 5 characters"):
        clean_name("abcdef", "name", max_length=5)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Sales\x00 2024", "Sales 2024"),
        ("Q3\x07\x1b[31m report", "Q3[31m report"),
        ("Budget\x85\x9b", "Budget"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("\u2066Team\u2069 \u200fB\u200e \u202aC\u202c\u202bD\u202d\u061c", "Team B CD"),
        ("مبيعات 2024", "مبيعات 2024"),  # right-to-left text itself is kept
    ],
)
def test_clean_name_drops_control_characters_and_direction_overrides(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean


def test_a_name_of_only_invisible_characters_is_refused_saying_why() -> None:
    with pytest.raises(InvalidInput, match="no visible characters") as caught:
        clean_name("\x00\u202e\u2066", "name")
    assert caught.value.field == "name"
    assert "text-direction" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Acme Inc.", "acme-inc"),
        ("  Ünïcödé Café  ", "unicode-cafe"),
        ("Ada's team", "ada-s-team"),
        ("---", "tenant"),
        ("東京", "tenant"),
        ("x" * 80, "x" * 40),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_slugify_output_is_a_valid_tenant_slug() -> None:
    for name in ("Acme Inc.", "Ünïcödé", "a" * 100, "!!!", "9 lives"):
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", slugify(name))


def test_token_hash_is_a_stable_sha256_hex_digest() -> None:
    assert token_hash("abc") == token_hash("abc")
    assert token_hash("abc") != token_hash("abd")
    assert re.fullmatch(r"[0-9a-f]{64}", token_hash("abc"))


# -- passwords --------------------------------------------------------------------------------------------


def test_password_hash_is_argon2id_at_owasp_parameters_or_stronger() -> None:
    encoded = hash_password("correct-horse-battery-staple-42")
    match = re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", encoded)
    assert match, encoded
    memory_kib, time_cost, parallelism = map(int, match.groups())
    assert memory_kib >= 19456 and time_cost >= 2 and parallelism >= 1
    assert "correct-horse" not in encoded


def test_password_hashes_are_salted() -> None:
    assert hash_password("same-password-twice") != hash_password("same-password-twice")


def test_verify_password() -> None:
    encoded = hash_password("correct-horse-battery-staple-42")
    assert verify_password(encoded, "correct-horse-battery-staple-42")
    assert not verify_password(encoded, "correct-horse-battery-staple-43")
    assert not needs_rehash(encoded)


def test_verify_password_without_a_hash_is_false_even_for_the_dummy() -> None:
    assert not verify_password(None, "datapilot-timing-equaliser")
    assert not verify_password("not-a-hash", "anything")


def test_weaker_hash_parameters_need_a_rehash() -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("pw")
    assert verify_password(weak, "pw")
    assert needs_rehash(weak)


def test_short_password_is_refused_with_the_minimum() -> None:
    with pytest.raises(InvalidInput, match="at least 10 characters") as caught:
        check_strength("Tr0ub4dor", 10, 3)
    assert caught.value.field == "password"


@pytest.mark.parametrize("password", ["password123", "aaaaaaaaaaaa", "qwertyuiop12"])
def test_guessable_password_is_refused_with_a_hint(password: str) -> None:
    with pytest.raises(InvalidInput, match="too easy to guess"):
        check_strength(password, 10, 3)


def test_password_equal_to_the_users_own_email_is_refused() -> None:
    email = "grace.hopper.cobol@example.com"
    check_strength(email, 10, 3)  # strong for a stranger ...
    with pytest.raises(InvalidInput, match="too easy to guess"):
        check_strength(email, 10, 3, [email, "Grace"])  # ... but not as Grace's own password


@pytest.mark.parametrize(
    ("password", "details"),
    [
        ("Tenant c 2024", ["usera@tenantc.example", "User A", "Tenant C"]),
        ("usera@tenanta", ["usera@tenanta.example", "User A", "Tenant A"]),
        ("GraceHopperNavyLabs", ["grace@navy.example", "Grace Hopper", "Navy Labs"]),
    ],
)
def test_passwords_made_of_the_users_own_details_are_refused(
    password: str, details: list[str]
) -> None:
    check_strength(password, 10, 3)  # strong for a stranger ...
    with pytest.raises(InvalidInput, match="too easy to guess"):
        check_strength(password, 10, 3, details)  # ... not from this user


def test_personal_words_split_names_and_emails() -> None:
    words = personal_words(["usera@tenanta.example", "Navy Labs 2024", None, ""])
    for expected in ("usera", "tenanta", "usera@tenanta", "navy", "labs", "navylabs2024"):
        assert expected in words
    assert len(words) == len(set(words))


def test_strong_password_passes() -> None:
    check_strength("correct-horse-battery-staple-42", 10, 3)


def test_overlong_password_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at most 1024"):
        check_strength("Zq9!" * 300, 10, 3)


def test_generated_passwords_pass_the_default_policy_and_differ() -> None:
    passwords = {generate_password() for _ in range(20)}
    assert len(passwords) == 20
    for password in passwords:
        check_strength(password, 10, 3)


# -- behind a proxy -------------------------------------------------------------------------------------
PROXY = ServerSettings(trusted_proxies=["10.0.0.0/8"])


def _request(peer: str, protocol: str = "http", **headers: str) -> HTTPServerRequest:
    context = SimpleNamespace(remote_ip=peer, protocol=protocol)
    fields = HTTPHeaders({"Host": "datapilot.example"})
    for name, value in headers.items():
        fields[name.replace("_", "-")] = value
    line = RequestStartLine("GET", "/login", "HTTP/1.1")
    return HTTPServerRequest(
        headers=fields, start_line=line, connection=SimpleNamespace(context=context)
    )


def test_https_is_tls_to_us_or_a_trusted_proxy_saying_so() -> None:
    assert request_is_https(_request("192.0.2.7", "https"), ServerSettings())
    assert request_is_https(_request("10.0.0.2", X_Forwarded_Proto="https"), PROXY)
    assert not request_is_https(_request("192.0.2.7", X_Forwarded_Proto="https"), PROXY)
    assert not request_is_https(_request("10.0.0.2", X_Forwarded_Proto="https, http"), PROXY)


def test_client_address_is_the_last_hop_no_trusted_proxy_added() -> None:
    spoofed = "1.2.3.4, 198.51.100.9, 10.0.0.3"  # the client wrote 1.2.3.4 itself
    assert request_client_address(_request("10.0.0.2", X_Forwarded_For=spoofed), PROXY) == (
        "198.51.100.9"
    )
    assert request_client_address(_request("192.0.2.7", X_Forwarded_For=spoofed), PROXY) == (
        "192.0.2.7"
    )
    assert request_client_address(_request("10.0.0.2"), PROXY) == "10.0.0.2"


# -- roles --------------------------------------------------------------------------------------------------


def _principal(role: str) -> Principal:
    import uuid

    return Principal(uuid.uuid4(), uuid.uuid4(), role, "a@example.com", "A", "T")


def test_role_ranks() -> None:
    viewer, editor, admin = _principal("viewer"), _principal("editor"), _principal("admin")
    assert (viewer.can_edit, editor.can_edit, admin.can_edit) == (False, True, True)
    assert (viewer.is_admin, editor.is_admin, admin.is_admin) == (False, False, True)


def test_require_names_the_role_and_the_action() -> None:
    with pytest.raises(Forbidden, match=r"Your role \(viewer\) cannot delete workspaces"):
        _principal("viewer").require("editor", "delete workspaces")
    _principal("admin").require("editor", "delete workspaces")
