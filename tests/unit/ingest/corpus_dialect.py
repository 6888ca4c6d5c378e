"""Corpus files for issue 14's dialect families: no header, spaces as delimiters, single
quotes and currency amounts, each with the table a user intends it to hold."""

from __future__ import annotations

from .corpus import NBSP, Case, D, T, text

UUID_A = "3f2b8c1e-9a4d-4e2b-8f1a-2c3d4e5f6a7b"
UUID_B = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"

NO_HEADER: list[Case] = [
    Case(
        "no_header_email_date_amount",
        "customers.csv",
        text(
            "alice@example.com,2024-01-05,$74.69,Paris\n"
            "bob@example.org,2024-02-11,$5.00,Lyon\n"
            "carol@example.net,2024-03-01,$1234.50,Nice\n"
        ),
        [
            ("Email", "email", "text"),
            ("Date", "date", "date"),
            ("Amount", "amount", "decimal"),
            ("column_4", "column_4", "text"),
        ],
        [
            ("alice@example.com", D(2024, 1, 5), 74.69, "Paris"),
            ("bob@example.org", D(2024, 2, 11), 5.0, "Lyon"),
            ("carol@example.net", D(2024, 3, 1), 1234.5, "Nice"),
        ],
        detected={"header": False},
    ),
    Case(
        "no_header_url_phone_country_percent_flag",
        "contacts.csv",
        text(
            "https://acme.example/shop,+33 6 12 34 56 78,FR,12.5 %,true\n"
            "www.globex.example,(555) 123-4567,US,3 %,false\n"
            "http://initech.example,+44 20 7946 0958,GB,0 %,true\n"
        ),
        [
            ("URL", "url", "text"),
            ("Phone", "phone", "text"),
            ("Country", "country", "text"),
            ("Percent", "percent", "decimal"),
            ("Flag", "flag", "boolean"),
        ],
        [
            ("https://acme.example/shop", "+33 6 12 34 56 78", "FR", 0.125, True),
            ("www.globex.example", "(555) 123-4567", "US", 0.03, False),
            ("http://initech.example", "+44 20 7946 0958", "GB", 0.0, True),
        ],
        detected={"header": False},
    ),
    Case(
        "no_header_id_datetime_uuid",
        "events.csv",
        text(
            f"101,2024-01-05 10:00:00,{UUID_A},7\n"
            f"102,2024-01-05 11:30:00,{UUID_B},7\n"
            f"103,2024-01-06 09:15:00,{UUID_A},9\n"
        ),
        [
            ("ID", "id", "integer"),
            ("Datetime", "datetime", "timestamp"),
            ("UUID", "uuid", "text"),
            ("column_4", "column_4", "integer"),
        ],
        [
            (101, T(2024, 1, 5, 10), UUID_A, 7),
            (102, T(2024, 1, 5, 11, 30), UUID_B, 7),
            (103, T(2024, 1, 6, 9, 15), UUID_A, 9),
        ],
        detected={"header": False},
    ),
    Case(
        "no_header_two_email_columns_get_unique_names",
        "pairs.csv",
        text("a@example.com,b@example.com,3\nc@example.com,d@example.com,1\n"),
        [
            ("Email", "email", "text"),
            ("Email 2", "email_2", "text"),
            ("column_3", "column_3", "integer"),
        ],
        [("a@example.com", "b@example.com", 3), ("c@example.com", "d@example.com", 1)],
        detected={"header": False},
    ),
    Case(
        "no_header_semicolon_euro_amounts",
        "ventes.csv",
        text("12/03/2024;Café;2,50 €\n13/03/2024;Thé;1.234,00 €\n", "cp1252"),
        [
            ("Date", "date", "date"),
            ("column_2", "column_2", "text"),
            ("Amount", "amount", "decimal"),
        ],
        [(D(2024, 3, 12), "Café", 2.5), (D(2024, 3, 13), "Thé", 1234.0)],
        detected={"header": False, "delimiter": ";"},
    ),
]

