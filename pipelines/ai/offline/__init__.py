"""The offline answerer: questions to semantic queries without a language model.

See :mod:`.answerer`; :mod:`.normalise`, :mod:`.time_phrases`, :mod:`.phrases` and
:mod:`.matcher` are its parts.
"""

from __future__ import annotations

from .answerer import OfflineAnswerer, answer

__all__ = ["OfflineAnswerer", "answer"]
