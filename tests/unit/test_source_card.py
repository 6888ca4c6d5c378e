"""The source card's actions follow the source's state."""

from __future__ import annotations

from typing import Any

from components.sources.cards import SourceCard


def card(status: str) -> tuple[SourceCard, list[tuple[str, Any]]]:
    calls: list[tuple[str, Any]] = []

    def act(action: str, value: Any = None) -> bool:
        calls.append((action, value))
        return True

    source = {"id": "s1", "name": "orders", "filename": "orders.csv", "status": status}
    return SourceCard(source=source, can_edit=True, act=act), calls


def test_a_source_being_ingested_can_be_deleted_which_cancels_its_ingest() -> None:
    shown, calls = card("ingesting")
    assert not shown._delete_btn.disabled
    assert shown._rename_btn.disabled and shown._replace_btn.disabled
    shown._delete_btn.clicks += 1  # asks first, with the name to type
    assert shown._confirm_box.visible
    shown._delete()
    assert calls == [("delete", None)]


def test_a_ready_source_offers_every_action() -> None:
    shown, _ = card("ready")
    assert not any(b.disabled for b in (shown._delete_btn, shown._rename_btn, shown._replace_btn))


def test_a_ready_source_with_rows_left_out_or_repaired_shows_a_warning_badge() -> None:
    shown, _ = card("ready")
    assert "sc-warning" not in shown._body.object
    shown.source = {**shown.source, "row_issues": {"dropped": 3, "repaired": 1}}
    assert "sc-warning" in shown._body.object
    assert "3 rows left out \u00b7 1 row repaired" in shown._body.object
    assert '<span class="sc-status ready">Ready</span>' in shown._body.object
    shown.source = {**shown.source, "row_issues": {"dropped": 0, "repaired": 0}}
    assert "sc-warning" not in shown._body.object
