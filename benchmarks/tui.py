#!/usr/bin/env python3
"""TUI speed on a large workspace, beside the Textual floor measured in the same run.

    python benchmarks/tui.py                       # 50,000 accounts, 10,000 of them PQAs
    python benchmarks/tui.py --accounts 5000       # a quick run

Builds (or reuses, in benchmarks/out/) a database with scored accounts written straight into
``accounts``, ``scores``, ``signals``, ``triage``, ``activity`` and ``user_days`` (12 weeks of
who was active: what the queue's users and trend columns read; generating 50,000 accounts
through ingest would take minutes and time nothing the TUI does); the queue the TUI shows is
still the real ``list_queue`` / ``count_queue`` query. First it times those queries alone, as
a TUI worker runs them (a fresh connection, a page of 200 rows, then the count), per view and
sort: the median of 5. Then, headless with Textual's Pilot, it times:

- ``first_paint``: start of the app until the queue's first rows are on screen;
- ``view_all``: switching to "All accounts" (every scored account) until its rows show;
- ``per_key``: the mean of 40 cursor moves (``down``) in that view;
- ``open_account``: Enter on a row until the account screen shows its detail;
- ``open_search``: ``/`` until the search box shows;
- ``search_per_key`` and ``search``: typing a 4-letter search, the mean per key, and the time
  until the filtered rows show (the query runs once typing pauses for 0.15 s).

Last it times a key typed into a bare Textual ``Input`` (the search box's own floor) and runs
``../shared/bench/tui_floor.py 500`` (a bare DataTable app), and prints all and the ratios.
Targets: first paint < 1 s; a key press <= 1.2x the floor's per_key.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PQA_LOAD_PLUGINS", "")

from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import DataTable, Input  # noqa: E402

from pqa_tui import store  # noqa: E402
from pqa_tui.config import Config  # noqa: E402
from pqa_tui.triage import QueueFilter  # noqa: E402
from pqa_tui.triage.queue_view import count_queue, list_queue  # noqa: E402
from pqa_tui.tui.app import PqaApp  # noqa: E402
from pqa_tui.tui.screens.account import AccountScreen  # noqa: E402
from pqa_tui.tui.widgets.queue_table import QueueTable  # noqa: E402
from pqa_tui.workspace import Workspace  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
FLOOR = ROOT.parent / "shared" / "bench" / "tui_floor.py"
SCORED_AT = "2026-03-10T06:00:00.000000Z"
AS_OF = date(2026, 3, 10)
DAYS = 84  # the account screen's 12 weeks; the queue's trend reads the last 8
REASONS = [
    "9 active users in 28 days",
    "pricing page viewed 4 times",
    "hit the paywall on exports",
    "an admin switched in",
    "storage doubled in 2 weeks",
    "terms of use viewed",
]
WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell"]


def build(path: Path, accounts: int, pqas: int) -> None:
    """``accounts`` scored accounts, ``pqas`` of them qualified, a tenth of those triaged."""
    rnd = random.Random(7)
    tmp = path.with_suffix(".tmp")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    db = store.open_db(tmp)
    qualified = set(rnd.sample(range(accounts), pqas))
    with store.write(db) as conn:
        conn.executemany(
            "insert into accounts(account_id, name, domain, plan, created_at) "
            "values (?, ?, ?, 'free', '2025-11-01T00:00:00.000000Z')",
            [
                (f"acct-{i:06}", f"{rnd.choice(WORDS)} {i}", f"a{i}.example.org")
                for i in range(accounts)
            ],
        )
        scores, signals, triage = [], [], []
        for i in range(accounts):
            account = f"acct-{i:06}"
            q = i in qualified
            score = rnd.uniform(10, 60) if q else rnd.uniform(0, 9.9)
            reasons = rnd.sample(REASONS, 3)
            scores.append((account, score, int(q), json.dumps(reasons), SCORED_AT, SCORED_AT))
            for j, reason in enumerate(reasons):
                signals.append((account, f"detector_{j}", SCORED_AT, score / 3, reason, SCORED_AT))
            if q and rnd.random() < 0.1:
                owner = rnd.choice(["ana", "bob", "chen"])
                triage.append((account, "claimed", owner, SCORED_AT, owner))
        conn.executemany(
            "insert into scores(account_id, score, qualified, reasons, scored_at, as_of) "
            "values (?, ?, ?, ?, ?, ?)",
            scores,
        )
        conn.executemany(
            "insert into signals(account_id, detector, at, strength, weight, points, reason, "
            "scored_at) values (?, ?, ?, 0.8, 10, ?, ?, ?)",
            signals,
        )
        conn.executemany(
            "insert into triage(account_id, state, owner, version, updated_at, updated_by) "
            "values (?, ?, ?, 1, ?, ?)",
            triage,
        )
        conn.executemany(
            "insert into activity(account_id, at, actor, action, from_state, to_state) "
            "values (?, ?, ?, 'claim', 'new', 'claimed')",
            [(account, SCORED_AT, owner) for account, _, owner, _, _ in triage],
        )
        # Who was active on which day: PQAs have 3-15 users on about a fifth of the days,
        # the rest 1-3 users on a tenth of them (about 2 million rows at 50,000 accounts).
        days = [(AS_OF - timedelta(days=d)).isoformat() for d in range(DAYS)]
        for i in range(accounts):
            q = i in qualified
            users = rnd.randint(3, 15) if q else rnd.randint(1, 3)
            share = 0.2 if q else 0.1
            conn.executemany(
                "insert into user_days(account_id, day, user_id) values (?, ?, ?)",
                [
                    (f"acct-{i:06}", day, f"u{i}-{u}")
                    for u in range(users)
                    for day in days
                    if rnd.random() < share
                ],
            )
    db.conn.execute("analyze")
    db.close()
    tmp.rename(path)
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)


QUERIES = (
    ("queue", "score"),
    ("queue", "active_users"),
    ("new", "score"),
    ("claimed", "score"),
    ("all", "score"),
    ("all", "name"),
    ("all", "last_touch"),
    ("all", "active_users"),
)


def time_queries(path: Path) -> dict[str, float]:
    """Page + count per view and sort, each on a fresh connection as a TUI worker reads them."""
    config, results = Config(), {}
    for view, sort in QUERIES:
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            db = store.open_db(path)
            filters = QueueFilter(me="ana", view=view, sort=sort)
            list_queue(db, config, filters, limit=200)
            count_queue(db, config, filters)
            db.close()
            runs.append(time.perf_counter() - t0)
        results[f"{view}/{sort}"] = statistics.median(runs)
    return results


async def until(pilot, check, timeout: float = 30.0) -> None:
    """Let the app run until ``check()`` holds (the screen shows what was asked for)."""
    deadline = time.perf_counter() + timeout
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError("the TUI did not show the expected state in time")
        await pilot.pause(0.005)


async def measure(path: Path) -> dict[str, float]:
    results: dict[str, float] = {}
    start = time.perf_counter()
    app = PqaApp(Workspace(path, Config(), "ana"))
    async with app.run_test(size=(120, 40)) as pilot:

        def table() -> QueueTable:
            return app.screen.query_one(QueueTable)

        await until(pilot, lambda: table().row_count > 0)
        await pilot.pause()
        results["first_paint"] = time.perf_counter() - start

        t0 = time.perf_counter()
        await pilot.press("v", "v", "v", "v")
        await until(pilot, lambda: app.screen.view == "all" and table().row_count > 100)
        await pilot.pause()
        results["view_all"] = time.perf_counter() - t0
        results["rows_total"] = app.screen.total

        t0 = time.perf_counter()
        for _ in range(40):
            await pilot.press("down")
        results["per_key"] = (time.perf_counter() - t0) / 40

        t0 = time.perf_counter()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AccountScreen) and not app.screen.loading)
        await pilot.pause()
        results["open_account"] = time.perf_counter() - t0
        await pilot.press("escape")

        t0 = time.perf_counter()
        await pilot.press("slash")
        results["open_search"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for key in "ayne":  # "Wayne ..." names: about a ninth of the accounts
            await pilot.press(key)
        results["search_per_key"] = (time.perf_counter() - t0) / 4
        await until(pilot, lambda: "search: ayne" in status(app))
        await pilot.pause()
        results["search"] = time.perf_counter() - t0
        assert all("Wayne" in r.name for r in table().rows_shown)
    return results


class InputFloor(App):
    """The search box's own floor: a bare Input over a DataTable of 200 rows, no queries."""

    def compose(self) -> ComposeResult:
        yield Input()
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("account", "score", "reason")
        for i in range(200):
            table.add_row(f"acct_{i}", str(i % 97), "9 active users in 28 days")


