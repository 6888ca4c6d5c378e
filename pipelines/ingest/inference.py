"""Column type inference in DuckDB SQL over every value of a relation (a sample or a file).

Two aggregate queries per relation:

1. *shapes*: each value with digit runs collapsed to ``0`` (``12/03/2024`` -> ``0/0/0``),
   counted per column. Free text has many shapes and stops there as text.
2. *checks*: for the columns whose shapes allow a number, date or boolean reading, exact
   counts: values matching each number style, leading zeros, parse success of each date order.

A column gets a type only when *every* non-empty value fits it; otherwise it stays text.
"""

# SQL text is assembled from sql.literal()/sql.ident() quoted parts and fixed fragments.
# ruff: noqa: S608

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

import duckdb

from .currency import currency_format
from .dates import ORDERS, TemporalShape, formats_for, four_digit_year, parse_temporal
from .dates import strptime_sql as _strptime
from .exact import decimal_digits, double_safe, exact_type
from .numbers import (
    STYLES,
    NumberShape,
    NumberStyle,
    core_sql,
    has_fraction,
    parse_shape,
    style_accepts,
    style_regex,
)
from .plans import (
    BOOLEAN_HINT,
    NULL_TOKENS,
    STRONG_BOOLEAN,
    WEAK_BOOLEAN,
    ColumnPlan,
    fast_accepts_sql,
)
from .sql import literal

MAX_SHAPES = 500
PREPASS_ROWS = 1000
_DIGITS = re.compile("0+")
_CANONICAL_INTEGER = re.compile(r"-?0+")
_DUCKDB_BOOLEANS = frozenset({"true", "false", "t", "f", "yes", "no", "y", "n", "0", "1"})
_FIRST_GROUP = re.compile(r"\s*(0+)\D(0+)\D(0+)")
TRUE_SET = ("true", "yes", "oui", "vrai", "ja", "wahr", "si", "sí", "verdadero", "y", "t")
FALSE_SET = ("false", "no", "non", "faux", "nein", "falsch", "falso", "n", "f")


@dataclass
class _Column:
    index: int
    hint_boolean: bool
    total: int = 0
    shapes: Counter[str] = field(default_factory=Counter)
    lengths: Counter[str] = field(default_factory=Counter)
    untrimmed: int = 0
    too_many_shapes: bool = False
    null_tokens: set[str] = field(default_factory=set)
    number: tuple[list[NumberStyle], str | None, bool, list[NumberShape]] | None = None
    temporal: list[TemporalShape] | None = None
    boolean01: bool = False
    checks: dict[str, str] = field(default_factory=dict)

    @property
    def values(self) -> int:
        """Non-null values that are not null tokens."""
        return self.total - sum(self.shapes[t] for t in self.null_tokens)


def _shapes(con: duckdb.DuckDBPyConnection, relation: str, columns: list[_Column]) -> None:
    names = ", ".join(f"c{c.index}" for c in columns)
    sql = f"""
        WITH v AS (UNPIVOT (SELECT {names} FROM {relation}) ON {names} INTO NAME col VALUE v),
        s AS (
            SELECT col, translate(trim(v), '123456789', '000000000') AS shape,
                   count(*) AS n, count(*) FILTER (WHERE v <> trim(v)) AS u
            FROM v GROUP BY ALL
        ),
        k AS (SELECT col, count(*) AS k, sum(n) AS total, sum(u) AS u FROM s GROUP BY col)
        SELECT k.col, k.k, k.total, k.u, s.shape, s.n
        FROM k LEFT JOIN s ON s.col = k.col AND k.k <= {MAX_SHAPES}
    """
    by_name = {f"c{c.index}": c for c in columns}
    for col, count, total, untrimmed, shape, n in con.execute(sql).fetchall():
        column = by_name[col]
        column.total = int(total)
        column.untrimmed = int(untrimmed)
        column.too_many_shapes = count > MAX_SHAPES
        if shape is not None:
            column.lengths[shape] += int(n)
            column.shapes[_DIGITS.sub("0", shape)] += int(n)


