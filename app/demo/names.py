"""People and places for the sample data: a seeded dice and European name pools.

Only ``random.Random.random()`` is used: Python guarantees its sequence for a given seed across
versions (the other methods may change), so the committed files can always be regenerated.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from random import Random
from typing import TypeVar

T = TypeVar("T")


class Dice:
    """Seeded choices built on ``Random.random()`` alone."""

    def __init__(self, seed: int) -> None:
        self._random = Random(seed)  # noqa: S311 - sample data, not secrets

    def unit(self) -> float:
        return self._random.random()

    def chance(self, probability: float) -> bool:
        return self.unit() < probability

    def between(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``."""
        return low + int(self.unit() * (high - low + 1))

    def bell(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``, most often near the middle (mean of three draws)."""
        spread = (self.unit() + self.unit() + self.unit()) / 3
        return low + int(spread * (high - low + 1))

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.unit() * len(items))]

    def weighted(self, items: Sequence[T], weights: Sequence[float]) -> T:
        cumulative = list(accumulate(weights))
        index = bisect_right(cumulative, self.unit() * cumulative[-1])
        return items[min(index, len(items) - 1)]

    def day(self, first: date, last: date) -> date:
        return first + timedelta(days=self.between(0, (last - first).days))


@dataclass(frozen=True)
class Country:
    name: str
    code: str
    cities: tuple[str, ...]
    women: tuple[str, ...]
    men: tuple[str, ...]
    surnames: tuple[str, ...]
    company_suffix: str


FRENCH_WOMEN = (
    "Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Julie", "Hélène", "Élodie",
    "Claire", "Sophie", "Anaïs", "Margaux", "Lucie", "Pauline", "Nathalie", "Isabelle",
    "Céline", "Aurélie", "Zoé", "Juliette", "Gaëlle", "Mathilde", "Océane", "Valérie",
    "Sandrine", "Agnès", "Louise", "Noémie",
)  # fmt: skip
FRENCH_MEN = (
    "Lucas", "Hugo", "Louis", "Thomas", "Nicolas", "Julien", "Antoine", "Maxime", "Alexandre",
    "Pierre", "François", "Jérôme", "Benoît", "Clément", "Théo", "Mathieu", "Sébastien",
    "Guillaume", "Romain", "Arnaud", "Olivier", "Frédéric", "Stéphane", "Yannick", "Loïc",
    "Raphaël", "Gaël", "Quentin", "Bastien", "Noël",
)  # fmt: skip
FRENCH_SURNAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc",
    "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu",
    "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Ménard",
    "Lemaître", "Béranger", "Boucher", "Le Gall", "Caron", "Hébert",
)  # fmt: skip

# fmt: off
COUNTRIES = (
    Country(
        "France", "FR",
        ("Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Bordeaux", "Lille", "Strasbourg",
         "Montpellier", "Rennes", "Nice", "Grenoble", "Dijon", "Angers", "Reims", "Saint-Étienne",
         "Aix-en-Provence", "Clermont-Ferrand", "Le Havre", "Orléans"),
        FRENCH_WOMEN, FRENCH_MEN, FRENCH_SURNAMES, "",
    ),
    Country(
        "Belgium", "BE",
        ("Bruxelles", "Liège", "Namur", "Charleroi", "Antwerpen", "Gent", "Mons", "Leuven"),
        ("Marie", "Laura", "Charlotte", "Elise", "Louise", "Amélie", "Lotte", "Fien", "Noor"),
        ("Arthur", "Jules", "Victor", "Thibault", "Maxime", "Wout", "Pieter", "Lars", "Cédric"),
        ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Dubois", "Lambert",
         "Dupont", "Claes", "Goossens", "Wouters", "Renard", "Lejeune"),
        " SRL",
    ),
    Country(
        "Switzerland", "CH",
        ("Genève", "Lausanne", "Neuchâtel", "Fribourg", "Zürich", "Bern", "Sion", "Basel"),
        ("Céline", "Mélanie", "Laura", "Anna", "Léonie", "Lea", "Mia", "Nadia"),
        ("Luca", "Noah", "Loïc", "David", "Simon", "Jonas", "Yves", "Fabien"),
        ("Favre", "Rochat", "Bonvin", "Meier", "Schneider", "Keller", "Perret", "Brunner",
         "Gerber", "Monnier"),
        " Sàrl",
    ),
    Country(
        "Germany", "DE",
        ("Berlin", "München", "Hamburg", "Köln", "Frankfurt am Main", "Stuttgart", "Düsseldorf",
         "Leipzig", "Freiburg im Breisgau"),
        ("Anna", "Lena", "Katharina", "Julia", "Sophie", "Hannah", "Jana", "Birgit", "Maren"),
        ("Lukas", "Jonas", "Felix", "Maximilian", "Tobias", "Jan", "Stefan", "Matthias", "Jörg"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
         "Schäfer", "Hoffmann", "Koch", "Groß", "Krüger", "Braun"),
        " GmbH",
    ),
    Country(
        "Spain", "ES",
        ("Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao", "Málaga", "Zaragoza",
         "San Sebastián"),
        ("María", "Lucía", "Carmen", "Paula", "Laura", "Marta", "Elena", "Nuria", "Inés"),
        ("José", "Javier", "Pablo", "Alejandro", "Sergio", "Daniel", "Jordi", "Álvaro", "Iñigo"),
        ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez",
         "Pérez", "Núñez", "Muñoz", "Peña", "Ortega", "Puig", "Ferrer"),
        " SL",
    ),
    Country(
        "Italy", "IT",
        ("Milano", "Roma", "Torino", "Bologna", "Firenze", "Napoli", "Genova", "Verona"),
        ("Giulia", "Francesca", "Chiara", "Sara", "Martina", "Alessia", "Elena", "Federica"),
        ("Marco", "Luca", "Andrea", "Matteo", "Lorenzo", "Davide", "Niccolò", "Giovanni"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
         "Marino", "Greco", "Bruno", "Conti", "De Luca"),
        " Srl",
    ),
    Country(
        "Netherlands", "NL",
        ("Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven", "Maastricht"),
        ("Sanne", "Lieke", "Fleur", "Anouk", "Femke", "Iris", "Eva"),
        ("Daan", "Bram", "Sem", "Thijs", "Ruben", "Joost", "Milan"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser",
         "Smit", "Meijer", "de Boer"),
        " BV",
    ),
    Country(
        "Luxembourg", "LU",
        ("Luxembourg", "Esch-sur-Alzette", "Differdange", "Dudelange"),
        ("Léa", "Emma", "Sophie", "Anne", "Mia"),
        ("Gabriel", "Luca", "Noah", "Tom", "Paul"),
        ("Schmit", "Muller", "Weber", "Wagner", "Hoffmann", "Thill", "Kieffer"),
        " Sàrl",
    ),
)
# fmt: on
COUNTRY = {country.code: country for country in COUNTRIES}

COMPANY_KINDS = (
    "Atelier", "Studio", "Cabinet", "Hôtel", "Restaurant", "Agence", "Maison", "Librairie",
    "Boutique", "Café", "Galerie", "Architectes",
)  # fmt: skip


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    gender: str


def person(dice: Dice, country: Country, woman_share: float = 0.5) -> Person:
    woman = dice.chance(woman_share)
    first = dice.pick(country.women if woman else country.men)
    return Person(first, dice.pick(country.surnames), "F" if woman else "M")


def ascii_slug(text: str, separator: str = "") -> str:
    """``"Lefèvre Groß"`` -> ``"lefevregross"``: for e-mail addresses and domains."""
    text = text.replace("ß", "ss").replace("Œ", "Oe").replace("œ", "oe")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = "".join(c if c.isalnum() else " " for c in plain.lower()).split()
    return separator.join(words)
