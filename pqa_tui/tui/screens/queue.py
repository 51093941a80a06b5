"""The home screen: the queue of PQAs, best first, with views, search and sort.

The rows come from :func:`pqa_tui.triage.queue_view.list_queue` one page at a time in a thread
worker; the screen only shows them and remembers which account the cursor is on, so a reload (a
key, a triage step, a teammate's write) keeps the cursor where the rep left it.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static, Tab, Tabs
from textual.worker import Worker, WorkerState, get_current_worker

from ...safe_text import safe
from ...triage import QueueFilter, queue_view
from ...triage.queue_view import QueueRow
from ...workspace import Workspace
from ..widgets.queue_table import PAGE, QueueTable, columns_for
from .account import AccountScreen
from .triage_base import Target, TriageScreen

SEARCH_PAUSE = 0.15  # seconds of no typing before the search runs

VIEWS = (
    ("queue", "My queue"),
    ("new", "New"),
    ("claimed", "Claimed"),
    ("parked", "Sunset & snoozed"),
    ("all", "All accounts"),
)


class QueueScreen(TriageScreen):
    """PQAs waiting for a human; Enter opens one, the triage keys act on the highlighted row."""

    CSS_PATH = "queue.tcss"
    AUTO_FOCUS = "#queue"
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("v", "next_view", "View", show=False),
        Binding("S", "sort_next", "Sort", show=False),
        Binding("R", "sort_reverse", "Reverse", show=False),
        Binding("escape", "clear_search", "Clear search", show=False),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self.view = "queue"
        self.search = ""
        self.sort = "score"
        self.descending = True
        self.total: int | None = None  # None until count_queue answers
        self._fetching_more = False
        self._search_timer: Timer | None = None
        self._status = ""

    def compose(self) -> ComposeResult:
        yield Tabs(*(Tab(label, id=view) for view, label in VIEWS), id="views")
        yield Input(placeholder="search name, domain or id (Enter: back to the list)", id="search")
        yield QueueTable(id="queue")
        yield Static("", id="status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(QueueTable)
        table.me = self.workspace.actor
        self.columns = columns_for(self.app.size.width)
        table.set_columns(self.columns)
        table.loading = True  # the first page covers the table; later loads say so in the status
        self.load()

    def on_resize(self) -> None:
        """A resized terminal gets columns sized to it, keeping the rows and the cursor."""
        columns = columns_for(self.app.size.width)
        if columns != self.columns:
            self.columns = columns
            table = self.query_one(QueueTable)
            row = table.current()
            table.set_columns(columns)
            table.show(list(table.rows_shown), row.account if row else None)

    # --- reading ------------------------------------------------------------------------------

    def _query(self) -> QueueFilter:
        """What the rows are asked for, taken on the UI thread and handed to the worker whole."""
        return QueueFilter(
            me=self.workspace.actor,
            view=self.view,
            search=self.search or None,
            sort=self.sort,
            descending=self.descending,
        )

    def load(self, keep: str | None = None, size: int = PAGE) -> None:
        """Read the first ``size`` rows of the current view again."""
        self._set_status(Text("Loading…", style="italic", end=""))
        self._fetch(self._query(), keep, size)

    def reload(self) -> None:
        table = self.query_one(QueueTable)
        row = table.current()
        self.load(row.account if row else None, max(PAGE, len(table.rows_shown)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue")
    def _fetch(self, query: QueueFilter, keep: str | None, size: int) -> None:
        # Rows first, the count after: on a large queue the rep sees the rows a query sooner.
        config, now, worker = self.workspace.config, self.workspace.now(), get_current_worker()
        with self.workspace.connect() as db:
            rows = queue_view.list_queue(db, config, query, limit=size, now=now)
            if worker.is_cancelled:
                return
            self.app.call_from_thread(self._show, rows, keep)
            total = queue_view.count_queue(db, config, query, now=now)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_total, total)

    def _show(self, rows: list[QueueRow], keep: str | None) -> None:
        self.total = None
        self._fetching_more = False
        table = self.query_one(QueueTable)
        table.loading = False
        table.show(rows, keep)
        self._update_status()

    def _show_total(self, total: int) -> None:
        self.total = total
        self._update_status()

    @work(thread=True, exclusive=True, exit_on_error=False, group="page")
    def _fetch_more(self, query: QueueFilter, offset: int) -> None:
        with self.workspace.connect() as db:
            rows = queue_view.list_queue(
                db,
                self.workspace.config,
                query,
                limit=PAGE,
                offset=offset,
                now=self.workspace.now(),
            )
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._append, query, rows)

    def _append(self, query: QueueFilter, rows: list[QueueRow]) -> None:
        self._fetching_more = False
        if query == self._query():  # a page of a view or search the rep has since left
            self.query_one(QueueTable).append(rows)
            self._update_status()

    @on(DataTable.RowHighlighted, "#queue")
    def _maybe_fetch_more(self, event: DataTable.RowHighlighted) -> None:
        table = self.query_one(QueueTable)
        loaded = len(table.rows_shown)
        more = self.total is not None and loaded < self.total
        if more and event.cursor_row >= loaded - 20 and not self._fetching_more:
            self._fetching_more = True
            self._fetch_more(self._query(), loaded)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed read leaves the reason on the status line, not a spinner (the base class
        also shows it as a notification)."""
        if event.state is WorkerState.ERROR and event.worker.group in ("queue", "page"):
            self.query_one(QueueTable).loading = False
            self._fetching_more = False
            self._set_status(safe(f"Could not read the queue: {event.worker.error} (r: try again)"))

    def _update_status(self) -> None:
        loaded = len(self.query_one(QueueTable).rows_shown)
        label = dict(VIEWS)[self.view]
        arrow = "↓" if self.descending else "↑"
        total = "…" if self.total is None else f"{self.total:,}"
        text = f"{label}: {loaded:,} of {total} · sorted by {self.sort} {arrow}"
        status = Text(text, end="")
        if self.search:
            status.append(" · search: ")
            status.append_text(safe(self.search))
        elif self.total == 0 and self.view == "all":
            status.append(" · nothing scored yet: pqa ingest FILE, then pqa score (or pqa demo)")
        self._set_status(status)

    def _set_status(self, text: Text) -> None:
        # An update re-lays out the screen: skip it while typing keeps saying the same thing.
        if text.plain != self._status:
            self._status = text.plain
            self.query_one("#status", Static).update(text)

    # --- acting -------------------------------------------------------------------------------

    def target(self) -> Target | None:
        row = self.query_one(QueueTable).current()
        if row is None:
            return None
        return Target(row.account, row.name or row.account, row.version, row.state, row.owner)

    @on(DataTable.RowSelected, "#queue")
    def _open(self, event: DataTable.RowSelected) -> None:
        if (t := self.target()) is not None:
            self.app.push_screen(AccountScreen(self.workspace, t.account_id, t.label))

    @on(Tabs.TabActivated, "#views")
    def _switch_view(self, event: Tabs.TabActivated) -> None:
        if event.tab.id and event.tab.id != self.view:
            self.view = event.tab.id
            self.load()
            self.query_one(QueueTable).focus()

    def action_next_view(self) -> None:
        self.query_one(Tabs).action_next_tab()

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.display = True
        search.focus()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        # Wait for a pause in the typing: one query per burst of keys, not one per key.
        self.search = event.value.strip()
        self._set_status(Text("Searching…", style="italic", end=""))
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_PAUSE, self.load)

    @on(Input.Submitted, "#search")
    def _search_done(self, event: Input.Submitted) -> None:
        self.query_one(QueueTable).focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        if search.display:
            search.value = ""  # posts Changed, which reloads
            search.display = False
            self.query_one(QueueTable).focus()

    @on(DataTable.HeaderSelected, "#queue")
    def _sort_by_header(self, event: DataTable.HeaderSelected) -> None:
        column = next(c for c in self.columns if c.key == event.column_key.value)
        if column.sort is not None:
            self._sort_by(column.sort)

    def _sort_by(self, sort: str) -> None:
        """Sort by ``sort``; asking for the current sort again reverses it."""
        if sort == self.sort:
            self.descending = not self.descending
        else:
            # Numbers and dates read best biggest / latest first, names A to Z.
            self.sort, self.descending = sort, sort not in queue_view.TEXT_SORTS
        self.reload()

    def action_sort_next(self) -> None:
        sorts = [c.sort for c in self.columns if c.sort]
        following = (
            sorts[(sorts.index(self.sort) + 1) % len(sorts)] if self.sort in sorts else "score"
        )
        self._sort_by(following)

    def action_sort_reverse(self) -> None:
        self._sort_by(self.sort)
