"""Names for the columns of a file without a header row, read from their content.

A column is named only when its content leaves no doubt: every non-empty value of the
sample is an e-mail address (``Email``), a web address (``URL``), a phone number written with
separators or ``+`` (``Phone``), a country code (``Country``), a UUID (``UUID``); or its type
says it (``Date``, ``Datetime``, ``Amount`` for a currency, ``Percent``, ``Flag`` for a
boolean), or it holds unique whole numbers counting up like an ``ID``. Anything else keeps
its generic ``column_N`` name. Names are unique (``Email``, ``Email 2``) and the user can
rename any column in the schema editor.
"""

# SQL text is assembled from fixed fragments and generated column names (c0, c1...).
# ruff: noqa: S608

from __future__ import annotations

from collections import Counter

import duckdb

from .plans import ColumnPlan
from .sql import literal

COUNTRY_CODES = frozenset(
    {
        "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX",
        "AZ", "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ",
        "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK",
        "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM",
        "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR",
        "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS",
        "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN",
        "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN",
        "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV",
        "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ",
        "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI",
        "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
        "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC",
        "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV",
        "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR",
        "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
        "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW", "UK", "EU",
    }
)  # fmt: skip
"""ISO 3166-1 alpha-2 codes, plus ``UK`` and ``EU`` as they appear in exports."""

TEXT_KINDS: dict[str, str] = {
    "Email": r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}",
    "URL": r"(?i)(https?://|www\.)[^\s]+",
    "Phone": r"\+?[0-9 ().-]{7,24}",
    "UUID": r"(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
}
"""Names of text columns whose every value matches the regular expression (RE2, whole value)."""

TYPE_NAMES = {"date": "Date", "timestamp": "Datetime", "boolean": "Flag"}


def _text_checks(plan: ColumnPlan) -> list[str]:
    v = f"trim({plan.raw})"
    checks = [f"count(*) FILTER (WHERE {v} <> '')"]
    for kind, regex in TEXT_KINDS.items():
        condition = f"regexp_full_match({v}, {literal(regex)})"
        if kind == "Phone":  # 7 to 15 digits, with a + or separators (not a bare code)
            digits = f"length(regexp_replace({v}, '[^0-9]', '', 'g'))"
            condition += f" AND {digits} BETWEEN 7 AND 15 AND regexp_matches({v}, '[+ ().-]')"
        checks.append(f"count(*) FILTER (WHERE {v} <> '' AND {condition})")
    codes = ", ".join(literal(c) for c in sorted(COUNTRY_CODES))
    checks.append(f"count(*) FILTER (WHERE {v} <> '' AND {v} IN ({codes}))")
    return checks


def _integer_checks(plan: ColumnPlan) -> list[str]:
    n = f"TRY_CAST(trim({plan.raw}) AS BIGINT)"
    return [
        "count(*)",
        f"count({n})",
        f"count(DISTINCT {n})",
        f"coalesce(min({n}), -1)",
        f"coalesce(max({n}), -1)",
    ]


def _text_name(counts: list[int]) -> str | None:
    filled, *matches = counts
    if filled == 0:
        return None
    kinds = [*TEXT_KINDS, "Country"]
    return next((kind for kind, n in zip(kinds, matches, strict=True) if n == filled), None)


def _is_id(counts: list[int], first: bool) -> bool:
    rows, values, distinct, low, high = counts
    unique = rows >= 2 and values == rows == distinct and low >= 0
    return unique and (first or high - low + 1 == rows)


def _type_name(plan: ColumnPlan) -> str | None:
    if plan.type in ("integer", "decimal") and plan.currency:
        return "Amount"
    if plan.type == "decimal" and plan.percent:
        return "Percent"
    return TYPE_NAMES.get(plan.type)


def content_labels(
    con: duckdb.DuckDBPyConnection, relation: str, plans: list[ColumnPlan], labels: list[str]
) -> list[str]:
    """Labels for the columns of a headerless file: a name from content, else ``labels[i]``.

    Parameters
    ----------
    relation
        The sampled rows, raw VARCHAR columns ``c{index}`` (every row is data).
    plans
        The column plans from the same rows, in file order.
    labels
        The generic labels (``column_1``...) kept when the content is not clear.
    """
    named: dict[int, str] = {}
    parts: list[str] = []
    slices: list[tuple[int, str, int, int]] = []
    for position, plan in enumerate(plans):
        by_type = _type_name(plan)
        if by_type:
            named[position] = by_type
            continue
        checks = _text_checks(plan) if plan.type == "text" else []
        if plan.type == "integer" and "ID" not in named.values():
            checks = _integer_checks(plan)
        if checks:
            slices.append((position, plan.type, len(parts), len(parts) + len(checks)))
            parts += checks
    row = con.execute(f"SELECT {', '.join(parts)} FROM {relation}").fetchone() if parts else None
    taken_id = False
    for position, kind, start, end in slices:
        counts = [int(v or 0) for v in (row or ())[start:end]]
        if kind == "text":
            name = _text_name(counts)
        elif not taken_id and _is_id(counts, position == 0):
            name, taken_id = "ID", True
        else:
            name = None
        if name:
            named[position] = name
    return _unique([named.get(i, label) for i, label in enumerate(labels)])


def _unique(labels: list[str]) -> list[str]:
    """``["Email", "Email"]`` -> ``["Email", "Email 2"]``."""
    seen: Counter[str] = Counter()
    result = []
    for label in labels:
        seen[label] += 1
        result.append(label if seen[label] == 1 else f"{label} {seen[label]}")
    return result
