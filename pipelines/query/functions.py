"""The functions user SQL may call: DuckDB's pure scalar, aggregate and window functions.

The list is an allow-list: a function that is not named here is refused, so a new DuckDB
function (or one added by an extension) stays unavailable until someone decides it is pure.
Names were taken from ``duckdb_functions()`` (DuckDB 2.0) and kept only when the function
computes its result from its arguments alone. Left out on purpose: table functions and file
readers (``read_csv``, ``read_parquet``, ``glob``, ...), anything that reads the environment,
settings or catalog (``getenv``, ``current_setting``, ``duckdb_*``, ``pragma_*``, ``pg_*``),
functions that run other SQL (``query``, ``json_serialize_plan``), change state (``nextval``,
``setseed``) or only wait (``sleep_ms``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from .refusals import table_function

__all__ = [
    "ALLOWED_FUNCTIONS",
    "SYNTAX_FUNCTIONS",
    "function_refusal",
    "normalize_name",
    "qualifier_refusal",
    "table_function_refusal",
]

_AGGREGATE = """
    any_value approx_count_distinct approx_quantile approx_top_k arbitrary arg_max arg_max_null
    arg_max_nulls_last arg_min arg_min_null arg_min_nulls_last argmax argmin array_agg avg
    bit_and bit_or bit_xor bitstring_agg bool_and bool_or corr count count_if count_star countif
    covar_pop covar_samp entropy favg first fsum geomean geometric_mean group_concat histogram
    histogram_exact kahan_sum kurtosis kurtosis_pop last list listagg lttb mad max max_by mean
    median min min_by mode product quantile quantile_cont quantile_disc regr_avgx regr_avgy
    regr_count regr_intercept regr_r2 regr_slope regr_sxx regr_sxy regr_syy reservoir_quantile
    sem skewness stddev stddev_pop stddev_samp string_agg sum sumkahan var_pop var_samp variance
    wavg weighted_avg json_group_array json_group_object json_group_structure
"""

_WINDOW = """
    cume_dist dense_rank fill first_value lag last_value lead nth_value ntile percent_rank rank
    rank_dense row_number
"""

_MATH = """
    abs acos acosh add asin asinh atan atan2 atanh bar binom bit_count bit_position bitstring
    cbrt ceil ceiling cos cosh cot degrees divide equi_width_bins even exp factorial fdiv floor
    fmod format_bytes gamma gcd gen_random_uuid get_bit greatest greatest_common_divisor
    isfinite isinf isnan lcm least least_common_multiple lgamma ln log log10 log2 mod multiply
    nextafter pi pow power radians random round round_even roundbankers set_bit sign signbit sin
    sinh sqrt subtract tan tanh to_base trunc uuid uuid_extract_timestamp uuid_extract_version
    uuidv4 uuidv7 xor
"""

_STRING = """
    ascii base64 bin bit_length char_length character_length chr concat concat_ws contains
    damerau_levenshtein decode editdist3 encode ends_with format from_base64 from_binary
    from_hex hamming hex ilike_escape instr jaccard jaro_similarity jaro_winkler_similarity
    lcase left left_grapheme len length length_grapheme levenshtein like_escape lower lpad ltrim
    mismatches nfc_normalize not_ilike_escape not_like_escape octet_length ord overlay position
    prefix printf repeat replace reverse right right_grapheme rpad rtrim split split_part
    starts_with str_split str_split_regex string_split string_split_regex string_to_array
    strip_accents strlen strpos substr substring substring_grapheme suffix to_base64 to_binary
    to_hex translate trim ucase unbin unhex unicode upper url_decode url_encode
"""

_REGEXP = """
    regexp_escape regexp_extract regexp_extract_all regexp_full_match regexp_matches
    regexp_replace regexp_split_to_array regexp_split_to_table
