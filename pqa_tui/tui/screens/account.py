"""One account on one screen: who they are, why they surfaced, how they use the product, who
the users are, and what the team has done so far.

The data is :func:`pqa_tui.accounts.account_detail` (the same dict ``pqa show --json`` prints),
read in a thread worker; this module only lays it out. Every value from the data goes through
:func:`~pqa_tui.safe_text.safe`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Label, Sparkline, Static
from textual.worker import get_current_worker

from ... import accounts
from ...safe_text import clean, safe
from ...workspace import Workspace
from .triage_base import Target, TriageScreen

BUYER_DETECTOR = "buyer_persona"
CONTACTS_WIDE = 100  # columns from which the contacts show title, department and last seen
# account_detail's weekly series -> the title of its sparkline.
WEEKLY = (("active_users", "Active users"), ("value", "Value events"), ("storage", "Storage"))


def _line(*parts: tuple[str, Any]) -> Text:
    """``label value · label value`` with the values shown literally; empty values left out."""
    text = Text(end="")
    for label, value in parts:
        if value in (None, "", [], {}):
            continue
        if text:
            text.append(" · ", style="dim")
        if label:
            text.append(f"{label} ", style="dim")
        text.append_text(safe(value))
    return text


def _age(detail: dict[str, Any], now: datetime) -> str:
    born = detail.get("created_at") or detail.get("first_seen")
    try:
        # created_at can come from an export's own trait: read any ISO form, UTC when naive.
        born_at = datetime.fromisoformat(str(born).replace("Z", "+00:00"))
    except ValueError:
        return ""
    if born_at.tzinfo is None:
        born_at = born_at.replace(tzinfo=UTC)
    days = (now - born_at).days
    return "1 day" if days == 1 else f"{days} days"


def header_text(detail: dict[str, Any], now: datetime) -> Text:
    """Name, domain, plan, age, firmographics (the account's traits) and whether a buyer
    persona is present (the buyer_persona detector fired)."""
    triage = detail.get("triage") or {}
    text = safe(detail.get("name") or detail["account"], "bold")
    text.append("  ")
    text.append_text(safe(detail["account"], "dim"))
    text.append("\n")
    text.append_text(
        _line(
            ("", detail.get("domain")),
            ("plan", detail.get("plan")),
            ("age", _age(detail, now)),
            ("state", triage.get("state")),
            ("owner", triage.get("owner")),
        )
    )
    shown = ("name", "plan", "domain", "created_at")  # already on the lines above
    traits = {k: v for k, v in (detail.get("traits") or {}).items() if k not in shown}
    if traits:
        text.append("\n")
        text.append_text(_line(*((k.replace("_", " "), v) for k, v in traits.items())))
    if detail.get("back_because"):
        text.append("\nBack from its sunset: ", style="bold")
        text.append_text(safe(detail["back_because"]))
    text.append("\n")
    buyers = [s for s in detail.get("signals", []) if s.get("detector") == BUYER_DETECTOR]
    if buyers:
        text.append("Buyer persona present: ", style="bold")
        text.append_text(safe(buyers[0].get("reason")))
    elif any(c.get("buyer") for c in detail.get("contacts", [])):
        text.append("Buyer persona among the users (Contacts), not active lately", style="italic")
    else:
        text.append("No buyer persona among the users yet", style="italic")
    return text


def score_text(detail: dict[str, Any]) -> Text:
    """The score against the bar, whether it qualifies, and what holds it back if not. The
    breakdown (each signal's points) is the signals table below it."""
    text = Text(end="")
    score = float(detail.get("score") or 0)
    text.append(f"{score:.1f}", style="bold")
    text.append(f", bar {float(detail.get('threshold') or 0):g}")
    if detail.get("qualified"):
        text.append("  PQA ", style="bold reverse")
    text.append("\n")
    text.append_text(
        _line(
            ("as of", str(detail.get("as_of") or "")[:10]),
            ("signals", len(detail.get("signals", []))),
        )
    )
    if detail.get("gate"):
        text.append("\nheld back: ", style="bold")
        text.append_text(safe(detail["gate"]))
    return text


def _day(value: Any) -> str:
    return str(value or "")[:10]


def moments_text(detail: dict[str, Any], now: datetime, shown: int = 4) -> Text:
    """Since when the account is a PQA (its open moment), then the earlier moments, newest
    first: each a stretch of days the score stayed over the bar."""
    moments = list(reversed(detail.get("pqa_moments") or []))
    if not moments:
        return Text("No PQA moment yet: the score has not crossed the bar.", "italic", end="")
    text = Text(end="")
    current = moments[0] if moments[0].get("ended_at") is None else None
    if current is not None:
        text.append("PQA since ", style="bold")
        text.append_text(safe(_day(current.get("at")), "bold"))
        since = _age({"created_at": current.get("at")}, now)
        if since:
            text.append(" (today)" if since == "0 days" else f" ({since})")
        text.append(f", score {float(current.get('score') or 0):.1f} then")
    else:
        text.append("Not a PQA now", style="bold")
        text.append_text(safe(f"; the last moment ended {_day(moments[0].get('ended_at'))}"))
    earlier = moments[1:] if current is not None else moments
    for m in earlier[:shown]:
        text.append("\n")
        text.append_text(safe(f"{_day(m.get('at'))} → {_day(m.get('ended_at'))}", "dim"))
        text.append(f"  score {float(m.get('score') or 0):.1f}")
        reasons = m.get("reasons") or []
        if reasons:
            text.append("  ")
            text.append_text(safe(reasons[0], "dim"))
    if len(earlier) > shown:
        text.append(f"\nand {len(earlier) - shown} earlier", style="dim")
    return text


def signals_table(detail: dict[str, Any]) -> Table:
    """Each signal's share of the score, biggest first; the reason wraps to the width left."""
    table = Table(box=None, padding=(0, 1), expand=True, header_style="bold")
    table.add_column("Signal", no_wrap=True)
    for heading in ("Points", "Strength", "Decay"):
        table.add_column(heading, justify="right", no_wrap=True)
    table.add_column("When", no_wrap=True)
    table.add_column("Why", ratio=1, overflow="fold")
    for s in detail.get("signals", []):
        decay = f"×{float(s['decay']):.2f}" if s.get("decay") is not None else ""
        table.add_row(
            safe(s["detector"]),
            f"{float(s['points']):.1f}",
            f"{float(s['strength']):.2f}",
            decay,
            safe(_day(s["at"])),
            safe(s["reason"]),
        )
    return table


def chart_axes(history: list[dict[str, Any]]) -> tuple[Text, Text, Text]:
    """The score chart's labels: (y axis: high over low, first day, last day)."""
    if not history:
        return Text("", end=""), Text("no scoring days yet", "dim", end=""), Text("", end="")
    scores = [float(h["score"]) for h in history]
    y_axis = Text(f"{max(scores):.1f}\n\n{min(scores):.1f}", style="dim", justify="right", end="")
    return y_axis, safe(_day(history[0]["day"]), "dim"), safe(_day(history[-1]["day"]), "dim")


def contact_marks(contact: dict[str, Any]) -> str:
    """``buyer · admin``: the short form of why a contact is listed."""
    return " · ".join(
        m for m, on in (("buyer", contact["buyer"]), ("admin", contact["admin"])) if on
    )


def steps_text(refusals: dict[str, list[str]]) -> Text:
    """The greyed-out keys, grouped by why: ``Not now: contacted, outcome (claim it first)``."""
    text = Text(end="")
    for why, actions in refusals.items():
        text.append(" · " if text else "Not now: ", style="dim")
        text.append(", ".join(actions))
        text.append_text(safe(f" ({why})", "dim"))
    return text


def _amount(key: str, value: float) -> str:
    """A count with thousands separators; storage in B, kB, MB, GB or TB."""
    if key != "storage":
        return f"{value:,.0f}"
    units = ["B", "kB", "MB", "GB", "TB"]
    unit = units.pop(0)
    while abs(value) >= 1000 and units:
        value, unit = value / 1000, units.pop(0)
    return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"


def weekly_title(key: str, title: str, values: list[float]) -> Text:
    """``Active users 1 → 3``: the sparkline's name, its first week and its last week."""
    text = Text(title, style="bold", end="")
    if values:
        text.append(f"  {_amount(key, values[0])} → {_amount(key, values[-1])}")
    return text


def timeline_text(detail: dict[str, Any]) -> Text:
    """Notes and the activity log in one list, newest first."""
    triage = detail.get("triage", {})
    notes = {n["id"]: n for n in triage.get("notes", [])}
    text = Text(end="")
    for item in reversed(triage.get("activity", [])):
        if text:
            text.append("\n")
        text.append(f"{str(item.get('at', ''))[:16].replace('T', ' ')}  ", style="dim")
        text.append_text(safe(item.get("actor"), "bold"))
        text.append(" ")
        action = item.get("action")
        detail_ = item.get("detail") or {}
        note = notes.get(detail_.get("note_id")) if action == "note" else None
        if note is not None:
            text.append("noted:\n    ")
            text.append(clean(note.get("text"), multiline=True).replace("\n", "\n    "))
            continue
        text.append_text(safe(action))
        if item.get("from") != item.get("to") and item.get("to"):
            text.append("  ")
            text.append_text(safe(item.get("from") or "new", "dim"))
            text.append(" → ", style="dim")
            text.append_text(safe(item.get("to")))
        extra = {k: v for k, v in detail_.items() if v not in (None, "") and not k.endswith("_id")}
        if extra:
            text.append("  ")
            text.append_text(_line(*extra.items()))
    return text or Text("Nothing yet: c claims, n adds a note.", style="italic", end="")


class AccountScreen(TriageScreen):
    """The account a rep opened from the queue; Escape goes back."""

    CSS_PATH = "account.tcss"
    AUTO_FOCUS = "#account"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("y", "copy_email", "Copy email"),
    ]

    def __init__(self, workspace: Workspace, account_id: str, label: str) -> None:
        super().__init__(workspace)
        self.account_id = account_id
        self.label = label
        self.version: int | None = None
        self.state: str | None = None
        self.owner: str | None = None
        self.contacts: list[dict[str, Any]] = []
        self._contacts_wide: bool | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="account"):
            yield Static(safe(self.label, "bold"), id="header")
            yield Static(id="steps")
            yield Label("Contacts: who to talk to (y copies the email)", classes="section")
            yield DataTable(id="contacts", cursor_type="row", zebra_stripes=False)
            with Horizontal(id="top"):
                with Vertical(id="score-box"):
                    yield Label("Score", classes="section")
                    yield Static(id="score")
                    yield Label("PQA moments", classes="section")
                    yield Static(id="moments")
                with Vertical(id="history-box"):
                    yield Label("Score, last 90 scoring days", classes="section")
                    with Horizontal(id="history-chart"):
                        yield Static(id="history-y")
                        yield Sparkline([], id="score-history")
                    with Horizontal(id="history-x"):
                        yield Static(id="history-from")
                        yield Static(id="history-to")
            yield Label("Usage by week, the 12 weeks up to the score", classes="section")
            with Horizontal(id="weekly"):
                for key, title in WEEKLY:
                    with Vertical(classes="week-box"):
                        yield Static(title, id=f"{key}-title")
                        yield Sparkline([], id=f"{key}-weekly")
            yield Label("Signals: the score breakdown", classes="section")
            yield Static(id="signals")
            yield Label("Users", classes="section")
            yield DataTable(id="users", cursor_type="none", show_cursor=False)
            yield Label("Notes and activity, newest first", classes="section")
            yield Static(id="timeline")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#users", DataTable).add_columns(
            "User", "Role", "Seniority", "Last seen", ""
        )
        self.reload()

    def target(self) -> Target:
        return Target(self.account_id, self.label, self.version, self.state, self.owner)

    def reload(self) -> None:
        self.loading = self.version is None  # only the first load covers the screen
        self._fetch()

    @work(thread=True, exclusive=True, exit_on_error=False, group="account")
    def _fetch(self) -> None:
        with self.workspace.connect() as db:
            detail = accounts.account_detail(
                db, self.workspace.config, self.account_id, now=self.workspace.now()
            )
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, detail)

    def _show(self, detail: dict[str, Any]) -> None:
        self.loading = False
        worked = detail["triage"]
        self.version, self.state, self.owner = worked["version"], worked["state"], worked["owner"]
        now = self.workspace.now() or datetime.now(UTC)
        self.query_one("#header", Static).update(header_text(detail, now))
        self.refresh_bindings()
        self.query_one("#steps", Static).update(steps_text(self.refusals()))
        self._show_contacts(detail["contacts"])
        self.query_one("#score", Static).update(score_text(detail))
        self.query_one("#moments", Static).update(moments_text(detail, now))
        history = detail["score_history"]
        self.query_one("#score-history", Sparkline).data = [float(h["score"]) for h in history]
        y_axis, first, last = chart_axes(history)
        self.query_one("#history-y", Static).update(y_axis)
        self.query_one("#history-from", Static).update(first)
        self.query_one("#history-to", Static).update(last)
        weekly = detail["weekly"]
        for key, title in WEEKLY:
            values = [float(v) for v in weekly[key]]
            self.query_one(f"#{key}-title", Static).update(weekly_title(key, title, values))
            self.query_one(f"#{key}-weekly", Sparkline).data = values
        self.query_one("#signals", Static).update(signals_table(detail))
        admin_roles = {r.lower() for r in self.workspace.config.roles.admin_roles}
        buyers = {c["user_id"] for c in detail["contacts"] if c["buyer"]}
        users = self.query_one("#users", DataTable)
        users.clear()
        for u in detail["users"]:
            marks = ["buyer"] if u["user_id"] in buyers else []
            if (u.get("role") or "").lower() in admin_roles:
                marks.append("★ admin")
            users.add_row(
                safe(u.get("name") or u.get("email") or u["user_id"]),
                safe(u.get("role")),
                safe(u.get("seniority")),
                safe(_day(u.get("last_seen"))),
                Text(" ".join(marks), style="bold", end=""),
            )
        self.query_one("#timeline", Static).update(timeline_text(detail))

    def on_resize(self) -> None:
        if self.contacts and self._contacts_wide != self._wide():
            self._show_contacts(self.contacts)

    def _wide(self) -> bool:
        return self.size.width >= CONTACTS_WIDE

    def _show_contacts(self, contacts: list[dict[str, Any]]) -> None:
        """Name, email, title, department, last seen and why; below 100 columns name, email
        and why only, so the email is never cut off behind a scrollbar."""
        self.contacts = contacts
        wide = self._wide()
        table = self.query_one("#contacts", DataTable)
        row = table.cursor_row
        # Columns change only with the width: rebuilt on every reload, they flicker.
        table.clear(columns=wide != self._contacts_wide)
        if wide != self._contacts_wide:
            self._contacts_wide = wide
            if wide:
                table.add_columns("Name", "Email", "Title", "Department", "Last seen", "Why")
            else:
                table.add_columns("Name", "Email", "Why")
        for c in contacts:
            name, email = safe(c["name"] or c["user_id"], "bold"), safe(c["email"])
            why = safe(contact_marks(c))  # the matched term shows in title or department
            if wide:
                seen = safe(_day(c["last_seen"]))
                table.add_row(name, email, safe(c["title"]), safe(c["department"]), seen, why)
            else:
                table.add_row(name, email, why)
        if not contacts:
            table.add_row(Text("No buyer persona or admin among the users", "italic"))
        table.move_cursor(row=min(row, max(0, len(contacts) - 1)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy_email":
            return True if self._selected_contact() else None
        return super().check_action(action, parameters)

    def _selected_contact(self) -> dict[str, Any] | None:
        if not self.contacts:
            return None
        row = self.query_one("#contacts", DataTable).cursor_row
        person = self.contacts[min(max(row, 0), len(self.contacts) - 1)]
        return person if person["email"] else None

    def action_copy_email(self) -> None:
        """Put the selected contact's email on the clipboard (the terminal's, over OSC 52)."""
        if (person := self._selected_contact()) is None:
            return
        email = clean(person["email"])
        self.app.copy_to_clipboard(email)
        name = clean(person["name"] or person["user_id"])
        self.notify(f"Copied {email} ({name}) to the clipboard", markup=False)

    @on(DataTable.RowHighlighted, "#contacts")
    def _contact_moved(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def action_back(self) -> None:
        self.dismiss()
