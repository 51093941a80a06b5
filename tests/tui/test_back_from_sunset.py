"""Why an account is back from a sunset shows on its queue row and its account screen, as
plain text (the reason quotes untrusted signal text)."""

from __future__ import annotations

from tui_data import NOW

from pqa_tui.triage.queue_view import QueueRow
from pqa_tui.tui.screens.account import header_text
from pqa_tui.tui.widgets.queue_table import Column, row_cells

REASONS = Column("reasons", "Top reasons", 40, "reasons")
BACK = "pricing views on Jul 20, after the sunset on Jul 2: [bold]2[/] pricing views"


def test_the_queue_row_leads_with_why_it_is_back():
    row = QueueRow("acme", "Acme", None, 20.0, True, ["9 active users"], back_because=BACK)
    (cell,) = row_cells(row, "ann", [REASONS])
    assert cell.plain == f"back: {BACK}; 9 active users"
    assert cell.spans[0].style == "bold" and cell.spans[0].end == len(f"back: {BACK}; ")
    (plain,) = row_cells(QueueRow("zeta", "Zeta", None, 9.0, True, ["x"]), "ann", [REASONS])
    assert (plain.plain, plain.spans) == ("x", [])


def test_the_account_screen_says_why_it_is_back():
    detail = {"account": "acme", "name": "Acme", "back_because": BACK, "triage": {}}
    assert f"Back from its sunset: {BACK}" in header_text(detail, NOW).plain
    del detail["back_because"]
    assert "Back from its sunset" not in header_text(detail, NOW).plain