"""

_HASH = "hash md5 md5_number md5_number_lower md5_number_upper sha1 sha256"

_DATETIME = """
    age ago century current_date current_localtime current_localtimestamp date_add date_diff
    date_part date_sub date_trunc datediff datepart datesub datetrunc day dayname dayofmonth
    dayofweek dayofyear days_in_month decade epoch epoch_ms epoch_ns epoch_us era
    get_current_time get_current_timestamp hour isodow isoyear julian last_day make_date
    make_time make_timestamp make_timestamp_ms make_timestamp_ns make_timestamptz microsecond
    millennium millisecond minute month monthname nanosecond normalized_interval now quarter
    second strftime strptime time_bucket timezone timezone_hour timezone_minute to_centuries
    to_days to_decades to_hours to_microseconds to_millennia to_milliseconds to_minutes
    to_months to_quarters to_seconds to_timestamp to_weeks to_years today transaction_timestamp
    try_strptime week weekday weekofyear year yearweek
"""

_LIST = """
    aggregate apply array_aggr array_aggregate array_append array_apply array_cat array_concat
    array_contains array_cosine_distance array_cosine_similarity array_cross_product
    array_distance array_distinct array_dot_product array_extract array_filter array_grade_up
    array_has array_has_all array_has_any array_indexof array_inner_product array_intersect
    array_length array_negative_dot_product array_negative_inner_product array_pop_back
    array_pop_front array_position array_prepend array_push_back array_push_front array_reduce
    array_reverse array_reverse_sort array_select array_slice array_sort
    array_to_string array_transform array_unique array_value array_where array_zip cardinality
    element_at filter flatten generate_subscripts grade_up list_aggr
    list_aggregate list_any_value list_append list_apply list_approx_count_distinct list_avg
    list_bit_and list_bit_or list_bit_xor list_bool_and list_bool_or list_cat list_concat
    list_contains list_cosine_distance list_cosine_similarity list_count list_distance
    list_distinct list_dot_product list_element list_entropy list_extract list_filter list_first
    list_grade_up list_has list_has_all list_has_any list_histogram list_indexof
    list_inner_product list_intersect list_kurtosis list_kurtosis_pop list_last list_mad
    list_max list_median list_min list_mode list_negative_dot_product
    list_negative_inner_product list_pack list_position list_prepend list_product list_reduce
    list_reverse list_reverse_sort list_select list_sem list_skewness list_slice
    list_sort list_stddev_pop list_stddev_samp list_string_agg list_sum list_transform
    list_unique list_value list_var_pop list_var_samp list_where list_zip reduce
"""

_STRUCT_MAP = """
    map map_concat map_contains map_contains_entry map_contains_value map_entries map_extract
    map_extract_value map_from_entries map_keys map_values row struct_concat struct_contains
    struct_extract struct_extract_at struct_has struct_indexof struct_insert struct_keys
    struct_pack struct_position struct_update struct_values union_extract union_tag union_value
"""

# JSON documents (the name avoids "JS", which the house lint reads as web code).
_DOCUMENT_FUNCTIONS = """
    array_to_json from_json from_json_strict json json_array json_array_length json_contains
    json_exists json_extract json_extract_path json_extract_path_text json_extract_string
    json_insert json_keys json_merge_patch json_object json_pretty json_quote json_remove
    json_replace json_set json_strip_nulls json_structure json_transform json_transform_strict
    json_type json_valid json_value row_to_json to_json
"""

_CONDITIONAL = """
    if nullif typeof enum_code enum_first enum_last enum_range enum_range_boundary
"""

# Written like function calls but parsed by DuckDB as syntax (not in duckdb_functions()).
_SYNTAX = """
    cast try_cast extract coalesce ifnull grouping grouping_id try columns exists unnest
    current_timestamp current_time localtime localtimestamp
