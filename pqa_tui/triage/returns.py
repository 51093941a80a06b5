"""Returns from a sunset: what a *new* PQA moment after a sunset is, decided in one place.

A sunset keeps what the account looked like (:func:`record_sunset`: its live signals, each
with its detector, kind, value, strength and evidence time, and its score). Each scoring run
then compares every sunset account's signals with that snapshot (:func:`record_returns`,
called by :func:`pqa_tui.scoring.runs.score_all` inside its transaction) and writes the first
reason found on the ``sunsets`` row. The account is due back when, after the sunset:

- a **behavioural** detector fires on evidence dated after the sunset;
- a detector that was **not firing at the sunset** fires;
- a **level** detector's value rises ``triage.sunset_rise`` above its value at the sunset.

The live-state SQL (:mod:`pqa_tui.triage.live`) only reads that stored fact, with the
cooldown, the contact cooldown and the ``--until`` date (which works by time alone).
Continued activity at the same level never brings an account back.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import sqlite_utils

from ..config import Config
from ..timestamps import ts_to_datetime
from .states import SUNSET


@dataclass(frozen=True)
class Seen:
    """One signal as a sunset compares it: the detector, its kind, what it measured, when."""

    detector: str
    behavioural: bool
    value: float
    strength: float
    at: str
    reason: str


def record_sunset(conn: sqlite3.Connection, account_id: str, at: str, until: str | None) -> None:
    """Keep what the account looks like at its sunset (call inside the sunset's write)."""
    score = conn.execute("select score from scores where account_id = ?", [account_id])
    row = score.fetchone()
    seen = [
        Seen(d, bool(b), v, s, a, r)
        for d, b, v, s, a, r in conn.execute(
            "select detector, behavioural, coalesce(value, strength), strength, at, reason "
            "from signals where account_id = ? order by points desc, detector",
            [account_id],
        )
    ]
    conn.execute(
        "insert into sunsets(account_id, at, until, score, signals) values (?, ?, ?, ?, ?)",
        [account_id, at, until, row[0] if row else None,
         json.dumps([asdict(s) for s in seen], ensure_ascii=False)],
    )  # fmt: skip


def _day(ts: str) -> str:
    """``Jul 2``: how a sentence dates things."""
    d = ts_to_datetime(ts)
    return f"{d:%b} {d.day}"


def _number(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.3g}"


def back_because(
    before: Iterable[Seen], now: Iterable[Seen], sunset_at: str, rise: float
) -> str | None:
    """Why an account sunset at ``sunset_at`` with signals ``before`` is due back, given the
    signals of a later run (``now``, biggest first), in one plain sentence; None if it is not.
    """
    then = {s.detector: s for s in before}
    when = _day(sunset_at)
    for s in now:
        label = s.detector.replace("_", " ")
        if s.behavioural and s.at > sunset_at:
            return f"{label} on {_day(s.at)}, after the sunset on {when}: {s.reason}"
        old = then.get(s.detector)
        if old is None:
            return f"{label}, not firing at the sunset on {when}: {s.reason}"
        if not s.behavioural and s.value > 0 and s.value >= old.value * (1 + rise):
            up = f" (+{s.value / old.value - 1:.0%})" if old.value > 0 else ""
            return f"{label} {_number(s.value)}, {_number(old.value)} at the sunset on {when}{up}"
    return None


def record_returns(
    conn: sqlite3.Connection,
    config: Config,
    signals: dict[str, list[Seen]],
    as_of_ts: str,
    at: str,
) -> list[str]:
    """Compare each scored sunset account with its snapshot; mark the ones due back.

    ``signals`` maps every account scored in the run to its signals, biggest first;
    ``as_of_ts`` is the end of the scored day (a replay of a day before the sunset decides
    nothing) and ``at`` when the decision is dated. Returns the accounts marked.
    """
    rows = conn.execute(
        f"""select r.id, r.account_id, r.at, r.signals from triage t
            join sunsets r on r.account_id = t.account_id and r.at = t.sunset_at
            where t.state = '{SUNSET}' and r.back_at is null and r.at < ?""",
        [as_of_ts],
    ).fetchall()
    marked = []
    for sunset_id, account_id, sunset_at, snapshot in rows:
        if account_id not in signals:
            continue
        before = [Seen(**s) for s in json.loads(snapshot)]
        why = back_because(before, signals[account_id], sunset_at, config.triage.sunset_rise)
        if why is not None:
            conn.execute(
                "update sunsets set back_at = ?, back_because = ? where id = ?",
                [at, why, sunset_id],
            )
            marked.append(account_id)
    return marked


def until_because(until: str, sunset_at: str) -> str:
    """The sentence for a sunset that ended on its ``--until`` date."""
    return f"back on {_day(until)} as set at the sunset on {_day(sunset_at)}"


def describe_return(
    back_at: str | None, back_because: str | None, until: str | None, sunset_at: str, now: str
) -> str | None:
    """Why a returned sunset account is back: the stored reason, or its ``--until`` date,
    whichever came first."""
    found = back_at is not None and back_at <= now
    ended = until is not None and until <= now
    if found and not (ended and until < back_at):
        return back_because
    return until_because(until, sunset_at) if ended and until else None


# The latest sunset of an account and why it ended, as read by :func:`why_back` and the queue:
# (back_at, back_because, until, sunset_at) of the triage row's current sunset.
RETURN_FACTS_SQL = """(select json_array(r.back_at, r.back_because, r.until, r.at)
    from triage t join sunsets r on r.account_id = t.account_id and r.at = t.sunset_at
    where t.account_id = {account})"""


def why_back(facts: str | None, now: str) -> str | None:
    """:func:`describe_return` of a :data:`RETURN_FACTS_SQL` value (None when no sunset)."""
    if not facts:
        return None
    back_at, because, until, sunset_at = json.loads(facts)
    return describe_return(back_at, because, until, sunset_at, now)


def sunset_snapshots(db: sqlite_utils.Database, account_id: str) -> list[dict[str, Any]]:
    """Every sunset of the account, oldest first: when, until, the score and signals then,
    and why it came back (``back_because``, null while it has not)."""
    rows = db.conn.execute(
        "select at, until, score, signals, back_at, back_because from sunsets "
        "where account_id = ? order by at, id",
        [account_id],
    )
    return [
        {"at": at, "until": until, "score": score, "signals": json.loads(signals),
         "back_at": back_at, "back_because": because}
        for at, until, score, signals, back_at, because in rows
    ]  # fmt: skip