SPACES: list[Case] = [
    Case(
        "space_aligned_columns",
        "report.txt",
        text(
            "id   name      qty   price   day\n"
            "1    apple       3    1.50   2024-01-05\n"
            "2    banana     12   22.00   2024-01-06\n"
            "10   cherry      7    3.25   2024-01-07\n"
        ),
        [
            ("id", "id", "integer"),
            ("name", "name", "text"),
            ("qty", "qty", "integer"),
            ("price", "price", "decimal"),
            ("day", "day", "date"),
        ],
        [
            (1, "apple", 3, 1.5, D(2024, 1, 5)),
            (2, "banana", 12, 22.0, D(2024, 1, 6)),
            (10, "cherry", 7, 3.25, D(2024, 1, 7)),
        ],
        detected={"delimiter": " "},
    ),
    Case(
        "space_aligned_last_column_keeps_its_words",
        "log.txt",
        text(
            "  level   code  message\n"
            "  INFO     200  started\n"
            "  WARN     301  disk almost full\n"
            "  ERROR    500  crashed\n"
        ),
        [("level", "level", "text"), ("code", "code", "integer"), ("message", "message", "text")],
        [("INFO", 200, "started"), ("WARN", 301, "disk almost full"), ("ERROR", 500, "crashed")],
        detected={"delimiter": " "},
    ),
    Case(
        "space_aligned_without_header",
        "points.txt",
        text("1   2.5    10\n2   3.75   -4\n3   0.5     7\n"),
        [
            ("ID", "id", "integer"),
            ("column_2", "column_2", "decimal"),
            ("column_3", "column_3", "integer"),
        ],
        [(1, 2.5, 10), (2, 3.75, -4), (3, 0.5, 7)],
        detected={"header": False},
    ),
    Case(
        "single_space_with_quoted_values",
        "cities.txt",
        text('city population area\n"New York" 8336817 783.8\nParis 2102650 105.4\n'),
        [
            ("city", "city", "text"),
            ("population", "population", "integer"),
            ("area", "area", "decimal"),
        ],
        [("New York", 8336817, 783.8), ("Paris", 2102650, 105.4)],
        detected={"delimiter": " "},
    ),
    Case(
        "comma_space_values_lose_the_space",
        "people.csv",
        text(
            "id, name, joined, score\n"
            "1, Ann Lee, 2024-01-05, 3.5\n"
            '2, "Smith, John", 2024-02-06, 4\n'
            "3, Zoé, 2024-03-07, -1.25\n"
        ),
        [
            ("id", "id", "integer"),
            ("name", "name", "text"),
            ("joined", "joined", "date"),
            ("score", "score", "decimal"),
        ],
        [
            (1, "Ann Lee", D(2024, 1, 5), 3.5),
            (2, "Smith, John", D(2024, 2, 6), 4.0),
            (3, "Zoé", D(2024, 3, 7), -1.25),
        ],
        detected={"delimiter": ", "},
    ),
    Case(
        "comma_space_without_header",
        "pairs.txt",
        text("alpha, 1\nbeta, 2\ngamma, 3\n"),
        [("column_1", "column_1", "text"), ("ID", "id", "integer")],
        [("alpha", 1), ("beta", 2), ("gamma", 3)],
        detected={"delimiter": ", ", "header": False},
    ),
    Case(
        "comma_space_with_empty_values",
        "gaps.csv",
        text("a, b, c\n1, , 3\n2, x, \n4, y, 5\n"),
        [("a", "a", "integer"), ("b", "b", "text"), ("c", "c", "integer")],
        [(1, None, 3), (2, "x", None), (4, "y", 5)],
        detected={"delimiter": ", "},
    ),
    Case(
        "comma_file_with_spaces_inside_values_stays_comma",
        "places.csv",
        text("id,city,note\n1,New York,big apple\n2,Los Angeles,sunny days\n3,Paris,ok\n"),
        [("id", "id", "integer"), ("city", "city", "text"), ("note", "note", "text")],
        [(1, "New York", "big apple"), (2, "Los Angeles", "sunny days"), (3, "Paris", "ok")],
        detected={"delimiter": ","},
    ),
    Case(
        "one_column_of_sentences_is_not_split_on_spaces",
        "quotes.txt",
        text("quote\nTo be or not to be\nAll is well\nCarpe diem\n"),
        [("quote", "quote", "text")],
        [("To be or not to be",), ("All is well",), ("Carpe diem",)],
    ),
]

