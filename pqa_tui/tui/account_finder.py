"""The command palette's accounts: type part of a name, a domain or a person, Enter opens it.

The search is the queue's own (:func:`pqa_tui.triage.queue_view.list_queue` over every
account), run off the UI thread on its own connection.
"""

from __future__ import annotations

import asyncio
from functools import partial

from rich.text import Text
from textual.command import Hit, Hits, Provider

from ..triage import QueueFilter, queue_view
from ..triage.queue_view import QueueRow
from ..workspace import Workspace
from .screens.account import AccountScreen

MAX_HITS = 10


def _find(workspace: Workspace, text: str) -> list[QueueRow]:
    filters = QueueFilter(me=workspace.actor, view="all", search=text)
    with workspace.connect() as db:
        return queue_view.list_queue(
            db, workspace.config, filters, limit=MAX_HITS, now=workspace.now()
        )


class AccountCommands(Provider):
    """ "Open <account>" for the accounts whose name, domain, id or people match the input."""

    async def search(self, query: str) -> Hits:
        text = query.strip()
        if len(text) < 2:  # one letter matches half the workspace
            return
        workspace: Workspace = self.app.workspace  # type: ignore[attr-defined]
        rows = await asyncio.to_thread(_find, workspace, text)
        for rank, row in enumerate(rows):
            label = row.name or row.account
            display = Text("Open ", end="")
            display.append(label, style="bold")  # appended, never parsed as markup
            yield Hit(
                1.0 - rank / (2 * MAX_HITS),
                display,
                partial(self._open, row.account, label),
                text=f"Open {label}",
                help=f"{row.state} · score {row.score:.1f} · {row.domain or row.account}",
            )

    def _open(self, account_id: str, label: str) -> None:
        self.app.push_screen(AccountScreen(self.app.workspace, account_id, label))  # type: ignore[attr-defined]