def _candidates(column: _Column) -> None:
    """Decide from shapes alone which typed readings are still possible."""
    if column.too_many_shapes:
        return
    shapes = [s for s in column.shapes if s not in NULL_TOKENS and s != ""]
    column.null_tokens = {s for s in column.shapes if s in NULL_TOKENS or s == ""}
    if not shapes:
        return
    lowered = {s.lower() for s in shapes}
    if lowered <= STRONG_BOOLEAN or (
        column.hint_boolean and lowered <= STRONG_BOOLEAN | WEAK_BOOLEAN
    ):
        column.checks["bool"] = "true"
        return
    if column.hint_boolean and lowered <= STRONG_BOOLEAN | WEAK_BOOLEAN | {"0"}:
        column.boolean01 = True
    parsed = [parse_shape(s) for s in shapes]
    if all(p is not None for p in parsed):
        numbers = [p for p in parsed if p is not None]
        currencies = {p.currency for p in numbers}
        percents = {p.percent for p in numbers}
        if len(currencies) == 1 and len(percents) == 1:
            styles = _distinct_styles(
                [s for s in STYLES if all(style_accepts(p, s) for p in numbers)], numbers
            )
            if styles:
                column.number = (styles, currencies.pop(), percents.pop(), numbers)
    temporal = [parse_temporal(s) for s in shapes]
    if all(t is not None for t in temporal):
        readings = [t for t in temporal if t is not None]
        if len({t.timezone is None for t in readings}) == 1:
            column.temporal = readings


def _distinct_styles(styles: list[NumberStyle], shapes: list[NumberShape]) -> list[NumberStyle]:
    """Keep one style per distinct reading: styles differing only by separators that never
    appear in the values read them identically."""
    used = {ch for p in shapes for ch in p.separators}
    kept: dict[tuple[str, str], NumberStyle] = {}
    for style in styles:
        key = (style[0] if style[0] in used else "", style[1] if style[1] in used else "")
        kept.setdefault(key, style)
    return list(kept.values())


def _possible_orders(column: _Column) -> list[str]:
    """Date orders allowed by the digit counts of the values' three date parts."""
    widths = set()
    for shape in column.lengths:
        match = _FIRST_GROUP.match(shape)
        if match:
            widths.add(tuple(len(g) for g in match.groups()))
    orders = []
    if widths and all(w[0] == 4 and w[1] <= 2 and w[2] <= 2 for w in widths):
        orders.append("ymd")
    if widths and all(w[0] <= 2 and w[1] <= 2 and w[2] == 4 for w in widths):
        orders += ["dmy", "mdy"]
    if widths and all(w[0] <= 2 and w[1] <= 2 and w[2] == 2 for w in widths):
        orders += ["dmy2", "mdy2"]
    return orders


def _check_sql(column: _Column) -> dict[str, str]:
    """Aggregate expressions (name -> SQL) for the exact checks of one column."""
    t = f"trim(c{column.index})"
    checks: dict[str, str] = {}
    if column.boolean01:
        words = ", ".join(literal(w) for w in ("0", "1", *TRUE_SET, *FALSE_SET))
        checks["b01"] = f"count(*) FILTER (WHERE lower({t}) IN ({words}))"
    if column.number:
        styles, currency, percent, shapes = column.number
        core = core_sql(t, currency, percent, any(p.parens for p in shapes))
        for i, style in enumerate(styles):
            regex = literal(style_regex(style))
            checks[f"n{i}"] = f"count(*) FILTER (WHERE regexp_full_match({core}, {regex}))"
        checks["lead0"] = f"count(*) FILTER (WHERE regexp_matches({core}, '^[+-]?0[0-9]'))"

    if column.temporal:
        for order in _possible_orders(column):
            parsed = _strptime(t, formats_for(order, column.temporal))
            cond = f"year({parsed}) >= 1000" if four_digit_year(order) else f"{parsed} IS NOT NULL"
            checks[f"d_{order}"] = f"count(*) FILTER (WHERE {cond})"
    return checks


def _run_checks(
    con: duckdb.DuckDBPyConnection, relation: str, columns: list[_Column]
) -> dict[int, dict[str, int]]:
    parts: list[str] = []
    keys: list[tuple[int, str]] = []
    for column in columns:
        for name, sql in _check_sql(column).items():
            parts.append(sql)
            keys.append((column.index, name))
    results: dict[int, dict[str, int]] = {c.index: {} for c in columns}
    if not parts:
        return results
    row = con.execute(f"SELECT {', '.join(parts)} FROM {relation}").fetchone()
    assert row is not None
    for (index, name), value in zip(keys, row, strict=True):
        results[index][name] = int(value or 0)
    return results


@dataclass(frozen=True)
class _NumberChoice:
    styles: list[NumberStyle]
    column: _Column
    counts: dict[str, int]