SINGLE_QUOTES: list[Case] = [
    Case(
        "single_quotes_around_delimiters",
        "names.csv",
        text("id,name,city\n1,'Smith, John',Paris\n2,'Doe, Jane','Lyon'\n3,Plain,Nice\n"),
        [("id", "id", "integer"), ("name", "name", "text"), ("city", "city", "text")],
        [(1, "Smith, John", "Paris"), (2, "Doe, Jane", "Lyon"), (3, "Plain", "Nice")],
        detected={"quote": "'"},
    ),
    Case(
        "single_quotes_doubled_inside",
        "irish.csv",
        text("id,name,note\n1,'O''Brien, Pat','it''s fine'\n2,'Kelly, Ann','ok'\n"),
        [("id", "id", "integer"), ("name", "name", "text"), ("note", "note", "text")],
        [(1, "O'Brien, Pat", "it's fine"), (2, "Kelly, Ann", "ok")],
        detected={"quote": "'"},
    ),
    Case(
        "single_quotes_semicolon_and_decimal_comma",
        "prix.csv",
        text("ref;libelle;prix\n1;'Thé; vert';2,50\n2;'Café';1,20\n"),
        [("ref", "ref", "integer"), ("libelle", "libelle", "text"), ("prix", "prix", "decimal")],
        [(1, "Thé; vert", 2.5), (2, "Café", 1.2)],
        detected={"quote": "'", "delimiter": ";"},
    ),
    Case(
        "apostrophes_in_a_double_quoted_file_stay_text",
        "notes.csv",
        text('id,name,note\n1,O\'Neil,"a, b"\n2,D\'Arcy,it\'s ok\n3,Lee,"say ""hi"""\n'),
        [("id", "id", "integer"), ("name", "name", "text"), ("note", "note", "text")],
        [(1, "O'Neil", "a, b"), (2, "D'Arcy", "it's ok"), (3, "Lee", 'say "hi"')],
        detected={"quote": '"'},
    ),
]

CURRENCY: list[Case] = [
    Case(
        "currency_dollars_with_signs_and_parentheses",
        "ledger.csv",
        text('item,amount\nrent,"$1,234.50"\nrefund,-$5.00\nfee,($5.00)\ntip,$74.69\n'),
        [("item", "item", "text"), ("amount", "amount", "decimal")],
        [("rent", 1234.5), ("refund", -5.0), ("fee", -5.0), ("tip", 74.69)],
    ),
    Case(
        "currency_euro_suffix_decimal_comma",
        "factures.csv",
        text(f"n;montant\n1;74,69 €\n2;1.234,50 €\n3;-3,00{NBSP}€\n"),
        [("n", "n", "integer"), ("montant", "montant", "decimal")],
        [(1, 74.69), (2, 1234.5), (3, -3.0)],
    ),
    Case(
        "currency_euro_prefix_and_pounds",
        "fx.csv",
        text('eur,gbp\n"€1,234.50",£3.20\n€7.00,£10.05\n'),
        [("eur", "eur", "decimal"), ("gbp", "gbp", "decimal")],
        [(1234.5, 3.2), (7.0, 10.05)],
    ),
    Case(
        "currency_iso_codes_before_and_after",
        "codes.csv",
        text("chf,usd,eur\nCHF 12.50,USD 12.50,12.50 EUR\nCHF 3.00,USD 0.99,1.00 EUR\n"),
        [("chf", "chf", "decimal"), ("usd", "usd", "decimal"), ("eur", "eur", "decimal")],
        [(12.5, 12.5, 12.5), (3.0, 0.99, 1.0)],
    ),
]

DIALECT_CASES: list[Case] = [*NO_HEADER, *SPACES, *SINGLE_QUOTES, *CURRENCY]
