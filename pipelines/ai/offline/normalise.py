"""Questions and field names as comparable words: folded (no accents, lowercase), one spelling
for French and English words, singular, and without stop words.

``words("Chiffre d'affaires par catégories")`` gives ``["revenue", "par", "category"]``; the
same function reads field labels and data values, so "Quantité" in a label and "quantities" in a
question meet as ``quantity``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .lexicon import CANONICAL, PHRASES, STOP

__all__ = ["content", "fold", "singular", "word", "words"]

_NOT_WORD = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"([a-z])([A-Z])")
_PHRASES = sorted(PHRASES, key=len, reverse=True)
_KEEP_S = ("ss", "us", "is", "ys", "os")


def fold(text: str) -> str:
    """Lowercase words without accents, separated by single spaces (punctuation dropped)."""
    text = _CAMEL.sub(r"\1 \2", text.replace("_", " "))
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss").lower()
    return _NOT_WORD.sub(" ", plain).strip()


def singular(token: str) -> str:
    """English or French singular of a folded word (``categories`` -> ``category``,
    ``canaux`` -> ``canal``); digits and short words are kept."""
    if len(token) <= 3 or token.isdigit():
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith("aux"):
        return token[:-3] + "al"
    if token.endswith(("sses", "xes", "ches", "shes")):
        return token[:-2]
    if token.endswith("s") and not token.endswith(_KEEP_S):
        return token[:-1]
    return token


@lru_cache(maxsize=8192)
def word(token: str) -> str:
    """The one spelling of a folded word: the lexicon's, else its singular (then the lexicon's
    spelling of the singular). May be several words (``headcount`` -> ``count employee``)."""
    if token in CANONICAL:
        return CANONICAL[token]
    one = singular(token)
    return CANONICAL.get(one, one)


def _phrases(folded: str) -> str:
    padded = f" {folded} "
    for phrase in _PHRASES:
        if f" {phrase} " in padded:
            padded = padded.replace(f" {phrase} ", f" {PHRASES[phrase]} ")
    return padded.strip()


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for token in _phrases(fold(text)).split():
        out.extend(word(token).split())
    return tuple(out)


def words(text: str) -> list[str]:
    """Every word of ``text`` in its one spelling, stop words included (in order)."""
    return list(_words(text))


def content(text: str) -> list[str]:
    """The words of ``text`` that are not stop words."""
    return [w for w in _words(text) if w not in STOP]
