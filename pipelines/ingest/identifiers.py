"""Safe, stable SQL identifiers derived from the column labels users see."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

MAX_IDENTIFIER = 63

# DuckDB's reserved and type-function keywords (neither works as a bare column name) plus
# the SQL standard's most common ones. Fixed here (not read from DuckDB at run time) so the
# same header always gives the same identifier.
RESERVED_WORDS = frozenset(
    (
        "all",
        "analyse",
        "analyze",
        "and",
        "anti",
        "any",
        "array",
        "as",
        "asc",
        "asof",
        "asymmetric",
        "at",
        "authorization",
        "binary",
        "both",
        "by",
        "case",
        "cast",
        "check",
        "collate",
        "collation",
        "column",
        "concurrently",
        "constraint",
        "create",
        "cross",
        "current_date",
        "current_time",
        "current_timestamp",
        "current_user",
        "default",
        "deferrable",
        "desc",
        "describe",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "false",
        "fetch",
        "for",
        "foreign",
        "freeze",
        "from",
        "full",
        "glob",
        "grant",
        "group",
        "having",
        "ilike",
        "in",
        "initially",
        "inner",
        "intersect",
        "into",
        "is",
        "isnull",
        "join",
        "lambda",
        "lateral",
        "leading",
        "left",
        "like",
        "limit",
        "natural",
        "not",
        "notnull",
        "null",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "outer",
        "overlaps",
        "pivot",
        "pivot_longer",
        "pivot_wider",
        "placing",
        "positional",
        "primary",
        "qualify",
        "references",
        "returning",
        "right",
        "select",
        "semi",
        "session_user",
        "show",
        "similar",
        "some",
        "summarize",
        "symmetric",
        "table",
        "tablesample",
        "then",
        "to",
        "trailing",
        "true",
        "union",
        "unique",
        "unpack",
        "unpivot",
        "user",
        "using",
        "variadic",
        "verbose",
        "when",
        "where",
        "window",
        "with",
    )
)

_NON_WORD = re.compile(r"[^a-z0-9]+")
_SPECIAL = {"%": " pct ", "#": " num ", "€": " eur ", "$": " usd ", "£": " gbp ", "&": " and "}


def make_identifier(label: str, position: int) -> str:
    """Return the base identifier for ``label`` (1-based ``position`` names empty labels).

    Lowercase ASCII snake_case, never empty, never starting with a digit, never a reserved
    word, at most 63 characters.
    """
    text = label.strip()
    for symbol, word in _SPECIAL.items():
        text = text.replace(symbol, word)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("ß", "ss").replace("æ", "ae").replace("œ", "oe").replace("ø", "o")
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    name = _NON_WORD.sub("_", text).strip("_")
    if not name:
        return f"column_{position}"
    if name[0].isdigit():
        name = f"c_{name}"
    name = name[:MAX_IDENTIFIER].rstrip("_")
    if name in RESERVED_WORDS:
        name = f"{name}_"
    return name


def make_identifiers(labels: Sequence[str]) -> list[str]:
    """Return unique identifiers for ``labels`` in order (duplicates get ``_2``, ``_3``...).

    Examples
    --------
    >>> make_identifiers(["Montant (€)", "Montant (€)", "", "2024", "order"])
    ['montant_eur', 'montant_eur_2', 'column_3', 'c_2024', 'order_']
    """
    taken: set[str] = set()
    result: list[str] = []
    for position, label in enumerate(labels, start=1):
        base = make_identifier(label, position)
        name = base
        counter = 2
        while name in taken:
            suffix = f"_{counter}"
            name = base[: MAX_IDENTIFIER - len(suffix)] + suffix
            counter += 1
        taken.add(name)
        result.append(name)
    return result
