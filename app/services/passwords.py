"""Password hashing (argon2id) and strength policy (zxcvbn, the same scorer as the meter)."""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from app.services.errors import InvalidInput

# OWASP asks for argon2id with at least m=19 MiB, t=2, p=1; we use m=46 MiB, t=2, p=1.
_HASHER = PasswordHasher(time_cost=2, memory_cost=47104, parallelism=1, hash_len=32, salt_len=16)
# A fixed hash to verify against when the account does not exist, so timing does not tell.
_DUMMY_HASH = _HASHER.hash("datapilot-timing-equaliser")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


def personal_words(values: Iterable[str | None]) -> list[str]:
    """What a password must not be built from: each value, its words and its email parts.

    zxcvbn only matches a user input as a whole word, so "usera@tenanta.example" alone does not
    catch "usera@tenanta", nor "Navy Labs" catch "NavyLabs2024". register.js expands the same way.
    """
    words: list[str] = []
    for value in values:
        value = (value or "").strip().lower()[:200]
        if not value:
            continue
        local, _, domain = value.partition("@")
        labels = domain.split(".") if domain else []
        parts = re.split(r"[^0-9a-z]+|(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])", value)
        found = [value, local, domain, *labels, "".join(value.split())]
        if labels:
            found.append(f"{local}@{labels[0]}")
        found += [p for p in parts if len(p) >= 2]
        found.append("".join(p for p in parts if p))
        words += [w for w in found if len(w) >= 2]
    return list(dict.fromkeys(words))


def check_strength(
    password: str, min_length: int, min_score: int, user_inputs: Iterable[str | None] = ()
) -> None:
    """Raise ``InvalidInput`` naming what is wrong with a new password.

    ``user_inputs`` are the user's own name, email and organisation: a password made of them
    is as guessable as a dictionary word to anyone who knows the user.
    """
    if len(password) < min_length:
        raise InvalidInput(f"Password must be at least {min_length} characters.", "password")
    if len(password) > 1024:
        raise InvalidInput("Password must be at most 1024 characters.", "password")
    result = zxcvbn(password[:100], user_inputs=personal_words(user_inputs))
    if result["score"] < min_score:
        hint = result["feedback"].get("warning") or "Add more words or characters."
        raise InvalidInput(f"Password is too easy to guess: {hint}", "password")


def generate_password(length: int = 20) -> str:
    alphabet = string.ascii_letters + string.digits
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(length // 5))
