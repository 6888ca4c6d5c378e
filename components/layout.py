"""Layout helpers shared by pages: a column drawn after the rest of the page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import panel as pn
import param


def drawn_later(
    objects: Sequence[Any],
    ready: Callable[[], bool],
    watch: Sequence[tuple[param.Parameterized, str]],
    **params: Any,
) -> pn.Column:
    """A column drawn empty, then filled with ``objects`` the first time ``ready()`` holds
    (checked now and whenever one of the ``watch`` parameters changes).

    A page puts its secondary parts in one (side panels, a section below the fold) so that the
    browser draws the main part first and a first visit shows what the user came for sooner.
    Filling a column of its own draws none of the page's other parts again.
    """
    column = pn.Column(**params)

    def fill(*_: Any) -> None:
        if not column.objects and ready():
            column.objects = list(objects)

    for owner, name in watch:
        owner.param.watch(fill, name)
    fill()
    return column
