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
from .triage_base import FORM_ACTIONS, Target, TriageScreen

SEARCH_PAUSE = 0.15  # seconds of no typing before the search runs

VIEWS = (
    ("queue", "My queue"),
    ("new", "New"),
    ("claimed", "Claimed"),
    ("parked", "Sunset & snoozed"),
    ("all", "All accounts"),
)
VIEW_IDS = tuple(view for view, _ in VIEWS)
# Tab labels on a narrow terminal, where the full ones and their counts overflow 80 columns.
SHORT_LABELS = {"queue": "Mine", "parked": "Parked", "all": "All"}


class ViewTabs(Tabs):
    """The views as tabs whose underline jumps instead of sliding: the slide takes 0.3 s, and
    a rep switching views is waiting for rows, not for an animation."""

    def _highlight_active(self, animate: bool = True) -> None:
        super()._highlight_active(animate=False)

    def show_counts(self, counts: dict[str, int] | None) -> None:
        """Label each tab ``1 My queue 10``: its number key, name and count (when known)."""
        narrow = self.app.size.width < 100
        for number, (view, label) in enumerate(VIEWS, 1):
            if narrow:
                label = SHORT_LABELS.get(view, label)
            count = "" if counts is None or view not in counts else f" {counts[view]:,}"
            self.query_one(f"#{view}", Tab).label = Text(f"{number} {label}{count}", end="")
        self._highlight_active()


