"""Generated test data shaped like nycflights13 (flights, planes, airports) and a French HR
export, written as CSV files and ingested like an upload.

Flights have HHMM clock times (``dep_time`` 517 means 5:17), cancelled flights (NULL times and
delays), tail numbers missing from ``planes`` and planes that never flew; ``air_time`` is a
duration in minutes (75, 695), so it is no clock time. The HR file is semicolon-separated with
decimal commas and French headers (``Âge``, ``Salaire``, ``Année de naissance``...).
"""

from __future__ import annotations

import csv
import random
from datetime import date, datetime, timedelta
from pathlib import Path

from pipelines.ingest import ingest_file
from pipelines.semantic import SourceSchema

CARRIERS = ("UA", "AA", "B6", "DL", "EV")
ORIGINS = ("EWR", "JFK", "LGA")
AIRPORTS = [
    # faa, name, lat, lon, alt, tz, dst, tzone
    ("EWR", "Newark Liberty Intl", 40.6925, -74.168667, 18, -5, "A", "America/New_York"),
    ("JFK", "John F Kennedy Intl", 40.639751, -73.778925, 13, -5, "A", "America/New_York"),
    ("LGA", "La Guardia", 40.777245, -73.872608, 22, -5, "A", "America/New_York"),
    ("ATL", "Hartsfield Jackson Atlanta Intl", 33.636719, -84.428067, 1026, -5, "A", "America/New_York"),
    ("ORD", "Chicago Ohare Intl", 41.978603, -87.904842, 668, -6, "A", "America/Chicago"),
    ("DEN", "Denver Intl", 39.861656, -104.673178, 5431, -7, "A", "America/Denver"),
    ("LAX", "Los Angeles Intl", 33.942536, -118.408075, 126, -8, "A", "America/Los_Angeles"),
    ("SFO", "San Francisco Intl", 37.618972, -122.374889, 13, -8, "A", "America/Los_Angeles"),
    ("ANC", "Ted Stevens Anchorage Intl", 61.174361, -149.996361, 152, -9, "A", "America/Anchorage"),
    ("HNL", "Honolulu Intl", 21.318681, -157.922428, 13, -10, "N", "Pacific/Honolulu"),
]  # fmt: skip
DESTINATIONS = tuple(a[0] for a in AIRPORTS[3:])
DISTANCE = {"ATL": 762, "ORD": 719, "DEN": 1620, "LAX": 2475, "SFO": 2586, "ANC": 3370, "HNL": 4983}
MANUFACTURERS = ("BOEING", "AIRBUS", "EMBRAER", "BOMBARDIER")

FLIGHT_COLUMNS = [
    "year", "month", "day", "dep_time", "sched_dep_time", "dep_delay", "arr_time",
    "sched_arr_time", "arr_delay", "carrier", "flight", "tailnum", "origin", "dest",
    "air_time", "distance", "hour", "minute", "time_hour",
]  # fmt: skip