async def input_floor() -> float:
    """Mean time of a key typed into a bare Input, through Pilot, in this process."""
    app = InputFloor()
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one(Input).focus()
        await pilot.pause()
        t0 = time.perf_counter()
        for key in "aynebcdf":
            await pilot.press(key)
        return (time.perf_counter() - t0) / 8


def status(app) -> str:
    return str(app.screen.query_one("#status").render())


def floor(rows: int = 500) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, str(FLOOR), str(rows)], capture_output=True, text=True, check=True
    ).stdout
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", out)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--pqas", type=int, default=None, help="default: a fifth of --accounts")
    parser.add_argument("--out", type=Path, default=OUT, help="where the database is kept")
    args = parser.parse_args(argv)
    pqas = args.pqas if args.pqas is not None else args.accounts // 5
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"tui-v2-{args.accounts}-{pqas}.db"
    if not path.exists():
        t0 = time.perf_counter()
        build(path, args.accounts, pqas)
        print(f"built {path.name} in {time.perf_counter() - t0:.1f} s")
    queries = time_queries(path)
    tui = asyncio.run(measure(path))
    typing = asyncio.run(input_floor())
    base = floor()
    print(f"accounts={args.accounts} pqas={pqas} all_view_rows={int(tui['rows_total'])}")
    for key, seconds in queries.items():
        print(f"  query page+count {key:<18} {seconds * 1000:7.1f} ms")
    keys = ("first_paint", "view_all", "per_key", "open_account", "open_search")
    for key in (*keys, "search_per_key", "search"):
        print(f"  tui {key:<15} {tui[key]:.4f} s")
    print(f"  floor first_paint={base['first_paint']:.3f} s per_key={base['per_key']:.4f} s")
    print(f"  bare Input per_key={typing:.4f} s (a key typed into Textual's Input, no queries)")
    print(
        f"  ratios: per_key/floor={tui['per_key'] / base['per_key']:.2f} "
        f"search_per_key/floor={tui['search_per_key'] / base['per_key']:.2f} "
        f"search_per_key/bare_input={tui['search_per_key'] / typing:.2f} "
        f"(target <= 1.2); first_paint={tui['first_paint']:.3f} s (target < 1 s)"
    )


if __name__ == "__main__":
    main()
