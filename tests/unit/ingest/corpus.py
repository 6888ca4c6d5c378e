"""A generated corpus of messy files, each with the table a user intends it to hold.

Every case writes its file into a temporary folder (nothing large is committed) and states
the intended labels, identifiers, types and every cell value.
"""

from __future__ import annotations

import datetime as dt
import gzip
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipelines.ingest import IngestOptions

D = dt.date
T = dt.datetime
NBSP = "\u00a0"
NNBSP = "\u202f"

Column = tuple[str, str, str]  # label, identifier, type


@dataclass(frozen=True)
class Case:
    """One corpus file and the table it must become."""

    name: str
    filename: str
    write: Callable[[Path], None]
    columns: list[Column]
    rows: list[tuple[Any, ...]]
    options: IngestOptions = field(default_factory=IngestOptions)
    detected: dict[str, Any] = field(default_factory=dict)
    bad_lines: list[int] = field(default_factory=list)
    plain_csv: bool = True  # whether DuckDB's read_csv can be pointed at it for comparison


def text(content: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_bytes(content.encode(encoding))

    return write


def raw(content: bytes) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_bytes(content)

    return write


def _late_values(rows: int, late: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        rng = random.Random(7)
        lines = ["id,amount,code"]
        for i in range(1, rows):
            lines.append(f"{i},{rng.randint(1, 999)},{rng.randint(100, 999)}")
        lines.append(f"{rows},{late},{rng.randint(100, 999)}")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    return write


def _late_rows(rows: int, late: str) -> list[tuple[Any, ...]]:
    rng = random.Random(7)
    values: list[tuple[Any, ...]] = []
    for i in range(1, rows):
        values.append((i, rng.randint(1, 999), rng.randint(100, 999)))
    values.append((rows, late, rng.randint(100, 999)))
    return values


def _ascii_then_cp1252(path: Path) -> None:
    # The first 4 MiB are pure ASCII; a Windows-1252 "é" only appears at the end.
    lines = ["id,city"]
    lines += [f"{i},Paris" for i in range(1, 450_001)]
    body = ("\n".join(lines) + "\n").encode("ascii") + "450001,Orléans\n".encode("cp1252")
    path.write_bytes(body)


def _gzip(content: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_bytes(gzip.compress(content.encode("utf-8")))

    return write


def _xlsx(path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "Ventes"
    first.append(["Réf", "Produit", "Prix", "Date", "Payé"])
    first.append(["00012", "Stylo", 1.5, dt.datetime(2024, 2, 1), True])
    first.append(["00013", "Cahier", 3, dt.datetime(2024, 3, 15), False])
    second = book.create_sheet("Clients")
    second.append(["Client", "Inscrit le", "Visites"])
    second.append(["ACME", dt.datetime(2023, 5, 4, 10, 30), 12])
    second.append(["Globex", dt.datetime(2022, 1, 9, 8, 0), 3])
    second.append(["Initech", None, 0])
    book.save(path)


def _parquet(path: Path) -> None:
    duckdb.sql(
        "COPY (SELECT * FROM (VALUES (1, 'Zoé', 2.5, DATE '2024-01-02', true), "
        "(2, 'Ana', NULL, DATE '2024-01-03', false)) "
        't("Order ID", "Nom client", "Montant €", "Date", "Select")) '
        f"TO '{path}' (FORMAT parquet)"
    )


CASES: list[Case] = [
    Case(
        "semicolon_decimal_comma_latin1_preamble",
        "export_fr.csv",
        text(
            "Export généré le 01/02/2024\nSociété : ACME\n\n"
            "Réf;Libellé;Montant;Date;Payé;Remise\n"
            "00017;Café crème;1 234,56;01/02/2024;oui;12,5 %\n"
            '00018;"Thé; vert";12,50;13/02/2024;non;3 %\n'
            "00019;Crêpe;-3,00;;oui;0 %\n",
            "cp1252",
        ),
        [
            ("Réf", "ref", "text"),
            ("Libellé", "libelle", "text"),
            ("Montant", "montant", "decimal"),
            ("Date", "date", "date"),
            ("Payé", "paye", "boolean"),
            ("Remise", "remise", "decimal"),
        ],
        [
            ("00017", "Café crème", 1234.56, D(2024, 2, 1), True, 0.125),
            ("00018", "Thé; vert", 12.5, D(2024, 2, 13), False, 0.03),
            ("00019", "Crêpe", -3.0, None, True, 0.0),
        ],
        detected={
            "encoding": "windows-1252",
            "delimiter": ";",
            "skipped_lines": 3,
            "decimal_separator": ",",
            "date_formats": {"date": "%d/%m/%Y"},
        },
    ),
    Case(
        "utf16le_bom_tab",
        "unicode.txt",
        raw(
            b"\xff\xfe"
            + "Nom\tVille\tScore\nÉlodie\tSão Paulo\t12\nJürgen\tKöln\t7\n".encode("utf-16-le")
        ),
        [("Nom", "nom", "text"), ("Ville", "ville", "text"), ("Score", "score", "integer")],
        [("Élodie", "São Paulo", 12), ("Jürgen", "Köln", 7)],
        detected={"encoding": "utf-16-le", "bom": True, "delimiter": "\t"},
    ),
    Case(
        "utf16be_bom_comma",
        "big_endian.csv",
        raw(b"\xfe\xff" + "city,population\nZürich,421878\nMálaga,578460\n".encode("utf-16-be")),
        [("city", "city", "text"), ("population", "population", "integer")],
        [("Zürich", 421878), ("Málaga", 578460)],
        detected={"encoding": "utf-16-be", "bom": True},
    ),
    Case(
        "utf8_bom",
        "bom.csv",
        raw(b"\xef\xbb\xbf" + "name,amount\nÅsa,10.5\nNiño,3.25\n".encode()),
        [("name", "name", "text"), ("amount", "amount", "decimal")],
        [("Åsa", 10.5), ("Niño", 3.25)],
        detected={"encoding": "utf-8", "bom": True},
    ),
    Case(
        "tab_separated_tsv",
        "data.tsv",
        text("id\tlabel\tprice\n1\ta, b\t2.5\n2\tc; d\t3\n"),
        [("id", "id", "integer"), ("label", "label", "text"), ("price", "price", "decimal")],
        [(1, "a, b", 2.5), (2, "c; d", 3.0)],
        detected={"delimiter": "\t"},
    ),
    Case(
        "pipe_separated",
        "pipes.txt",
        text("code|name|qty\nA1|Widget, large|4\nB2|Gadget; small|10\nC3|Thing|0\n"),
        [("code", "code", "text"), ("name", "name", "text"), ("qty", "qty", "integer")],
        [("A1", "Widget, large", 4), ("B2", "Gadget; small", 10), ("C3", "Thing", 0)],
        detected={"delimiter": "|"},
    ),
    Case(
        "quoted_newlines",
        "notes.csv",
        text('id,note,score\n1,"first line\nsecond line",5\n2,"single",6\n3,"a\n\nb",7\n'),
        [("id", "id", "integer"), ("note", "note", "text"), ("score", "score", "integer")],
        [(1, "first line\nsecond line", 5), (2, "single", 6), (3, "a\n\nb", 7)],
    ),
    Case(
        "escaped_doubled_quotes",
        "quotes.csv",
        text('id,quote\n1,"He said ""hi"""\n2,"a ""b"", c"\n3,plain\n'),
        [("id", "id", "integer"), ("quote", "quote", "text")],
        [(1, 'He said "hi"'), (2, 'a "b", c'), (3, "plain")],
    ),
    Case(
        "backslash_escaped_quotes",
        "backslash.csv",
        text('id,quote\n1,"He said \\"hi\\""\n2,"x \\"y\\" z"\n3,"plain"\n'),
        [("id", "id", "integer"), ("quote", "quote", "text")],
        [(1, 'He said "hi"'), (2, 'x "y" z'), (3, "plain")],
    ),
    Case(
        "ragged_rows_padded",
        "ragged.csv",
        text("a,b,c,d\n1,x,2.5,yes\n2,y\n3,z,4.5\n4,w,1.5,no\n"),
        [("a", "a", "integer"), ("b", "b", "text"), ("c", "c", "decimal"), ("d", "d", "boolean")],
        [(1, "x", 2.5, True), (2, "y", None, None), (3, "z", 4.5, None), (4, "w", 1.5, False)],
        detected={"null_padding": True},
    ),
    Case(
        "duplicate_and_empty_headers",
        "dupes.csv",
        text("Name,Name,,Total %,Select\nA,B,C,1,x\nD,E,F,2,y\n"),
        [
            ("Name", "name", "text"),
            ("Name", "name_2", "text"),
            ("column_3", "column_3", "text"),
            ("Total %", "total_pct", "integer"),
            ("Select", "select_", "text"),
        ],
        [("A", "B", "C", 1, "x"), ("D", "E", "F", 2, "y")],
    ),
    Case(
        "no_header",
        "noheader.csv",
        text("1,2024-01-05,3.5,alpha\n2,2024-01-06,4.25,beta\n3,2024-01-07,5,gamma\n"),
        [
            ("ID", "id", "integer"),
            ("Date", "date", "date"),
            ("column_3", "column_3", "decimal"),
            ("column_4", "column_4", "text"),
        ],
        [
            (1, D(2024, 1, 5), 3.5, "alpha"),
            (2, D(2024, 1, 6), 4.25, "beta"),
            (3, D(2024, 1, 7), 5.0, "gamma"),
        ],
        detected={"header": False},
    ),
    Case(
        "dates_day_first_decided_by_data",
        "dmy.csv",
        text("when,n\n03/04/2024,1\n25/12/2023,2\n01/02/2024,3\n"),
        [("when", "when_", "date"), ("n", "n", "integer")],
        [(D(2024, 4, 3), 1), (D(2023, 12, 25), 2), (D(2024, 2, 1), 3)],
        detected={"ambiguous_dates": ()},
    ),
    Case(
        "dates_month_first_decided_by_data",
        "mdy.csv",
        text("when;n\n03/04/2024;1\n12/25/2023;2\n01/02/2024;3\n"),
        [("when", "when_", "date"), ("n", "n", "integer")],
        [(D(2024, 3, 4), 1), (D(2023, 12, 25), 2), (D(2024, 1, 2), 3)],
        detected={"date_formats": {"when_": "%m/%d/%Y"}},
    ),
    Case(
        "ambiguous_dates_semicolon_prefers_day_first",
        "ambiguous_fr.csv",
        text("jour;valeur\n03/04/2024;1,5\n05/06/2024;2,5\n"),
        [("jour", "jour", "date"), ("valeur", "valeur", "decimal")],
        [(D(2024, 4, 3), 1.5), (D(2024, 6, 5), 2.5)],
        detected={"ambiguous_dates": ("jour",)},
    ),
    Case(
        "ambiguous_dates_comma_prefers_month_first",
        "ambiguous_us.csv",
        text("day,value\n03/04/2024,1.5\n05/06/2024,2.5\n"),
        [("day", "day", "date"), ("value", "value", "decimal")],
        [(D(2024, 3, 4), 1.5), (D(2024, 5, 6), 2.5)],
        detected={"ambiguous_dates": ("day",)},
    ),
    Case(
        "iso_timestamps_with_offsets",
        "events.csv",
        text(
            "event,at\nstart,2024-03-01T10:00:00Z\nmid,2024-03-01T12:30:00+02:00\n"
            "end,2024-03-01T23:59:59-05:00\n"
        ),
        [("event", "event", "text"), ("at", "at_", "timestamp")],
        [
            ("start", T(2024, 3, 1, 10, 0)),
            ("mid", T(2024, 3, 1, 10, 30)),
            ("end", T(2024, 3, 2, 4, 59, 59)),
        ],
    ),
    Case(
        "iso_dates_and_timestamps_mixed",
        "mixed_ts.csv",
        text(
            "id,created\n1,2024-01-05 10:15:00\n2,2024-01-06\n3,2024-01-07T08:00:00.250\n"
            "4,2024-01-08 09:30\n"
        ),
        [("id", "id", "integer"), ("created", "created", "timestamp")],
        [
            (1, T(2024, 1, 5, 10, 15)),
            (2, T(2024, 1, 6)),
            (3, T(2024, 1, 7, 8, 0, 0, 250000)),
            (4, T(2024, 1, 8, 9, 30)),
        ],
    ),
    Case(
        "booleans_in_several_languages",
        "flags.csv",
        text(
            "en,fr,de,is_active,count,flag_yn\n"
            "true,oui,ja,1,1,Y\nFALSE,NON,nein,0,0,n\nTrue,Oui,Ja,1,5,y\n"
        ),
        [
            ("en", "en", "boolean"),
            ("fr", "fr", "boolean"),
            ("de", "de", "boolean"),
            ("is_active", "is_active", "boolean"),
            ("count", "count", "integer"),
            ("flag_yn", "flag_yn", "boolean"),
        ],
        [
            (True, True, True, True, 1, True),
            (False, False, False, False, 0, False),
            (True, True, True, True, 5, True),
        ],
    ),
    Case(
        "zero_one_is_boolean_only_with_a_hint",
        "zeros.csv",
        text("active,value\n0,1\n1,0\n1,1\n"),
        [("active", "active", "boolean"), ("value", "value", "integer")],
        [(False, 1), (True, 0), (True, 1)],
    ),
    Case(
        "percentages",
        "rates.csv",
        text("name;rate;growth\na;12,5 %;7.5%\nb;100 %;-2%\nc;0,1 %;0%\n"),
        [("name", "name", "text"), ("rate", "rate", "decimal"), ("growth", "growth", "decimal")],
        [("a", 0.125, 0.075), ("b", 1.0, -0.02), ("c", 0.001, 0.0)],
    ),
    Case(
        "currency_consistent_and_mixed",
        "money.csv",
        text(
            "item;eur;usd;mixed;partial\n"
            "a;12,50 €;$1,234.56;€5;10\n"
            "b;1 000,00 €;$0.99;$5;€12\n"
            "c;-3,00 €;-$4.00;5 EUR;7\n"
        ),
        [
            ("item", "item", "text"),
            ("eur", "eur", "decimal"),
            ("usd", "usd", "decimal"),
            ("mixed", "mixed", "text"),
            ("partial", "partial", "text"),
        ],
        [
            ("a", 12.5, 1234.56, "€5", "10"),
            ("b", 1000.0, 0.99, "$5", "€12"),
            ("c", -3.0, -4.0, "5 EUR", "7"),
        ],
    ),
    Case(
        "thousands_with_spaces_nbsp_and_narrow_nbsp",
        "spaces.csv",
        text(
            f"label;amount;count\na;1 234 567,89;1 000\nb;2{NBSP}345,10;2{NBSP}500\n"
            f"c;3{NNBSP}456{NNBSP}789,00;12\n"
        ),
        [
            ("label", "label", "text"),
            ("amount", "amount", "decimal"),
            ("count", "count", "integer"),
        ],
        [("a", 1234567.89, 1000), ("b", 2345.1, 2500), ("c", 3456789.0, 12)],
        detected={"thousands_separator": " "},
    ),
    Case(
        "thousands_comma_us",
        "us_numbers.csv",
        text('item,amount,units\na,"1,234.56","1,000"\nb,"12,345,678.9",25\nc,0.5,"3,000"\n'),
        [("item", "item", "text"), ("amount", "amount", "decimal"), ("units", "units", "integer")],
        [("a", 1234.56, 1000), ("b", 12345678.9, 25), ("c", 0.5, 3000)],
    ),
    Case(
        "thousands_dot_european",
        "eu_numbers.csv",
        text("item;amount;units\na;1.234,56;1.000\nb;12.345.678,9;25\nc;0,5;3.000\n"),
        [("item", "item", "text"), ("amount", "amount", "decimal"), ("units", "units", "integer")],
        [("a", 1234.56, 1000), ("b", 12345678.9, 25), ("c", 0.5, 3000)],
    ),
    Case(
        "ids_with_leading_zeros",
        "ids.csv",
        text("zip,customer_id,phone\n01000,000123,0612345678\n75001,000456,0698765432\n"),
        [
            ("zip", "zip", "text"),
            ("customer_id", "customer_id", "text"),
            ("phone", "phone", "text"),
        ],
        [("01000", "000123", "0612345678"), ("75001", "000456", "0698765432")],
    ),
    Case(
        "mixed_column_stays_text",
        "mixed.csv",
        text("ref,value\n1,12\n2,abc\n3,7.5\n4,2024-01-01\n"),
        [("ref", "ref", "integer"), ("value", "value", "text")],
        [(1, "12"), (2, "abc"), (3, "7.5"), (4, "2024-01-01")],
    ),
    Case(
        "null_tokens_in_numeric_column",
        "nulls.csv",
        text(
            'id,price,date\n1,N/A,2024-01-01\n2,3.5,NULL\n3,-,2024-01-03\n4,"",\n5,2,2024-01-05\n'
        ),
        [("id", "id", "integer"), ("price", "price", "decimal"), ("date", "date", "date")],
        [
            (1, None, D(2024, 1, 1)),
            (2, 3.5, None),
            (3, None, D(2024, 1, 3)),
            (4, None, None),
            (5, 2.0, D(2024, 1, 5)),
        ],
    ),
    Case(
        "late_text_value_keeps_column_text",
        "late_text.csv",
        _late_values(400, "n/c"),
        [("id", "id", "integer"), ("amount", "amount", "text"), ("code", "code", "integer")],
        [(r[0], str(r[1]), r[2]) for r in _late_rows(400, "n/c")],
        options=IngestOptions(sample_rows=50),
        detected={"full_scan": True},
    ),
    Case(
        "late_decimal_value_widens_integer_column",
        "late_decimal.csv",
        _late_values(400, "12.75"),
        [("id", "id", "integer"), ("amount", "amount", "decimal"), ("code", "code", "integer")],
        [(r[0], float(r[1]), r[2]) for r in _late_rows(400, "12.75")],
        options=IngestOptions(sample_rows=50),
        detected={"full_scan": True},
    ),
    Case(
        "late_leading_zero_keeps_column_text",
        "late_zero.csv",
        _late_values(400, "007"),
        [("id", "id", "integer"), ("amount", "amount", "text"), ("code", "code", "integer")],
        [(r[0], str(r[1]), r[2]) for r in _late_rows(400, "007")],
        options=IngestOptions(sample_rows=50),
    ),
    Case(
        "xlsx_second_sheet_by_name",
        "book.xlsx",
        _xlsx,
        [
            ("Client", "client", "text"),
            ("Inscrit le", "inscrit_le", "timestamp"),
            ("Visites", "visites", "integer"),
        ],
        [
            ("ACME", T(2023, 5, 4, 10, 30), 12),
            ("Globex", T(2022, 1, 9, 8, 0), 3),
            ("Initech", None, 0),
        ],
        options=IngestOptions(sheet="Clients"),
        detected={"sheet": "Clients", "sheets": ("Ventes", "Clients")},
        plain_csv=False,
    ),
    Case(
        "xlsx_first_sheet_by_default",
        "book_default.xlsx",
        _xlsx,
        [
            ("Réf", "ref", "text"),
            ("Produit", "produit", "text"),
            ("Prix", "prix", "decimal"),
            ("Date", "date", "date"),
            ("Payé", "paye", "boolean"),
        ],
        [
            ("00012", "Stylo", 1.5, D(2024, 2, 1), True),
            ("00013", "Cahier", 3.0, D(2024, 3, 15), False),
        ],
        detected={"sheet": "Ventes"},
        plain_csv=False,
    ),
    Case(
        "parquet_input_keeps_types",
        "input.parquet",
        _parquet,
        [
            ("Order ID", "order_id", "integer"),
            ("Nom client", "nom_client", "text"),
            ("Montant €", "montant_eur", "decimal"),
            ("Date", "date", "date"),
            ("Select", "select_", "boolean"),
        ],
        [(1, "Zoé", 2.5, D(2024, 1, 2), True), (2, "Ana", None, D(2024, 1, 3), False)],
        detected={"file_format": "parquet"},
        plain_csv=False,
    ),
    Case(
        "gzip_compressed_csv",
        "orders.csv.gz",
        _gzip("order,total\n1,9.99\n2,19.5\n"),
        [("order", "order_", "integer"), ("total", "total", "decimal")],
        [(1, 9.99), (2, 19.5)],
        detected={"compression": "gzip"},
    ),
    Case(
        "crlf_line_endings",
        "windows.csv",
        text("id;nom;prix\r\n1;Pomme;1,20\r\n2;Poire;2,05\r\n"),
        [("id", "id", "integer"), ("nom", "nom", "text"), ("prix", "prix", "decimal")],
        [(1, "Pomme", 1.2), (2, "Poire", 2.05)],
    ),
    Case(
        "trailing_empty_lines",
        "trailing.csv",
        text("a,b\n1,x\n2,y\n\n\n\n"),
        [("a", "a", "integer"), ("b", "b", "text")],
        [(1, "x"), (2, "y")],
    ),
    Case(
        "trailing_delimiter_drops_empty_column",
        "trailing_delim.csv",
        text("a;b;\n1;x;\n2;y;\n"),
        [("a", "a", "integer"), ("b", "b", "text")],
        [(1, "x"), (2, "y")],
        detected={"dropped_empty_columns": 1},
    ),
    Case(
        "unreadable_rows_counted_with_lines",
        "broken.csv",
        text("id,name,qty\n1,a,1\n2,b,2,extra,fields\n3,c,3\n4,d,4\n5,e,5,6\n6,f,6\n"),
        [("id", "id", "integer"), ("name", "name", "text"), ("qty", "qty", "integer")],
        [(1, "a", 1), (3, "c", 3), (4, "d", 4), (6, "f", 6)],
        bad_lines=[3, 6],
    ),
    Case(
        "windows1252_euro_currency",
        "euro.csv",
        text("produit;prix\nCafé;2,50 €\nThé;3,10 €\n", "cp1252"),
        [("produit", "produit", "text"), ("prix", "prix", "decimal")],
        [("Café", 2.5), ("Thé", 3.1)],
        detected={"encoding": "windows-1252"},
    ),
    Case(
        "very_long_digit_strings_stay_text",
        "cards.csv",
        text("card,n\n4111111111111111111,1\n5500000000000000004,2\n"),
        [("card", "card", "text"), ("n", "n", "integer")],
        [("4111111111111111111", 1), ("5500000000000000004", 2)],
    ),
    Case(
        "signs_and_scientific_notation",
        "science.csv",
        text("x,y\n+5,1.5e3\n-7,-2.5E-2\n0,0.0\n"),
        [("x", "x", "integer"), ("y", "y", "decimal")],
        [(5, 1500.0), (-7, -0.025), (0, 0.0)],
    ),
    Case(
        "two_digit_years_and_dotted_dates",
        "german.csv",
        text("Datum;Kurz;Betrag\n31.12.2024;31/12/24;1.000,50\n01.02.2024;01/02/24;2,5\n"),
        [("Datum", "datum", "date"), ("Kurz", "kurz", "date"), ("Betrag", "betrag", "decimal")],
        [(D(2024, 12, 31), D(2024, 12, 31), 1000.5), (D(2024, 2, 1), D(2024, 2, 1), 2.5)],
    ),
    Case(
        "day_first_timestamps",
        "fr_ts.csv",
        text("quand;qui\n25/12/2023 18:30;a\n01/01/2024 00:05:10;b\n"),
        [("quand", "quand", "timestamp"), ("qui", "qui", "text")],
        [(T(2023, 12, 25, 18, 30), "a"), (T(2024, 1, 1, 0, 5, 10), "b")],
    ),
    Case(
        "ascii_head_then_windows1252",
        "late_accent.csv",
        _ascii_then_cp1252,
        [("id", "id", "integer"), ("city", "city", "text")],
        [*((i, "Paris") for i in range(1, 450_001)), (450_001, "Orléans")],
        detected={"encoding": "windows-1252"},
    ),
]