def _hhmm(minutes: int) -> int:
    minutes %= 24 * 60
    return (minutes // 60) * 100 + minutes % 60


def _tails(rng: random.Random) -> list[str]:
    return [f"N{rng.randint(100, 999)}{rng.choice('ABCDUW')}{rng.choice('AQJ')}" for _ in range(30)]


def flight_rows(rng: random.Random, tails: list[str], n: int = 600) -> list[list[object]]:
    rows: list[list[object]] = []
    for i in range(n):
        sched = rng.randint(5 * 60, 23 * 60 - 1)
        day = date(2013, 1, 1) + timedelta(days=rng.randint(0, 364))
        dest = rng.choice(DESTINATIONS)
        cancelled = i % 37 == 0
        delay = None if cancelled else rng.choice([-10, -5, -2, 0, 3, 12, 45, 130, 400])
        air = None if cancelled else max(20, DISTANCE[dest] // 8 + rng.randint(-15, 15))
        arr_delay = None if delay is None else delay + rng.randint(-20, 20)
        sched_arr = sched + (air or 60) + 20
        tail = rng.choice([*tails, "N999ZZ"]) if i % 11 else ""  # N999ZZ is not in planes
        rows.append(
            [
                2013, day.month, day.day,
                None if delay is None else _hhmm(sched + delay), _hhmm(sched),
                delay,
                None if arr_delay is None else _hhmm(sched_arr + arr_delay), _hhmm(sched_arr),
                arr_delay, rng.choice(CARRIERS), rng.randint(1, 6000), tail,
                rng.choice(ORIGINS), dest, air, DISTANCE[dest], sched // 60, sched % 60,
                datetime(day.year, day.month, day.day, sched // 60).isoformat(sep=" "),
            ]
        )  # fmt: skip
    return rows


def plane_rows(rng: random.Random, tails: list[str]) -> list[list[object]]:
    rows: list[list[object]] = []
    for i, tail in enumerate([*tails, "N000NF"]):  # N000NF never flew
        engines = rng.choice([1, 2, 2, 2, 4])
        rows.append(
            [
                tail, rng.randint(1987, 2013) if i % 9 else None, "Fixed wing multi engine",
                rng.choice(MANUFACTURERS), f"A{rng.randint(300, 380)}", engines,
                rng.choice([2, 55, 140, 149, 178, 200, 379]),
                rng.choice([None, None, 432, 127]), "Turbo-fan",
            ]
        )  # fmt: skip
    return rows


HR_HEADER = [
    "Matricule", "Nom", "Âge", "Service", "Code service", "Date d'embauche",
    "Année de naissance", "Mois d'embauche", "Salaire", "Prime", "Taux d'activité",
    "Note évaluation", "Ancienneté", "Heures sup", "Jours d'absence", "Nb enfants",
    "Code postal", "Retard moyen (min)",
]  # fmt: skip
SERVICES = {"Ventes": 10, "Marketing": 20, "Technique": 30, "Finances": 40}


def hr_rows(rng: random.Random, n: int = 120) -> list[list[object]]:
    rows: list[list[object]] = []
    for i in range(n):
        age = rng.randint(21, 64)
        hired = date(2024, 1, 1) - timedelta(days=rng.randint(30, 365 * min(age - 20, 30)))
        service = rng.choice(list(SERVICES))
        rows.append(
            [
                7001 + i, f"Nom{i}", age, service, SERVICES[service], hired.strftime("%d/%m/%Y"),
                2024 - age, hired.month,
                f"{rng.randint(2400000, 9000000) / 100:.2f}".replace(".", ","),
                f"{rng.randint(0, 500000) / 100:.2f}".replace(".", ","),
                rng.choice(["1,0", "0,8", "0,5"]), rng.randint(1, 5), 2024 - hired.year,
                rng.randint(0, 40), rng.randint(0, 25), rng.randint(0, 4),
                rng.choice([75001, 69003, 13008, 31000]),
                f"{rng.randint(0, 300) / 10:.1f}".replace(".", ","),
            ]
        )  # fmt: skip
    return rows


def _write(path: Path, header: list[str], rows: list[list[object]], delimiter: str = ",") -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])


def write_flights(folder: Path, seed: int = 13) -> dict[str, SourceSchema]:
    """Write and ingest flights, planes, airports and the French HR file; sources by name."""
    rng = random.Random(seed)
    tails = _tails(rng)
    files = {
        "flights": (FLIGHT_COLUMNS, flight_rows(rng, tails), ","),
        "planes": (
            ["tailnum", "year", "type", "manufacturer", "model", "engines", "seats", "speed",
             "engine"],
            plane_rows(rng, tails),
            ",",
        ),
        "airports": (
            ["faa", "name", "lat", "lon", "alt", "tz", "dst", "tzone"],
            [list(a) for a in AIRPORTS],
            ",",
        ),
        "employes": (HR_HEADER, hr_rows(rng), ";"),
    }  # fmt: skip
    sources: dict[str, SourceSchema] = {}
    for name, (header, rows, delimiter) in files.items():
        csv_path = folder / f"{name}.csv"
        _write(csv_path, header, rows, delimiter)
        result = ingest_file(csv_path, folder / f"{name}.parquet")
        sources[name] = SourceSchema.from_profile(name, name, result.profile, result.path)
    return sources