def _valid_styles(column: _Column, counts: dict[str, int]) -> list[NumberStyle]:
    assert column.number is not None
    styles = column.number[0]
    return [s for i, s in enumerate(styles) if counts.get(f"n{i}", -1) == column.values]


def _locale_decimal(choices: list[_NumberChoice], delimiter: str) -> str:
    votes: Counter[str] = Counter()
    for choice in choices:
        decimals = {s[0] for s in choice.styles}
        shapes = choice.column.number[3] if choice.column.number else []
        if len(decimals) == 1 and any(p.separators for p in shapes):
            votes[decimals.pop()] += 1
    if votes[","] != votes["."]:
        return "," if votes[","] > votes["."] else "."
    return "," if delimiter == ";" else "."


def _number_plan(column: _Column, choice: _NumberChoice, locale: str) -> ColumnPlan:
    assert column.number is not None
    _, currency, percent, shapes = column.number
    counts = choice.counts
    styles = sorted(choice.styles, key=lambda s: (s[0] != locale, s[1] != ""))
    style = styles[0]
    ambiguous = len({s[0] for s in styles}) > 1 and any(p.separators for p in shapes)
    parens = any(p.parens for p in shapes)
    base = ColumnPlan(
        column.index,
        trim=column.untrimmed > 0 or bool(currency) or percent or parens,
        null_tokens=tuple(sorted(column.null_tokens)),
        currency=currency,
        percent=percent,
        parens=parens,
        currency_format=(
            currency_format(currency, style, column.lengths, parens=parens) if currency else None
        ),
        style=style,
        ambiguous=ambiguous,
    )
    if counts.get("lead0", 0) > 0:
        return base.as_text("leading zeros: kept as text")
    fraction = any(has_fraction(p, style) for p in shapes)
    canonical = style == (".", "") and not currency and not base.trim
    if not fraction and not percent:
        if any(shape.count("0") > 18 for shape in column.lengths):
            return base.as_text("more than 18 digits: kept as text")
        plain = all(
            _CANONICAL_INTEGER.fullmatch(shape)
            for shape in column.lengths
            if shape not in column.null_tokens
        )
        return replace(base, type="integer", fast=canonical and plain)
    note = None
    if ambiguous:
        note = f"'.' and ',' both fit every value; read with '{style[0]}' as decimal separator"
    digits = None if percent else decimal_digits(_values(column), style)
    exact = exact_type(*digits) if digits else None
    fast = canonical and not percent and (exact is None or (digits and double_safe(*digits)))
    return replace(base, type="decimal", note=note, fast=bool(fast), exact=exact)


def _values(column: _Column) -> list[str]:
    """The length-keeping shapes of the column's values (null tokens left out)."""
    return [s for s in column.lengths if s not in column.null_tokens and s != ""]


def _temporal_plan(column: _Column, counts: dict[str, int], day_first: bool) -> ColumnPlan | None:
    assert column.temporal is not None
    valid = [o for o in ORDERS if counts.get(f"d_{o}", -1) == column.values]
    if not valid:
        return None
    ambiguous = False
    if "ymd" in valid:
        order = "ymd"
    else:
        four = [o for o in valid if four_digit_year(o)] or valid
        if len(four) > 1:
            ambiguous = True
            order = next(o for o in four if o.startswith("dmy" if day_first else "mdy"))
        else:
            order = four[0]
    formats = tuple(formats_for(order, column.temporal))
    has_time = any(t.time for t in column.temporal)
    note = None
    if ambiguous:
        first = "day" if order.startswith("dmy") else "month"
        note = f"every value fits both day/month orders; read with the {first} first"
    widths = {len(shape) for shape in column.lengths if shape not in column.null_tokens}
    fast = formats in (("%Y-%m-%d",), ("%Y-%m-%d %H:%M:%S",), ("%Y-%m-%dT%H:%M:%S",))
    fast = fast and widths == {len(formats[0]) + 2} and not column.untrimmed
    return ColumnPlan(
        column.index,
        fast=fast,
        type="timestamp" if has_time else "date",
        formats=formats,
        year_check=four_digit_year(order),
        timezone=any(t.timezone for t in column.temporal),
        null_tokens=tuple(sorted(column.null_tokens)),
        trim=column.untrimmed > 0,
        ambiguous=ambiguous,
        note=note,
    )


