"""The queue as a table: one window of rows paged in from SQL, never the whole queue.

DataTable keeps and measures every row it holds, so the screen loads a page at a time
(:data:`PAGE` rows) and asks for the next page when the cursor nears the end. Every cell is a
:class:`rich.text.Text`: a plain ``str`` cell would be parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from ...safe_text import safe
from ...triage.queue_view import QueueRow

PAGE = 200


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int
    sort: str | None = None  # the ``sort`` name :func:`pqa_tui.triage.queue_view.list_queue` takes


# Shown when the terminal has room, most useful first; the reasons keep REASONS_ROOM at least.
# Each is one wider than its label: the sorted column's label ends in an arrow.
OPTIONAL = (
    Column("pqa_since", "PQA since", 10, "since"),  # since when: from 100 columns on
    Column("active_users", "Users", 6, "active_users"),
    Column("trend", "Trend", 8, "trend"),
    Column("last_touch", "Last touch", 11, "last_touch"),
)
REASONS_ROOM = 28
SPARKS = "▁▂▃▄▅▆▇█"


def columns_for(width: int) -> list[Column]:
    """The columns sized to the terminal: account, score, reasons, state and owner always;
    then PQA since, users, trend and last touch while the reasons keep room (at 80 columns
    the reasons, which often name the users already, keep it all); a large terminal gives
    names and reasons the extra room."""
    name_width = 30 if width >= 140 else 24 if width >= 110 else 16
    shown = [
        Column("name", "Account", name_width, "name"),
        Column("score", "Score", 6, "score"),  # room for the sort arrow
        Column("state", "State", 9, "state"),
        Column("owner", "Owner", 12 if width >= 140 else 8, "owner"),
    ]

    def room(columns: list[Column]) -> int:
        # Every column has one cell of padding each side; the vertical scrollbar takes two.
        return width - sum(c.width + 2 for c in columns) - 2 - 2

    for column in OPTIONAL:
        if room([*shown, column]) >= REASONS_ROOM:
            shown.append(column)
    reasons = Column("reasons", "Top reasons", max(16, room(shown)), "reasons")
    return [*shown[:2], reasons, *shown[2:]]


def sparkline(values: list[int]) -> Text:
    """``values`` as one line of block characters, scaled to their own peak (▁ for none)."""
    peak = max(values, default=0)
    bars = "".join(SPARKS[(v * (len(SPARKS) - 1)) // peak] if peak else SPARKS[0] for v in values)
    return Text(bars, style="" if peak else "dim", end="")


def clipped(text: Text) -> Text:
    """``text`` on one line, ending in … when the column is too narrow for it."""
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


def _reasons(row: QueueRow) -> Text:
    """The reasons, led by why the account is back from a sunset when it is."""
    text = safe(" · ".join(row.why or row.reasons))
    if row.back_because:
        text = Text.assemble(safe(f"back: {row.back_because}; ", "bold"), text, end="")
    return text


def row_cells(row: QueueRow, me: str, columns: list[Column]) -> list[Text]:
    """One queue row as table cells, for the columns on show."""
    mine = row.owner is not None and row.owner == me
    cells = {
        "name": clipped(safe(row.name or row.account)),
        "score": Text(f"{row.score:.1f}", justify="right", end=""),
        "reasons": clipped(_reasons(row)),
        "state": safe(row.state),
        "owner": safe(row.owner or "", "bold" if mine else ""),
        "pqa_since": safe((row.pqa_since or "")[:10]),
        "active_users": Text(str(row.active_users), justify="right", end=""),
        "trend": sparkline(row.trend),
        "last_touch": safe((row.last_touch or "")[:10]),
    }
    return [cells[c.key] for c in columns]


class QueueTable(DataTable[Text]):
    """The queue rows; j/k move like ↓/↑, g/G jump to the first/last row, Enter opens."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Open", key_display="Enter"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "First row", show=False),
        Binding("G", "scroll_bottom", "Last row loaded", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.rows_shown: list[QueueRow] = []
        self.shown_columns: list[Column] = []
        self.me = ""
        self.sorted_by: tuple[str, bool] = ("score", True)  # the sort the header's arrow shows

    def set_columns(self, columns: list[Column]) -> None:
        """Show ``columns`` (the rows go: :meth:`show` them again), the sorted one with an
        arrow."""
        self.clear(columns=True)
        self.shown_columns = columns
        sort, descending = self.sorted_by
        for col in columns:
            label = col.label
            if col.sort == sort:
                label = f"{label[: col.width - 1]}{'↓' if descending else '↑'}"
            self.add_column(Text(label, end=""), width=col.width, key=col.key)

    def show_sort(self, sort: str, descending: bool) -> None:
        """Put the arrow on the column sorted by ``sort`` (before :meth:`show`: the rows go)."""
        if (sort, descending) != self.sorted_by:
            self.sorted_by = (sort, descending)
            self.set_columns(self.shown_columns)

    def show(self, rows: list[QueueRow], keep: str | None) -> None:
        """Replace the rows, putting the cursor back on ``keep`` (an account id) if it is still
        there, else on the same line."""
        line = self.cursor_row
        self.clear()
        self.rows_shown = []
        self.append(rows)
        index = next((i for i, r in enumerate(self.rows_shown) if r.account == keep), None)
        if index is None:
            index = min(line, len(self.rows_shown) - 1)
        if index >= 0:
            self.move_cursor(row=index, animate=False, scroll=True)

    def append(self, rows: list[QueueRow]) -> None:
        known = {r.account for r in self.rows_shown}
        for row in rows:
            if row.account in known:  # the queue moved under us between pages
                continue
            self.add_row(*row_cells(row, self.me, self.shown_columns), key=row.account)
            self.rows_shown.append(row)

    def current(self) -> QueueRow | None:
        """The queue row under the cursor, if any."""
        if 0 <= self.cursor_row < len(self.rows_shown):
            return self.rows_shown[self.cursor_row]
        return None
