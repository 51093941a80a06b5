"""The Reports screen shows what build_report returns, names literally, without blocking."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.app import App
from textual.widgets import DataTable, Static

from pqa_tui.config import Config
from pqa_tui.tui.screens.reports import ReportsScreen
from pqa_tui.workspace import Workspace


class ReportsApp(App[None]):
    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.workspace = Workspace(db_path, Config(), "ana")

    def on_mount(self) -> None:
        self.push_screen(ReportsScreen(self.workspace))


def test_reports_screen_shows_the_report(db_path, story, build):
    build.signal("a9", "[bold red]evil[/]", "2026-01-10")
    asyncio.run(_drive(ReportsApp(db_path)))


async def _drive(app: ReportsApp) -> None:
    async with app.run_test(size=(140, 60)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#detectors", DataTable)
        rows = {str(table.get_row_at(i)[0]): table.get_row_at(i) for i in range(table.row_count)}
        # the markup in a detector name is shown as written, never interpreted
        assert set(rows) == {"seat_count", "paywall", "[bold red]evil[/]"}
        seat = [str(c) for c in rows["seat_count"]]
        assert seat[1:5] == ["4", "2", "1", "66.7%"]
        surfaced = str(screen.query_one("#surfaced", Static).render())
        assert "lift 1.50x" in surfaced
        await pilot.press("escape")
        assert not isinstance(app.screen, ReportsScreen)
