"""What a join candidate's names say, and how a role-playing join is named.

Name evidence, strongest first:

- ``same``: the column has the target key's name (``customer_id`` -> ``customers.customer_id``,
  or ``customer_id`` -> ``customers.id``); two columns both called ``id`` (or ``code``...) are
  each their own table's key, not the same thing;
- ``shared``: the column's name shares a word with the target table or key
  (``manager_employee_id`` -> ``employees.employee_id``, ``customer_ref`` -> ``customers.id``);
- ``role``: the column's name is a word that often names such a table (``manager`` for
  employees, ``ship_to`` for customers): weak, from a short list;
- ``key_like``: the column's name looks like a key of something (``ref_article``, ``n_commande``);
- ``none``: nothing (``origin`` -> ``airports.faa``): only the data can tell.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

from pipelines.ingest.identifiers import MAX_IDENTIFIER

from .roles import KEY_NAMES, is_key_like, singular, words

NameKind = Literal["same", "shared", "role", "key_like", "none"]

NAME_WEIGHT: dict[NameKind, float] = {
    "same": 1.0,
    "shared": 0.6,
    "role": 0.4,
    "key_like": 0.3,
    "none": 0.0,
}
"""How much each kind of name evidence adds to a join candidate's score."""

KEY_WORDS = frozenset(
    {"id", "key", "code", "no", "num", "number", "nr", "ref", "reference", "uuid", "sku", "n",
     "fk", "numero", "pk"}
)  # fmt: skip
"""Words that say "this is a key" without saying of what."""

_PEOPLE = frozenset({"employee", "staff", "person", "people", "user", "member", "worker", "agent"})
_PARTIES = frozenset({"customer", "client", "account", "party", "contact", "address"})
ROLE_WORDS: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        ("manager", "supervisor", "boss", "mentor", "owner", "assignee", "reporter", "author",
         "approver", "reviewer", "reports", "lead", "creator"),
        _PEOPLE,
    ),
    **dict.fromkeys(("ship", "bill", "sold", "deliver", "payer", "buyer", "consignee"), _PARTIES),
}  # fmt: skip
"""Column words that often name a row of a table about people or customers (weak evidence)."""


@dataclass(frozen=True)
class NameEvidence:
    """How a column's name relates to a target table and key, and the words that say it."""

    kind: NameKind
    word: str = ""

    @property
    def weight(self) -> float:
        return NAME_WEIGHT[self.kind]

    def reason(self, column: str, table: str) -> str:
        """A short clause for a message: ``its name mentions 'employee'``."""
        if self.kind == "same":
            return "it has the key's name"
        if self.kind == "shared":
            return f"its name mentions {self.word!r}"
        if self.kind == "role":
            return f"{column!r} often names {_article(singular(table))}"
        if self.kind == "key_like":
            return "its name looks like a key"
        return "the names do not match"


def _article(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


@functools.lru_cache(maxsize=4096)
def _meaningful(name: str) -> frozenset[str]:
    return frozenset(singular(w) for w in words(name) if w not in KEY_WORDS and len(w) > 1)


@functools.lru_cache(maxsize=1024)
def _nouns(table: str) -> frozenset[str]:
    return _meaningful(table) | {singular(table)}


def name_evidence(column: str, table: str, key: str, *, self_join: bool = False) -> NameEvidence:
    """What ``column``'s name says about it pointing at ``table.key``.

    In a self-join the table's own words prove nothing (``flights.flight`` shares a word with
    ``flights.flight_id`` but is a flight number), so only role words and key-like names count.
    """
    if not self_join and (
        (column == key and key not in KEY_NAMES)
        or (key in KEY_NAMES and column in {f"{singular(table)}_{key}", f"{table}_{key}"})
    ):
        return NameEvidence("same")
    nouns = _nouns(table)
    shared = frozenset() if self_join else _meaningful(column) & (nouns | _meaningful(key))
    if shared:
        return NameEvidence("shared", sorted(shared)[0])
    for word in words(column):
        if ROLE_WORDS.get(word, frozenset()) & nouns:
            return NameEvidence("role", word)
    if is_key_like(column):
        return NameEvidence("key_like")
    return NameEvidence("none")


def role_alias(column: str, table: str, *, self_join: bool) -> str:
    """The alias of a role-playing join on ``column`` to ``table``.

    ``origin`` -> airports gives ``origin_airport``, ``ship_to_id`` -> customers gives
    ``ship_to_customer``; a self-join keeps the role alone (``manager_id`` -> ``manager``).
    """
    role = [w for w in words(column) if w not in KEY_WORDS] or words(column) or [column]
    noun = singular(table.rsplit("_", 1)[-1])
    if not self_join and noun not in {singular(w) for w in role}:
        role.append(noun)
    return "_".join(role)[:MAX_IDENTIFIER]


def role_label(alias: str) -> str:
    """How an alias is shown: ``origin_airport`` -> ``Origin airport``."""
    return alias.replace("_", " ").strip().capitalize()
