"""`pqa report` and the Reports screen: the fitted weight next to the configured one."""

from __future__ import annotations

import asyncio

import pytest
from textual.app import App
from textual.widgets import DataTable, Static
from typer.testing import CliRunner

from pqa_tui.cli import app
from pqa_tui.config import Config
from pqa_tui.fit import run_fit
from pqa_tui.plugins import load_plugins
from pqa_tui.reports import build_report
from pqa_tui.tui.screens.reports import ReportsScreen
from pqa_tui.workspace import Workspace


@pytest.fixture
def plugins():
    return load_plugins(None)


def test_report_puts_the_fit_of_all_history_next_to_the_configured_weights(db, world, plugins):
    data = build_report(db, Config(), plugins=plugins)
    fit = run_fit(db, Config(), plugins)
    rows = {d["detector"]: d for d in data["detectors"]}
    for d in fit["detectors"]:
        assert rows[d["detector"]]["weight"] == d["configured"]
        assert rows[d["detector"]]["fitted_weight"] == d["fitted"]
    assert data["fit"]["until"] == fit["until"]
    assert data["fit"]["fitted"] == fit["fitted"]
    assert rows["seat_count"]["weight"] == 8.0


def test_the_fast_report_shows_the_last_runs_weights_and_no_fit(db, world):
    data = build_report(db, Config())
    assert data["fit"] is None
    assert all(d["fitted_weight"] is None for d in data["detectors"])


def test_cli_report_prints_both_weights_and_where_the_fit_comes_from(db_path, world, tmp_path):
    (tmp_path / "pqa.toml").write_text("# the defaults\n")
    result = CliRunner().invoke(
        app, ["--db", str(db_path), "--config", str(tmp_path / "pqa.toml"), "report"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("detector "))
    assert header.split()[-2:] == ["weight", "fitted"]
    seat = next(line for line in lines if line.startswith("seat_count"))
    assert seat.split()[-2:] == ["8.00", "0.00"]
    assert any(line.startswith("fitted weights: `pqa fit` on history up to") for line in lines)


def test_reports_screen_shows_the_fitted_weight(db_path, db, world):
    workspace = Workspace(db_path, Config(), "ana")

    async def drive() -> None:
        class ReportsApp(App[None]):
            def on_mount(self) -> None:
                self.push_screen(ReportsScreen(workspace, replay=True))

        app = ReportsApp()
        async with app.run_test(size=(160, 60)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            table = app.screen.query_one("#detectors", DataTable)
            labels = [str(c.label) for c in table.columns.values()]
            assert labels[-2:] == ["Weight", "Fitted"]
            rows = [table.get_row_at(i) for i in range(table.row_count)]
            seat = next(r for r in rows if str(r[0]) == "seat_count")
            assert [str(c) for c in seat[-2:]] == ["8.00", "0.00"]
            fit = str(app.screen.query_one("#fit", Static).render())
            assert "fitted weights: `pqa fit` on history up to" in fit

    asyncio.run(drive())
