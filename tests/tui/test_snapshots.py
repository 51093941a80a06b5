"""Pictures of the queue, account and help screens at 80×24 and at a large size.

Update after an intended change with ``pytest tests/tui/test_snapshots.py --snapshot-update``
and look at the report before committing the new SVGs.
"""

from __future__ import annotations

import pytest
from test_account_screen import add_people_and_moments
from tui_data import NOW, settle

from pqa_tui import store, triage

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 34), id="120x34")]


@pytest.mark.parametrize("size", SIZES)
def test_queue(snap_compare, make_app, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_account(snap_compare, make_app, workspace, size):
    add_people_and_moments(workspace.db_path)
    db = store.open_db(workspace.db_path)
    triage.claim(db, workspace.config, "acct-01", "ana", now=NOW)
    triage.add_note(db, workspace.config, "acct-01", "ana", "Called Ana.\nDemo on Friday.", now=NOW)
    db.close()

    async def open_account(pilot):
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=open_account)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, make_app, size):
    async def open_help(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=open_help)


def test_queue_and_account_in_the_light_theme(snap_compare, make_app):
    async def light_account(pilot):
        pilot.app.theme = "textual-light"
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=light_account)