def _boolean_plan(column: _Column, with_digits: bool) -> ColumnPlan:
    words = {s.lower() for s in column.shapes if s not in column.null_tokens}
    return ColumnPlan(
        column.index,
        fast=words <= _DUCKDB_BOOLEANS and not column.untrimmed,
        type="boolean",
        true_values=TRUE_SET + (("1",) if with_digits else ()),
        false_values=FALSE_SET + (("0",) if with_digits else ()),
        null_tokens=tuple(sorted(column.null_tokens)),
        trim=column.untrimmed > 0,
    )


def _plan_columns(
    con: duckdb.DuckDBPyConnection, relation: str, columns: list[_Column], delimiter: str
) -> tuple[list[ColumnPlan], dict[int, int]]:
    """Shapes, checks and decisions over every value of ``relation``."""
    _shapes(con, relation, columns)
    for column in columns:
        _candidates(column)
    counts = _run_checks(con, relation, columns)
    choices = {}
    for column in columns:
        if column.number:
            styles = _valid_styles(column, counts[column.index])
            if styles:
                choices[column.index] = _NumberChoice(styles, column, counts[column.index])
    locale = _locale_decimal(list(choices.values()), delimiter)
    day_first = locale == "," or delimiter == ";"
    plans: list[ColumnPlan] = []
    for column in columns:
        plan = ColumnPlan(column.index)
        if column.values <= 0:
            plans.append(plan)
            continue
        if "bool" in column.checks:
            plan = _boolean_plan(column, with_digits=False)
        elif column.boolean01 and counts[column.index].get("b01") == column.values:
            plan = _boolean_plan(column, with_digits=True)
        elif column.index in choices:
            plan = _number_plan(column, choices[column.index], locale)
        elif column.temporal:
            plan = _temporal_plan(column, counts[column.index], day_first) or plan
        plans.append(plan)
    return plans, {c.index: c.total for c in columns}


def _verify_fast(
    con: duckdb.DuckDBPyConnection, relation: str, plans: list[ColumnPlan]
) -> dict[int, int]:
    """Non-null counts of the columns whose every value fits their fast plan (cheap casts)."""
    if not plans:
        return {}
    parts = []
    for plan in plans:
        parts.append(f"count(*) FILTER (WHERE NOT ({fast_accepts_sql(plan)}))")
        parts.append(f"count({plan.raw})")
    row = con.execute(f"SELECT {', '.join(parts)} FROM {relation}").fetchone()
    assert row is not None
    return {p.index: int(row[2 * i + 1]) for i, p in enumerate(plans) if row[2 * i] == 0}


def infer_plans(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    indexes: list[int],
    identifiers: list[str],
    *,
    delimiter: str,
) -> tuple[list[ColumnPlan], dict[int, int]]:
    """Plan every column of ``relation`` (raw VARCHAR columns ``c{index}``).

    Returns the plans and, per column index, the number of non-null values seen.

    The first rows are planned first. A column they show to be text is text (one value fits
    no typed reading). A column they show to hold canonical values (plain integers, ISO
    dates...) is confirmed over all rows with cheap casts. Only the others get the full
    shape analysis over all rows.

    Parameters
    ----------
    relation
        A SQL FROM item: a table, a subquery or a ``read_csv(...)`` call.
    identifiers
        Column identifiers, used for hints (``is_active`` allows ``0/1`` booleans).
    delimiter
        The file delimiter: ``;`` files prefer decimal commas and day-first dates when the
        values alone cannot tell.
    """
    hints = {
        i: bool(BOOLEAN_HINT.match(name)) for i, name in zip(indexes, identifiers, strict=True)
    }
    if not indexes:
        return [], {}
    first = [_Column(i, hints[i]) for i in indexes]
    tentative, seen = _plan_columns(
        con, f"(SELECT * FROM {relation} LIMIT {PREPASS_ROWS})", first, delimiter
    )
    decided: dict[int, ColumnPlan] = {}
    totals: dict[int, int] = {}
    for plan, column in zip(tentative, first, strict=True):
        if plan.type == "text" and column.values > 0:
            decided[plan.index], totals[plan.index] = plan, seen[plan.index]
    confirmed = _verify_fast(con, relation, [p for p in tentative if p.fast])
    for plan in tentative:
        if plan.index in confirmed:
            decided[plan.index], totals[plan.index] = plan, confirmed[plan.index]
    rest = [_Column(i, hints[i]) for i in indexes if i not in decided]
    if rest:
        plans, counted = _plan_columns(con, relation, rest, delimiter)
        decided.update({p.index: p for p in plans})
        totals.update(counted)
    return [decided[i] for i in indexes], totals
