"""Names and email addresses as users type them, made safe to store and to show.

Names lose control characters and text-direction marks (which can make a name display
reversed) and have their whitespace collapsed; emails are normalised and checked.
"""

from __future__ import annotations

import re
import unicodedata

from app.errors import InvalidInput

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    email = unicodedata.normalize("NFKC", email or "").strip().lower()
    invisible = any(not _visible(ch) for ch in email)  # PostgreSQL refuses NUL outright
    if invisible or not EMAIL_RE.match(email) or len(email) > 320:
        raise InvalidInput("Enter a valid email address, like name@example.com.", "email")
    return email


def lookup_email(email: str) -> str:
    """``email`` as typed at sign-in, normalised for lookup; invisible characters dropped (the
    store cannot even compare a NUL), so such a sign-in simply fails."""
    key = unicodedata.normalize("NFKC", email or "").strip().lower()[:320]
    return "".join(ch for ch in key if _visible(ch))


# Bidirectional marks, embeddings, overrides and isolates: invisible, and U+202E can make a
# name display reversed ("invoice\u202egpj.exe" reads "invoiceexe.jpg"); names never keep them.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def _visible(ch: str) -> bool:
    # Whitespace controls (tab, newline) survive here and are collapsed to one space below.
    if ch in _BIDI_CONTROLS:
        return False
    return ch.isspace() or unicodedata.category(ch) != "Cc"


def clean_name(name: str, field: str = "name", max_length: int = 200) -> str:
    """A name without control characters or direction overrides, whitespace collapsed."""
    raw = name or ""
    name = " ".join("".join(ch for ch in raw if _visible(ch)).split())
    label = field.replace("_", " ")
    if not name:
        if raw.strip():
            raise InvalidInput(
                f"The {label} has no visible characters; control characters and text-direction "
                "marks are removed from names.",
                field,
            )
        raise InvalidInput(f"The {label} cannot be empty.", field)
    if len(name) > max_length:
        raise InvalidInput(f"The {label} must be at most {max_length} characters.", field)
    return name


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40]
    return slug or "tenant"