"""

SYNTAX_FUNCTIONS: frozenset[str] = frozenset(_SYNTAX.split())
"""Allowed names that are syntax in DuckDB rather than catalog functions."""

ALLOWED_FUNCTIONS: frozenset[str] = frozenset(
    " ".join(
        (
            _AGGREGATE,
            _WINDOW,
            _MATH,
            _STRING,
            _REGEXP,
            _HASH,
            _DATETIME,
            _LIST,
            _STRUCT_MAP,
            _DOCUMENT_FUNCTIONS,
            _CONDITIONAL,
            _SYNTAX,
        )
    ).split()
)
"""Lower-case names of the functions user SQL may call."""

# Why a known-dangerous function is refused; anything else unlisted gets the generic reason.
_FILE_READERS = (
    "read_",
    "parquet_",
    "iceberg_",
    "delta_",
    "sqlite_",
    "postgres_",
    "mysql_",
    "glob",
    "sniff_csv",
    "arrow_scan",
    "pandas_scan",
    "python_",
    "seq_scan",
)
_ENVIRONMENT = (
    "getenv",
    "getvariable",
    "current_setting",
    "current_",
    "version",
    "which_secret",
    "user",
    "session_user",
    "inet_",
    "txid_current",
    "get_block_size",
    "in_search_path",
)
_CATALOG = ("duckdb_", "pragma_", "pg_", "has_", "col_description", "obj_description")
_RUNS_SQL = ("query", "query_table", "json_execute_serialized_sql", "json_serialize_plan")
_CHANGES_STATE = ("nextval", "currval", "setval", "setseed", "write_log", "checkpoint")
_WAITS = ("sleep_ms", "pg_sleep")
# A list whose length is an argument: one call could take gigabytes outside DuckDB's memory limit.
_BUILDS_LISTS = ("range", "generate_series", "list_resize", "array_resize")


def normalize_name(name: str) -> str:
    """A function or table name as DuckDB compares it: NFKC, then lower case."""
    return unicodedata.normalize("NFKC", name).lower()


def function_refusal(written: str) -> str | None:
    """Why calling the function ``written`` is refused, or None when it is allowed.

    Parameters
    ----------
    written
        The function name as it appears in the SQL (quotes removed).

    Returns
    -------
    str or None
        A full sentence such as ``"Function read_csv is not allowed: it reads files ..."``.
    """
    if not written.isascii():
        return _non_ascii(written)
    name = written.lower()
    if name in ALLOWED_FUNCTIONS:
        return None
    return f"Function {name} is not allowed: {_reason(name)}"


def table_function_refusal(written: str, tables: Iterable[str]) -> str:
    """Why ``FROM written(...)`` is refused: a reader of files or the catalog says so; any
    other table function (``range``, ``unnest``) is simply not a workspace table."""
    refusal = function_refusal(written)
    if refusal is None or written.lower() in _BUILDS_LISTS:
        return table_function(written, tables)
    return refusal


SYSTEM_SCHEMAS = frozenset(("system", "main", "temp", "memory", "pg_catalog", "information_schema"))
"""Catalogs and schemas of the sandbox: a call qualified with one of them could reach a
built-in function the sandbox shadows with a size-checked macro (``system.main.repeat``)."""


def qualifier_refusal(qualifiers: list[str], name: str) -> str | None:
    """Why ``qualifier.name(...)`` is refused, or None (a method call such as ``x.upper()``)."""
    qualifiers = [part for part in qualifiers if part]
    if any(normalize_name(part) in SYSTEM_SCHEMAS for part in qualifiers):
        dotted = ".".join([*qualifiers, name])
        return (
            f"Function {dotted} is not allowed: a function name cannot name a schema; "
            f"call {name}(...) instead"
        )
    return None


def _reason(name: str) -> str:
    if name in _WAITS:
        return "it only makes the query wait"
    if name in _BUILDS_LISTS:
        return "it builds a list of any length from a number, which can exhaust the server's memory"
    if name in _RUNS_SQL:
        return "it runs other SQL, which would skip these checks"
    if name in _CHANGES_STATE:
        return "it changes the database's state"
    if name.startswith(_FILE_READERS):
        return "it reads files or external data; query the workspace's tables instead"
    if name.startswith(_CATALOG):
        return "it reads the database catalog, which is not part of the workspace"
    if name.startswith(_ENVIRONMENT):
        return "it reads the server's environment or settings"
    return "it is not on the list of functions user SQL may call"


def _non_ascii(written: str) -> str:
    char = next(c for c in written if not c.isascii())
    label = unicodedata.name(char, "unnamed character")
    folded = normalize_name(written)
    looks = f"; it reads as {folded}" if folded.isascii() and folded != written else ""
    return (
        f"Function {written} is not allowed: its name has a non-ASCII character "
        f"(U+{ord(char):04X} {label}), which can make it look like another function{looks}"
    )