class QueueScreen(TriageScreen):
    """PQAs waiting for a human; Enter opens one, the triage keys act on the highlighted row."""

    TYPED_AHEAD_ACTIONS = (*FORM_ACTIONS, "search")  # `/kemal` typed in one go searches kemal

    CSS_PATH = "queue.tcss"
    AUTO_FOCUS = "#queue"
    HELP_TITLE = "Queue"
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("v", "next_view", "View"),
        Binding("V", "previous_view", "Previous view", show=False),
        *(
            Binding(str(n), f"show_view('{view}')", label, show=False)
            for n, (view, label) in enumerate(VIEWS, 1)
        ),
        Binding("S", "sort_next", "Sort"),
        Binding("R", "sort_reverse", "Reverse sort", show=False),
        Binding("escape", "clear_search", "Clear search", show=False),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self.view = "queue"
        self.search = ""
        self.sort = "score"
        self.descending = True
        self.total: int | None = None  # None until count_queue answers
        self.counts: dict[str, int] | None = None  # every view's count, for the tabs
        self._counting = False  # a count worker is on its way
        self._count_next: QueueFilter | None = None
        self._fetching_more = False
        self._search_timer: Timer | None = None
        self._status = ""

    def compose(self) -> ComposeResult:
        yield Static(safe(f"{self.workspace.actor} · {self.workspace.db_path.name}"), id="whoami")
        yield ViewTabs(
            *(Tab(f"{n} {label}", id=view) for n, (view, label) in enumerate(VIEWS, 1)),
            id="views",
        )
        yield Input(
            placeholder="search every view: account name, domain or id, people's names and "
            "emails (Enter: back to the list)",
            id="search",
        )
        yield QueueTable(id="queue")
        yield Static("", id="status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(QueueTable)
        table.me = self.workspace.actor
        self.columns = columns_for(self.app.size.width)
        table.set_columns(self.columns)
        table.loading = True  # the first page covers the table; later loads say so in the status
        self.query_one(ViewTabs).show_counts(None)  # the labels sized to the terminal
        self.load()

    def on_resize(self) -> None:
        """A resized terminal gets columns sized to it, keeping the rows and the cursor."""
        self.query_one(ViewTabs).show_counts(self.counts)
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

    def load(self, keep: str | None = None, size: int = PAGE, *, recount: bool = True) -> None:
        """Read the first ``size`` rows of the current view again, and every view's count
        unless ``recount`` is off (a view switch: the same search, the same counts)."""
        self._set_status(Text("Loading…", style="italic", end=""))
        query = self._query()
        self._fetch(query, keep, size)
        # A view switch before the first counts came leaves that count running.
        if recount or (self.counts is None and not self._counting):
            self.counts = None
            self._counting = True
            self._count_next = query  # once the rows show: they come first, on both cores

    def reload(self) -> None:
        table = self.query_one(QueueTable)
        row = table.current()
        self.load(row.account if row else None, max(PAGE, len(table.rows_shown)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue")
    def _fetch(self, query: QueueFilter, keep: str | None, size: int) -> None:
        with self.workspace.connect() as db:
            rows = queue_view.list_queue(
                db, self.workspace.config, query, limit=size, now=self.workspace.now()
            )
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, rows, keep)

    @work(thread=True, exclusive=True, exit_on_error=False, group="counts")
    def _count(self, query: QueueFilter) -> None:
        # Its own group: a view switch replaces the rows, never the counts (they cover every
        # view), so quick switches do not leave count queries running behind each other.
        with self.workspace.connect() as db:
            counts = queue_view.count_views(
                db, self.workspace.config, query, VIEW_IDS, now=self.workspace.now()
            )
            as_of = queue_view.scored_as_of(db)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_counts, counts, as_of)

    def _show(self, rows: list[QueueRow], keep: str | None) -> None:
        self.total = None if self.counts is None else self.counts[self.view]
        self._fetching_more = False
        table = self.query_one(QueueTable)
        table.loading = False
        table.show_sort(self.sort, self.descending)
        table.show(rows, keep)
        if self._count_next is not None:
            self._count(self._count_next)
            self._count_next = None
        self._update_status()

    def _show_counts(self, counts: dict[str, int], as_of: str | None) -> None:
        self.counts = counts
        self._counting = False
        self.total = counts[self.view]
        self.query_one(ViewTabs).show_counts(counts)
        whoami = f"{self.workspace.actor} · {self.workspace.db_path.name}"
        whoami += f" · scores as of {as_of}" if as_of else " · not scored yet"
        self.query_one("#whoami", Static).update(safe(whoami))
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
        if event.state is WorkerState.ERROR and event.worker.group == "counts":
            self._counting = False
            event.prevent_default()  # the rows' worker fails alike and says why, once
            return
        if event.state is WorkerState.ERROR and event.worker.group in ("queue", "page"):
            self.query_one(QueueTable).loading = False
            self._fetching_more = False
            self._set_status(safe(f"Could not read the queue: {event.worker.error} (r: try again)"))

    def _update_status(self) -> None:
        loaded = len(self.query_one(QueueTable).rows_shown)
        label = dict(VIEWS)[self.view]
        order = "highest first" if self.descending else "lowest first"
        if self.sort in queue_view.TEXT_SORTS:
            order = "Z to A" if self.descending else "A to Z"
        total = "…" if self.total is None else f"{self.total:,}"
        words = queue_view.SORT_WORDS[self.sort]
        status = Text(f"{label}: {loaded:,} of {total} · by {words}, {order}", end="")
        counts = self.counts or {}
        if self.search:
            status.append(" · search: ")
            status.append_text(safe(self.search))
            if self.total == 0 and (hint := self._matches_elsewhere(counts)):
                status.append(f" · {hint}", style="bold")
        elif self.total == 0 and self.view == "all":
            status.append(" · nothing scored yet: pqa ingest FILE, then pqa score (or pqa demo)")
        elif self.view == "queue" and counts.get("new"):
            status.append(f" · New holds {counts['new']:,} (press 2)")
        self._set_status(status)

    def _matches_elsewhere(self, counts: dict[str, int]) -> str:
        """Where a search that found nothing here has matches: ``1 match in Sunset & snoozed:
        press 4``, every such view named."""
        found = [
            (n, label, number)
            for number, (view, label) in enumerate(VIEWS, 1)
            if view not in (self.view, "all") and (n := counts.get(view))
        ]
        if not found and counts.get("all"):
            found = [(counts["all"], "All accounts", 5)]
        if not found:
            return "no account or person matches"
        (n, label, number), rest = found[0], found[1:]
        said = f"{n:,} match{'es' if n > 1 else ''} in {label}: press {number}"
        return "; ".join([said, *(f"{n:,} in {label}: {number}" for n, label, number in rest)])

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
            self.load(recount=False)
            self.query_one(QueueTable).focus()

    def action_next_view(self) -> None:
        self.query_one(Tabs).action_next_tab()

    def action_previous_view(self) -> None:
        self.query_one(Tabs).action_previous_tab()

    def action_show_view(self, view: str) -> None:
        self.query_one(Tabs).active = view

    def step(self, delta: int) -> Target | None:
        """Move the cursor ``delta`` rows (the account screen's next / previous account) and
        return the account now under it; ``None`` at either end of the rows loaded."""
        table = self.query_one(QueueTable)
        row = table.cursor_row + delta
        if not 0 <= row < len(table.rows_shown):
            return None
        table.move_cursor(row=row, animate=False, scroll=True)
        return self.target()

    def action_search(self) -> None:
        typed, self._typed_ahead = self._typed_ahead or [], None
        search = self.query_one("#search", Input)
        search.display = True
        search.focus()
        text = "".join(k.character or "" for k in typed if k.is_printable)
        if text:
            search.insert_text_at_cursor(text)

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
