"""Suggested roles and aggregations of number columns: no sum of identifiers, years, months,
clock times, coordinates or time zones; averages for delays, rates, prices, scores and ages;
sums for amounts, quantities, counts, seats and salaries. On generated flights, planes,
airports and a French HR file, ingested like uploads."""

from __future__ import annotations

import pytest

from pipelines.semantic import SemanticModel, SourceSchema, Table, suggest, table_from_source
from pipelines.semantic.probes import DataProbe
from pipelines.semantic.roles import column_defaults
from pipelines.semantic.row_count import plural, row_count_label

Sources = dict[str, SourceSchema]
DIM = ("dimension", None)
SUM = ("measure", "sum")
AVG = ("measure", "avg")

EXPECTED = {
    "flights": {
        "year": DIM, "month": DIM, "day": DIM, "dep_time": DIM, "sched_dep_time": DIM,
        "dep_delay": AVG, "arr_time": DIM, "sched_arr_time": DIM, "arr_delay": AVG,
        "carrier": DIM, "flight": DIM, "tailnum": DIM, "origin": DIM, "dest": DIM,
        "air_time": AVG, "distance": SUM, "hour": DIM, "minute": DIM, "time_hour": DIM,
    },
    "planes": {
        "tailnum": DIM, "year": DIM, "type": DIM, "manufacturer": DIM, "model": DIM,
        "engines": SUM, "seats": SUM, "speed": AVG, "engine": DIM,
    },
    "airports": {
        "faa": DIM, "name": DIM, "lat": DIM, "lon": DIM, "alt": AVG, "tz": DIM, "dst": DIM,
        "tzone": DIM,
    },
    "employes": {
        "matricule": DIM, "nom": DIM, "age": AVG, "service": DIM, "code_service": DIM,
        "date_d_embauche": DIM, "annee_de_naissance": DIM, "mois_d_embauche": DIM,
        "salaire": SUM, "prime": SUM, "taux_d_activite": AVG, "note_evaluation": AVG,
        "anciennete": AVG, "heures_sup": SUM, "jours_d_absence": SUM, "nb_enfants": SUM,
        "code_postal": DIM, "retard_moyen_min": AVG,
    },
}  # fmt: skip


def table_of(sources: Sources, name: str) -> Table:
    return table_from_source(sources[name], set())


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_column_gets_a_sensible_role_and_aggregation(
    flights_sources: Sources, name: str
) -> None:
    table = table_of(flights_sources, name)
    got = {c.name: (c.role, c.aggregation) for c in table.columns}
    assert got == EXPECTED[name]


def test_dates_keep_their_grains_and_money_is_currency(flights_sources: Sources) -> None:
    hr = table_of(flights_sources, "employes")
    salary, rate = hr.column("salaire"), hr.column("taux_d_activite")
    assert salary is not None and salary.format is not None and salary.format.kind == "currency"
    assert rate is not None and rate.format is not None and rate.format.kind == "percent"
    hired = hr.column("date_d_embauche")
    assert hired is not None and hired.type == "date" and len(hired.grains) == 5


def test_clock_times_are_told_from_durations_by_their_minutes(flights_sources: Sources) -> None:
    flights = flights_sources["flights"]
    with DataProbe() as probe:
        assert probe.clock_times(flights.path, "dep_time") is True
        assert probe.clock_times(flights.path, "sched_arr_time") is True
        assert probe.clock_times(flights.path, "air_time") is False  # 75 minutes is no 0:75
        assert probe.clock_times(flights.path, "dep_delay") is False  # negative values
        assert probe.clock_times(None, "dep_time") is None


