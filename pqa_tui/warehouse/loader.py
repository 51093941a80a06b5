"""``pqa ingest --rollups DIR``: rollups computed elsewhere, loaded into the workspace.

DIR holds one file (``rollups.parquet``, ``.csv``, ``.ndjson`` / ``.jsonl`` / ``.json``) or one
folder of such files per table of :data:`pqa_tui.warehouse.sql.COLUMNS`; any table may be
missing. The load is one write transaction and idempotent: for every account it covers, the
rollups, user-days, trait changes and product conversions of the days from its first to its
last day in the files are replaced; users, accounts and memberships are upserted (profile
values from the files, first/last seen widened). A row that cannot be used is a reject, as in
the event ingest.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
import sqlite_utils

from .. import store
from ..errors import PqaError
from ..ingest.bulk_indexes import build_rollup_indexes, defer_rollup_indexes
from ..ingest.effects import _column_value  # one normalisation of profile values for both paths
from ..timestamps import format_ts, now_ts, parse_ts
from .sources import ACCOUNT_TRAITS, PROFILE_TRAITS
from .sql import COLUMNS

SUFFIXES = (".parquet", ".csv", ".ndjson", ".jsonl", ".json")
_TIME_COLUMNS = {"first_seen", "last_seen", "ts"}
_KEYS = {
    "rollups": ("account_id", "day", "metric", "value"),
    "user_days": ("account_id", "day", "user_id"),
    "users": ("user_id",),
    "accounts": ("account_id",),
    "memberships": ("user_id", "account_id"),
    "trait_changes": ("entity", "entity_id", "trait", "ts"),
    "conversions": ("account_id", "ts"),
}


class RollupsError(PqaError):
    """A rollups folder that cannot be loaded at all (no tables, a missing column)."""


@dataclass
class LoadSummary:
    """What one load did: rows read / loaded / rejected per table, and the accounts covered."""

    source: str
    mode: str
    tables: dict[str, dict[str, int]] = field(default_factory=dict)
    accounts: int = 0
    read_events: int | None = None
    rejected: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def table_files(folder: str | Path) -> dict[str, list[Path]]:
    """Table -> its files in ``folder`` (``name.ext`` or ``name/*.ext``)."""
    root = Path(folder)
    if not root.is_dir():
        raise RollupsError(f"{folder}: not a folder of rollup tables")
    found: dict[str, list[Path]] = {}
    for table in COLUMNS:
        files = [root / f"{table}{s}" for s in SUFFIXES if (root / f"{table}{s}").is_file()]
        sub = root / table
        if sub.is_dir():
            files += sorted(p for p in sub.iterdir() if p.suffix in SUFFIXES and p.is_file())
        if files:
            found[table] = files
    if not found:
        raise RollupsError(
            f"{folder}: no rollup tables (expected files named {', '.join(COLUMNS)} with a "
            f"suffix of {', '.join(SUFFIXES)}, or folders of them)"
        )
    return found


def read_table(path: Path) -> tuple[list[str], Iterator[tuple]]:
    """Column names and rows of one Parquet, CSV or NDJSON file, read by DuckDB."""
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    name = str(path).replace("'", "''")
    if path.suffix == ".parquet":
        reader = f"read_parquet('{name}')"
    elif path.suffix == ".csv":
        reader = f"read_csv('{name}', header = true, all_varchar = true)"
    else:
        reader = f"read_json('{name}', format = 'newline_delimited')"
    try:
        cur = con.execute(f"select * from {reader}")
    except duckdb.Error as e:
        raise RollupsError(f"{path}: cannot read: {e}") from None
    columns = [d[0].lower() for d in cur.description]

    def rows() -> Iterator[tuple]:
        try:
            while batch := cur.fetchmany(10_000):
                yield from batch
        finally:
            con.close()

    return columns, rows()


def _day(value: Any) -> str:
    if isinstance(value, datetime):
        return format_ts(value)[:10]
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return date.fromisoformat(text[:10]).isoformat()


def _time(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return format_ts(value)
    return parse_ts(value)


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _clean(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """One row in the stored form; raises ValueError with the reason when it cannot be."""
    for key in _KEYS[table]:
        if row.get(key) is None or row.get(key) == "":
            raise ValueError(f"no {key}")
    out: dict[str, Any] = {}
    for column, value in row.items():
        if column == "day":
            out[column] = _day(value)
        elif column in _TIME_COLUMNS:
            out[column] = _time(value)
        elif column == "value":
            out[column] = float(value)
        elif table in ("users", "accounts") and column not in ("user_id", "account_id"):
            out[column] = _column_value(column, value) if column != "title" else _text(value)
        else:
            out[column] = _text(value)
    return out


def _clean_rows(
    label: str,
    table: str,
    columns: list[str],
    rows: Iterable[tuple],
    counts: dict[str, int],
    rejects: list,
) -> list[tuple]:
    """Rows of one file (or engine result) in the stored form, as tuples in COLUMNS order;
    a row that cannot be is a reject with its row number."""
    wanted = COLUMNS[table]
    kept = []
    for number, values in enumerate(rows, 1):
        counts["read"] += 1
        row = {c: v for c, v in zip(columns, values, strict=True) if c in wanted}
        try:
            clean = _clean(table, row)
        except (ValueError, TypeError) as e:
            counts["rejected"] += 1
            raw = orjson.dumps(dict(zip(columns, values, strict=True)), default=str).decode()
            rejects.append((label, number, f"{table}: {e}", raw))
            continue
        kept.append(tuple(clean.get(c) for c in wanted))
    return kept


def _read(files: list[Path], table: str, summary: LoadSummary, rejects: list) -> list[tuple]:
    kept: list[tuple] = []
    counts = summary.tables.setdefault(table, {"read": 0, "loaded": 0, "rejected": 0})
    for path in files:
        columns, rows = read_table(path)
        missing = [c for c in _KEYS[table] if c not in columns]
        if missing:
            raise RollupsError(f"{path}: {table} needs the column(s) {', '.join(missing)}")
        kept += _clean_rows(str(path), table, columns, rows, counts, rejects)
    counts["loaded"] = len(kept)
    return kept


def _covered(data: dict[str, list[tuple]]) -> dict[str, tuple[str, str]]:
    """Account -> (first day, last day) it has rows for in any account-keyed table."""
    spans: dict[str, list[str]] = {}
    days = [
        ("rollups", "day"),
        ("user_days", "day"),
        ("trait_changes", "ts"),
        ("conversions", "ts"),
    ]
    for table, column in days:
        a, d = COLUMNS[table].index("account_id"), COLUMNS[table].index(column)
        for row in data.get(table, []):
            account, day = row[a], (row[d] or "")[:10]
            if not account or not day:
                continue
            span = spans.get(account)
            if span is None:
                spans[account] = [day, day]
            else:
                span[0], span[1] = min(span[0], day), max(span[1], day)
    return {a: (s[0], s[1]) for a, s in spans.items()}


def _upsert_seen(conn, table: str, key: tuple[str, ...], rows: list[tuple], extra: tuple) -> None:
    """Insert or update rows: the given profile values win, first/last seen only widen.

    Rows are grouped by which profile values they carry, one executemany per group."""
    groups: dict[tuple[str, ...], list[list]] = {}
    for values in rows:
        row = dict(zip(COLUMNS[table], values, strict=True))
        cols = (*key, *[c for c in extra if row.get(c) is not None], "first_seen", "last_seen")
        groups.setdefault(cols, []).append([row.get(c) for c in cols])
    for cols, params in groups.items():
        sets = [f"{c} = excluded.{c}" for c in cols if c in extra]
        sets += [
            "first_seen = min(coalesce(first_seen, excluded.first_seen), "
            "coalesce(excluded.first_seen, first_seen))",
            "last_seen = max(coalesce(last_seen, excluded.last_seen), "
            "coalesce(excluded.last_seen, last_seen))",
        ]
        conn.executemany(
            f"insert into {table}({', '.join(cols)}) values ({', '.join('?' * len(cols))}) "
            f"on conflict({', '.join(key)}) do update set {', '.join(sets)}",
            params,
        )


def _traits(table: str, values: tuple, columns: tuple[str, ...]) -> str:
    row = dict(zip(COLUMNS[table], values, strict=True))
    return orjson.dumps({c: row[c] for c in columns if row.get(c) is not None}).decode()


def load_rollups(
    db: sqlite_utils.Database,
    folder: str | Path,
    *,
    mode: str = "rollups",
    source: str | None = None,
    read_events: int | None = None,
    event_rejects: list[tuple[str, int, str]] | None = None,
) -> LoadSummary:
    """Load a folder of rollup tables into ``db`` in one write transaction (see module doc).

    ``mode`` and ``source`` name the run in ``ingest_runs`` (``pqa stats`` shows them);
    ``event_rejects`` are (file, line, reason) of input events an engine could not use.
    """
    start = time.perf_counter()
    summary = LoadSummary(source=source or str(folder), mode=mode, read_events=read_events)
    files = table_files(folder)
    rejects: list[tuple[str, int, str, str | None]] = [
        (f, line, reason, None) for f, line, reason in event_rejects or []
    ]
    data = {table: _read(paths, table, summary, rejects) for table, paths in files.items()}
    return _write(db, data, summary, rejects, start)


def load_results(
    db: sqlite_utils.Database,
    results: dict[str, tuple[list[str], Iterable[tuple]]],
    *,
    mode: str,
    source: str,
    read_events: int,
    event_rejects: list[tuple[str, int, str]],
    stored: tuple[str, ...] = (),
) -> LoadSummary:
    """Load tables an engine computed (table -> column names, rows) like a rollups folder.

    The tables named in ``stored`` come in the stored form already (keys not null, days as
    ``YYYY-MM-DD`` text, columns in COLUMNS order): the engine's SQL did their checks in bulk.
    """
    start = time.perf_counter()
    summary = LoadSummary(source=source, mode=mode, read_events=read_events)
    rejects: list[tuple[str, int, str, str | None]] = [
        (f, line, reason, None) for f, line, reason in event_rejects
    ]
    data: dict[str, list[tuple]] = {}
    for table, (columns, rows) in results.items():
        counts = summary.tables.setdefault(table, {"read": 0, "loaded": 0, "rejected": 0})
        if table in stored:
            data[table] = list(rows)
            counts["read"] = len(data[table])
        else:
            data[table] = _clean_rows(f"{mode} {table}", table, columns, rows, counts, rejects)
        counts["loaded"] = len(data[table])
    return _write(db, data, summary, rejects, start)


def _write(
    db: sqlite_utils.Database,
    data: dict[str, list[tuple]],
    summary: LoadSummary,
    rejects: list[tuple[str, int, str, str | None]],
    start: float,
) -> LoadSummary:
    """The one write transaction of a load (see module doc)."""
    mode, read_events = summary.mode, summary.read_events
    covered = _covered(data)
    summary.accounts = len(covered)
    summary.rejected = len(rejects)
    user_cols = tuple(
        c for c in COLUMNS["users"] if c not in ("user_id", "first_seen", "last_seen")
    )
    account_cols = ACCOUNT_TRAITS
    with store.write(db) as conn:
        for account, (first, last) in covered.items():
            args = (account, first, last)
            conn.execute("delete from rollups where account_id = ? and day between ? and ?", args)
            conn.execute("delete from user_days where account_id = ? and day between ? and ?", args)
            conn.execute(
                "delete from trait_changes where account_id = ? and substr(ts, 1, 10) "
                "between ? and ?",
                args,
            )
            conn.execute(
                "delete from outcomes where account_id = ? and source = 'product' and "
                "outcome = 'converted' and substr(at, 1, 10) between ? and ?",
                args,
            )
        # Into empty rollups (a first load) the secondary index is built once at the end.
        empty = conn.execute("select 1 from rollups limit 1").fetchone() is None
        deferred = defer_rollup_indexes(conn) if empty else []
        conn.executemany(
            "insert or replace into rollups(account_id, day, metric, value) values (?, ?, ?, ?)",
            data.get("rollups", []),
        )
        build_rollup_indexes(conn, deferred)
        conn.executemany(
            "insert or ignore into user_days(account_id, day, user_id) values (?, ?, ?)",
            data.get("user_days", []),
        )
        users = data.get("users", [])
        _upsert_seen(conn, "users", ("user_id",), users, PROFILE_TRAITS)
        conn.executemany(
            "update users set traits = ? where user_id = ?",
            [(_traits("users", u, user_cols), u[0]) for u in users],
        )
        accounts = data.get("accounts", [])
        _upsert_seen(conn, "accounts", ("account_id",), accounts, account_cols)
        conn.executemany(
            "update accounts set traits = ? where account_id = ?",
            [(_traits("accounts", a, account_cols), a[0]) for a in accounts],
        )
        _upsert_seen(
            conn, "memberships", ("user_id", "account_id"), data.get("memberships", []), ()
        )
        conn.executemany(
            "insert into trait_changes(entity, entity_id, account_id, trait, old_value, "
            "new_value, ts) values (?, ?, ?, ?, ?, ?, ?)",
            data.get("trait_changes", []),
        )
        conn.executemany(
            "insert into outcomes(account_id, at, outcome, source, detail) "
            "values (?, ?, 'converted', 'product', ?)",
            [
                (account, ts, orjson.dumps({"from": old, "to": new, "via": via}).decode())
                for account, ts, old, new, via in data.get("conversions", [])
            ],
        )
        at = now_ts()
        conn.executemany(
            "insert into rejects(source, line, reason, raw, at) values (?, ?, ?, ?, ?)",
            [(f, line, reason, raw, at) for f, line, reason, raw in rejects],
        )
        loaded = sum(t["loaded"] for t in summary.tables.values())
        conn.execute(
            "insert into ingest_runs(source, started_at, finished_at, read, inserted, "
            "duplicates, rejected, mode) values (?, ?, ?, ?, ?, 0, ?, ?)",
            (
                summary.source,
                at,
                now_ts(),
                read_events
                if read_events is not None
                else sum(t["read"] for t in summary.tables.values()),
                loaded,
                len(rejects),
                mode,
            ),
        )
    summary.seconds = time.perf_counter() - start
    return summary
