"""Column identifiers: safe for SQL, unique, stable, readable."""

from __future__ import annotations

from pipelines.ingest import make_identifiers


def test_labels_become_lowercase_ascii_snake_case() -> None:
    assert make_identifiers(
        ["Date de création", "Montant TTC (€)", "Straße", "  Nb. clients  "]
    ) == [
        "date_de_creation",
        "montant_ttc_eur",
        "strasse",
        "nb_clients",
    ]


def test_duplicates_get_numbered_suffixes() -> None:
    assert make_identifiers(["Total", "total", "TOTAL", "total_2"]) == [
        "total",
        "total_2",
        "total_3",
        "total_2_2",
    ]


def test_empty_and_symbol_only_labels_are_named_by_position() -> None:
    assert make_identifiers(["", "id", "???", "  "]) == ["column_1", "id", "column_3", "column_4"]


def test_identifiers_never_start_with_a_digit() -> None:
    assert make_identifiers(["2024", "1er trimestre"]) == ["c_2024", "c_1er_trimestre"]


def test_reserved_words_are_suffixed() -> None:
    assert make_identifiers(["order", "Group", "select", "date"]) == [
        "order_",
        "group_",
        "select_",
        "date",
    ]


def test_identifiers_are_at_most_63_characters_even_with_suffixes() -> None:
    long = "a very long column label " * 5
    names = make_identifiers([long, long])
    assert [len(n) for n in names] == [63, 63]
    assert names[0] != names[1]
    assert names[1].endswith("_2")


def test_same_header_always_gives_same_identifiers() -> None:
    header = ["Réf", "Réf", "", "Prix %", "from"]
    assert make_identifiers(header) == make_identifiers(list(header))
    assert make_identifiers(header) == ["ref", "ref_2", "column_3", "prix_pct", "from_"]