@pytest.mark.parametrize(
    ("name", "type_", "low", "high", "expected", "reason"),
    [
        ("exercice", "integer", 2019, 2024, DIM, "a year"),
        ("fiscal", "integer", 2019, 2024, DIM, "a year"),
        ("fiscal", "integer", 19, 2024, SUM, "a number"),
        ("mm", "integer", 1, 12, DIM, "a month number"),
        ("mm", "integer", 1, 400, SUM, "a number"),
        ("hh", "integer", 0, 23, DIM, "an hour of the day"),
        ("long", "decimal", -122.4, 2.35, DIM, "a coordinate"),
        ("long", "integer", 3, 900, SUM, "a number"),
        ("utc_offset", "integer", -10, 9, DIM, "a time zone"),
        ("latitude", "decimal", 40.1, 48.9, DIM, "a coordinate"),
        ("age_years", "integer", 18, 90, AVG, "an age"),
        ("hours_worked", "decimal", 0, 60, SUM, "a number"),
        ("hour", "integer", 0, 23, DIM, "an hour"),
        ("nb_mois", "integer", 0, 30, SUM, "a count"),
        ("total_price", "decimal", 1, 900, SUM, "a total"),
        ("avg_amount", "decimal", 1, 900, AVG, "an average"),
        ("taux_horaire", "decimal", 11, 40, AVG, "a rate"),
        ("montant_ttc", "decimal", 1, 900, SUM, "an amount"),
        ("quantite", "integer", 1, 9, SUM, "a quantity"),
        ("retard_arrivee", "integer", -9, 90, AVG, "a delay"),
        ("prix_unitaire", "decimal", 1, 9, AVG, "a price"),
        ("score", "integer", 0, 100, AVG, "a score"),
        ("number_of_seats", "integer", 2, 400, SUM, "a count"),
        ("elevation", "integer", 0, 4000, AVG, "an altitude"),
        ("number", "integer", 1, 9000, DIM, "a key"),
        ("commande", "integer", 1, 9000, DIM, "an identifier"),
    ],
)
def test_number_defaults_from_name_and_values(
    name: str,
    type_: str,
    low: object,
    high: object,
    expected: tuple[str, str | None],
    reason: str,
) -> None:
    defaults = column_defaults(name, type_, low=low, high=high)
    assert (defaults.role, defaults.aggregation, defaults.reason) == (*expected, reason)


def test_a_number_named_after_its_table_is_an_identifier() -> None:
    assert column_defaults("flight", "integer", table="flights").role == "dimension"
    assert column_defaults("stop", "integer", table="bus_stops").role == "dimension"
    assert column_defaults("stop", "integer", table="trains").role == "measure"


def test_clock_times_need_the_data_to_be_checked() -> None:
    assert column_defaults("dep_time", "integer", low=1, high=2359, clock=True).role == (
        "dimension"
    )
    unknown = column_defaults("dep_time", "integer", low=1, high=2359)
    assert (unknown.role, unknown.aggregation) == ("measure", "avg")  # a duration, at worst


def test_summed_delays_and_clock_times_are_suggested_away(flights_sources: Sources) -> None:
    table = table_of(flights_sources, "flights")
    for column in table.columns:
        if column.name in ("dep_delay", "dep_time"):
            column.role, column.aggregation = "measure", "sum"
    model = SemanticModel(tables=[table])
    sources = {s.source_id: s for s in flights_sources.values()}
    found = {s.id: s for s in suggest(model, sources)}
    delay = found["role:flights.dep_delay"]
    assert (delay.role, delay.aggregation) == ("measure", "avg")
    assert delay.message == "flights.dep_delay is a delay: average it rather than sum it"
    clock = found["role:flights.dep_time"]
    assert (clock.role, clock.aggregation) == ("dimension", None)
    assert clock.message == (
        "flights.dep_time is a clock time (HHMM), not an amount: make it a dimension"
    )
    # Defaults already in place are not suggested again.
    assert not [s for s in found.values() if s.kind == "role" and s.column == "arr_delay"]


# -- the row count's label ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("flight", "flights"),
        ("flights", "flights"),
        ("category", "categories"),
        ("day", "days"),
        ("class", "classes"),
        ("branch", "branches"),
        ("employé", "employés"),
        ("bureau", "bureaux"),
        ("person", "people"),
        ("Person", "People"),
    ],
)
def test_plural(word: str, expected: str) -> None:
    assert plural(word) == expected


@pytest.mark.parametrize(
    ("name", "label", "expected"),
    [
        ("flights", "", "Number of flights"),
        ("flights", "Flights", "Number of flights"),
        ("order_item", "", "Number of order items"),
        ("lines", "Order line 2024 (FR)", "Number of order lines 2024 (FR)"),
        ("hr", "HR staff", "Number of HR staff"),
        ("salarie", "Salarié", "Number of salariés"),
        ("t", "T1", "Number of rows of T1"),
    ],
)
def test_row_count_label(name: str, label: str, expected: str) -> None:
    assert row_count_label(Table(name=name, source_id="s", label=label)) == expected
