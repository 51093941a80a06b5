"""Files in, events / users / accounts / rollups out: one transaction per file.

For each file: detect the format, stream it in batches, ``INSERT OR IGNORE`` the events on the
unique dedupe index, and derive everything else (rollups, active users, first/last seen,
memberships, traits, role and plan changes, conversions) only from the rows that were actually
inserted. The whole file is one write transaction, so Ctrl-C or a crash leaves nothing of it,
and running the same command again finishes the job. A finished file's sha256 is kept in
``ingest_runs``: the identical file again is answered from there (reported as all duplicates).
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import io
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path
from sys import intern
from typing import IO, Any

import orjson
import sqlite_utils

from .. import store
from ..config import Config
from ..errors import PqaError
from ..timestamps import now_ts
from .effects import TraitEffects
from .formats import USAGE_KINDS, InputFormat, JsonLinesFormat, Record, Reject, make_reject
from .read_ahead import available as read_ahead_available
from .read_ahead import read_ahead
from .rollups import RollupDeltas, RollupRules, add_user_days

# Small enough that a batch's records stay in the CPU caches and their memory is reused by the
# next batch (2,000 was 10% faster than 10,000 on a million events).
BATCH_SIZE = 2_000
# How many (account, day, user) triples one generation of the recent user-day memory holds.
RECENT_USER_DAYS = 20_000
# Rollup deltas are written when they reach this many keys (and at the end of each file).
DELTAS_LIMIT = 100_000
SNIFF_BYTES = 64 * 1024
# A file at least this big is read and prepared by a second process while this one writes.
READ_AHEAD_BYTES = 20 * 1024 * 1024
# While an ingest holds the write lock it may use this much page cache (KiB, negative = size):
# the dedupe and account indexes are updated in random order and must stay in memory.
INGEST_CACHE_KIB = 64 * 1024
# ...but a deferred index is built with SQLite's default 2 MB: the sorter sorts runs of the
# cache's size, and many small runs merged beat a few big ones (0.3-0.6 s less for the two
# events indexes of a million rows, docs/ingest.md).
INDEX_BUILD_CACHE_KIB = 2 * 1024

# (source, done bytes or None, total bytes or None)
Progress = Callable[[str, int | None, int | None], None]

_INSERT_EVENT = (
    "insert or ignore into events(dedupe_key, kind, account_id, user_id, event, ts, "
    "properties, run_id, line) values (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class IngestError(PqaError):
    """An input that cannot be ingested at all (unknown format, unreadable file)."""


class StrictReject(IngestError):
    """``--strict`` and a line was rejected: the file was rolled back."""

    exit_code = 3


@dataclass
class FileSummary:
    """What one input file did to the database (one row of the summary table)."""

    source: str
    format: str
    read: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejected: int = 0
    seconds: float = 0.0
    bytes: int | None = None
    # Set when the identical file (same sha256) was already ingested: nothing was re-read.
    already_ingested_run: int | None = None

    @property
    def rate(self) -> float:
        """Lines per second."""
        return self.read / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rate"] = round(self.rate, 1)
        return data


def detect_format(formats: dict[str, InputFormat], head: bytes, filename: str) -> InputFormat:
    """The first format (by ``sniff_order``) whose ``sniff`` accepts the head of the file."""
    for fmt in sorted(formats.values(), key=lambda f: (getattr(f, "sniff_order", 50), f.name)):
        try:
            if fmt.sniff(head, filename):
                return fmt
        except Exception:  # noqa: BLE001 - a plugin's sniff must not break detection
            continue
    raise IngestError(
        f"{filename}: cannot tell the format from its first bytes; pass --format "
        f"({', '.join(sorted(formats))})"
    )


def ingest_paths(
    db: sqlite_utils.Database,
    config: Config,
    plugins: Any,
    paths: Iterable[str | Path],
    *,
    fmt: str = "auto",
    strict: bool = False,
    progress: Progress | None = None,
) -> list[FileSummary]:
    """Ingest each file (``-`` is stdin; ``.gz`` and ``.zip`` are opened), one transaction each.

    ``fmt`` is a format name from ``plugins.formats`` or ``"auto"`` to detect it per file.
    With ``strict`` the first reject rolls its file back and raises :class:`StrictReject`.
    """
    formats: dict[str, InputFormat] = plugins.formats
    if fmt != "auto" and fmt not in formats:
        raise IngestError(f"unknown format {fmt!r}; known: auto, {', '.join(sorted(formats))}")
    summaries = []
    for path in paths:
        summaries.append(_ingest_path(db, config, formats, str(path), fmt, strict, progress))
    return summaries


def ingest_records(
    db: sqlite_utils.Database,
    config: Config,
    records: Iterable[dict[str, Any]],
    *,
    source: str,
    fmt: str = "segment",
    plugins: Any = None,
) -> FileSummary:
    """Ingest already-parsed objects in the shape of format ``fmt`` (one transaction).

    ``source`` names them in ``ingest_runs`` and the rejects table (e.g. ``"demo"``).
    """
    if plugins is None:
        from ..plugins import load_plugins

        plugins = load_plugins(entry_points_too=False)
    format_ = plugins.formats.get(fmt)
    if format_ is None:
        raise IngestError(f"unknown format {fmt!r}; known: {', '.join(sorted(plugins.formats))}")
    if isinstance(format_, JsonLinesFormat):
        items: Iterable[Record | Reject] = format_.records(records, config)
    else:  # a plugin format that reads bytes only: hand it NDJSON
        data = b"\n".join(orjson.dumps(r) for r in records)
        items = format_.read(io.BytesIO(data), source, config)
    start = time.perf_counter()
    summary = FileSummary(source=source, format=fmt)
    with store.write(db) as conn:
        run_id = _start_run(conn, source, None, None)
        _Batcher(conn, config, source, run_id, summary, strict=False).run(items, None)
        _finish_run(conn, run_id, summary)
    summary.seconds = time.perf_counter() - start
    return summary


def _start_run(conn: sqlite3.Connection, source: str, digest: str | None, size: int | None) -> int:
    """The ``ingest_runs`` row of this file; its id is every inserted event's ``run_id``."""
    return conn.execute(
        "insert into ingest_runs(source, sha256, bytes, started_at) values (?, ?, ?, ?)",
        (source, digest, size, now_ts()),
    ).lastrowid


def _finish_run(
    conn: sqlite3.Connection, run_id: int, summary: FileSummary, digest: str | None = None
) -> None:
    conn.execute(
        "update ingest_runs set finished_at = ?, read = ?, inserted = ?, duplicates = ?,"
        " rejected = ?, sha256 = coalesce(?, sha256) where id = ?",
        (
            now_ts(),
            summary.read,
            summary.inserted,
            summary.duplicates,
            summary.rejected,
            digest,
            run_id,
        ),
    )


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _sha256_meanwhile(path: str) -> Callable[[], str | None]:
    """Hash ``path`` in a thread (reads and hashlib release the GIL) while the file is ingested.

    Returns a function that waits for the digest (``None`` if the file could not be read).
    """
    found: list[str] = []

    def run() -> None:
        with suppress(OSError):
            found.append(_sha256(path))

    thread = threading.Thread(target=run, name=f"pqa sha256: {path}", daemon=True)
    thread.start()

    def result() -> str | None:
        thread.join()
        return found[0] if found else None

    return result


def _may_be_ingested(db: sqlite_utils.Database, size: int) -> bool:
    """Whether a finished run may have read these very bytes: only one of the same size can.

    Runs recorded before sizes were kept (``bytes`` null) count as maybe.
    """
    return (
        db.conn.execute(
            "select 1 from ingest_runs where finished_at is not null and sha256 is not null "
            "and (bytes = ? or bytes is null) limit 1",
            (size,),
        ).fetchone()
        is not None
    )


@contextmanager
def _cache_size(conn: sqlite3.Connection, kib: int) -> Iterator[None]:
    """Use a page cache of ``kib`` KiB inside the block, then the ingest's own again."""
    conn.execute(f"pragma cache_size = -{kib}")
    try:
        yield
    finally:
        conn.execute(f"pragma cache_size = -{INGEST_CACHE_KIB}")


def _ingest_path(
    db: sqlite_utils.Database,
    config: Config,
    formats: dict[str, InputFormat],
    path: str,
    fmt: str,
    strict: bool,
    progress: Progress | None,
) -> FileSummary:
    start = time.perf_counter()
    is_file = path != "-"
    if is_file and not os.path.isfile(path):
        raise IngestError(f"{path}: no such file")
    size = os.path.getsize(path) if is_file else None
    digest = None
    # The identical-file check needs the digest first only when a run of this size exists;
    # otherwise the file is new to this database and is hashed while it is read.
    digest_later = None
    if size is not None:
        if _may_be_ingested(db, size):
            digest = _sha256(path)
        else:
            digest_later = _sha256_meanwhile(path)
    if digest is not None:
        done = db.conn.execute(
            "select id, read, rejected, source from ingest_runs where sha256 = ? and "
            "finished_at is not null order by id limit 1",
            (digest,),
        ).fetchone()
        if done is not None:
            if strict and done[2]:
                # The identical bytes had rejects last time: --strict must still refuse them.
                raise StrictReject(
                    f"{path}: identical to the file of ingest run {done[0]} ({done[3]}), which "
                    f"had {done[2]} rejected line(s) (--strict: nothing new was kept; list them "
                    "with `pqa rejects`, fix them, or drop --strict)"
                )
            return _already_ingested(db, path, done, digest, size, start, progress)
    with ExitStack() as stack:
        raw, parts = _open_input(path, stack)
        head, first = _peek_first(parts)
        format_ = formats[fmt] if fmt != "auto" else detect_format(formats, head, path)
        summary = FileSummary(source=path, format=format_.name, bytes=size)

        def members() -> Iterator[Record | Reject]:
            for member, stream in _chain_first(first, parts):
                for item in format_.read(stream, path, config):
                    if member and type(item) is Reject:
                        item = item._replace(reason=f"in {member}: {item.reason}")
                    yield item

        if first is not None and not first[0]:  # one plain or gzipped stream: no wrapper
            records: Iterable[Record | Reject] = format_.read(first[1], path, config)
        else:
            records = members()

        def position() -> int | None:
            try:
                return raw.tell() if is_file else None
            except (OSError, ValueError):
                return None

        if progress:
            progress(path, 0, size)
        with store.write(db) as conn:
            run_id = _start_run(conn, path, digest, size)
            batcher = _Batcher(conn, config, path, run_id, summary, strict=strict)
            if is_file and size >= READ_AHEAD_BYTES and read_ahead_available():
                keep = batcher.keep_events

                def prepare(batch: list[Record | Reject]) -> PreparedBatch:
                    return prepare_batch(batch, run_id, keep)

                at = (lambda done: progress(path, done, size)) if progress else None
                with read_ahead(records, prepare, BATCH_SIZE, position, path) as batches:
                    batcher.run_prepared(batches, at)
            else:
                report = (lambda: progress(path, position(), size)) if progress else None
                batcher.run(records, report)
            _finish_run(conn, run_id, summary, digest_later() if digest_later else None)
    summary.seconds = time.perf_counter() - start  # commit included
    if progress:
        progress(path, size, size)
    return summary


def _already_ingested(db, path, done, digest, size, start, progress) -> FileSummary:
    """The identical bytes were ingested before: every line is a duplicate (or a known reject)."""
    run_id, read, rejected, _ = done
    summary = FileSummary(
        source=path,
        format="(unchanged)",
        read=read or 0,
        inserted=0,
        duplicates=(read or 0) - (rejected or 0),
        rejected=rejected or 0,
        bytes=size,
        already_ingested_run=run_id,
    )
    summary.seconds = time.perf_counter() - start
    with store.write(db) as conn:
        conn.execute(
            "insert into ingest_runs(source, sha256, bytes, started_at, finished_at, read, "
            "inserted, duplicates, rejected) values (?, ?, ?, ?, ?, ?, 0, ?, ?)",
            (
                path,
                digest,
                size,
                now_ts(),
                now_ts(),
                summary.read,
                summary.duplicates,
                summary.rejected,
            ),
        )
    if progress:
        progress(path, size, size)
    return summary


# -- opening inputs -------------------------------------------------------------------------


def _open_input(path: str, stack: ExitStack) -> tuple[IO[bytes], Iterator[tuple[str, IO[bytes]]]]:
    """The raw byte stream (for progress) and the decompressed parts: (member name, stream)."""
    if path == "-":
        raw: IO[bytes] = sys.stdin.buffer
        if not hasattr(raw, "peek"):
            raw = io.BufferedReader(raw)  # type: ignore[arg-type]
    else:
        raw = stack.enter_context(open(path, "rb", buffering=1 << 20))
    magic = raw.peek(4)[:4]  # type: ignore[attr-defined]
    if magic.startswith(b"PK\x03\x04"):
        if path == "-":  # zipfile needs to seek: spool stdin to a temporary file
            spooled = stack.enter_context(tempfile.TemporaryFile())
            shutil.copyfileobj(raw, spooled)
            spooled.seek(0)
            raw = spooled  # type: ignore[assignment]
        try:
            archive = stack.enter_context(zipfile.ZipFile(raw))
        except zipfile.BadZipFile as e:
            raise IngestError(f"{path}: not a readable zip file: {e}") from None
        return raw, _zip_parts(archive, stack)
    if magic[:2] == b"\x1f\x8b":
        gz = stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb"))
        return raw, iter([("", io.BufferedReader(gz, 1 << 20))])  # type: ignore[arg-type]
    return raw, iter([("", raw)])


def _zip_parts(archive: zipfile.ZipFile, stack: ExitStack) -> Iterator[tuple[str, IO[bytes]]]:
    """Each file of an Amplitude-style export zip, in name order, gunzipped when ``.gz``."""
    for info in sorted(archive.infolist(), key=lambda i: i.filename):
        if info.is_dir() or os.path.basename(info.filename).startswith((".", "__MACOSX")):
            continue
        member = stack.enter_context(archive.open(info))
        if info.filename.endswith(".gz"):
            stream = io.BufferedReader(gzip.GzipFile(fileobj=member, mode="rb"), 1 << 20)
        else:
            stream = io.BufferedReader(member, 1 << 20)  # type: ignore[arg-type]
        yield info.filename, stream


def _peek_first(parts: Iterator[tuple[str, IO[bytes]]]):
    """The head of the first part (for sniffing) and that part, not consumed."""
    first = next(parts, None)
    if first is None:
        return b"", None
    try:
        head = first[1].peek(SNIFF_BYTES)[:SNIFF_BYTES]  # type: ignore[attr-defined]
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise IngestError(f"cannot read the input: {e}") from None
    return head, first


def _chain_first(first, parts):
    if first is not None:
        yield first
        yield from parts


# -- the batch loop -------------------------------------------------------------------------


def content_key(rec: Record) -> str:
    """The dedupe key of a record without a source id: a hash of everything it says."""
    body = orjson.dumps(
        [rec.kind, rec.user_id, rec.account_id, rec.event, rec.ts, rec.properties, rec.traits],
        option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
        default=str,
    )
    return "h:" + hashlib.blake2b(body, digest_size=16).hexdigest()


def _spans(keys: list | tuple, tss: tuple, ordered: bool) -> tuple[dict, dict]:
    """The first and the last time of each key in one batch, as two dicts.

    In a batch already in time order they come from two ``dict`` constructions (in C);
    otherwise from a comparison per row.
    """
    if ordered:
        return dict(zip(reversed(keys), reversed(tss), strict=True)), dict(
            zip(keys, tss, strict=True)
        )
    firsts: dict = {}
    lasts: dict = {}
    for key, ts in zip(keys, tss, strict=True):
        first = firsts.get(key)
        if first is None or ts < first:
            firsts[key] = ts
        last = lasts.get(key)
        if last is None or ts > last:
            lasts[key] = ts
    return firsts, lasts


def _widen(seen: dict, key: Any, first: str, last: str) -> None:
    """Widen ``seen[key] = [first, last]`` to cover ``first`` .. ``last``."""
    current = seen.get(key)
    if current is None:
        seen[key] = [first, last]
    else:
        if first < current[0]:
            current[0] = first
        if last > current[1]:
            current[1] = last


def _merge_seen(seen: dict, keys: list | tuple, tss: tuple, ordered: bool) -> None:
    """Widen ``seen[key] = [first, last]`` with one batch; ``None`` keys (or pairs) are skipped."""
    firsts, lasts = _spans(keys, tss, ordered)
    for key, last in lasts.items():
        if key is None or (type(key) is tuple and None in key):
            continue
        _widen(seen, key, firsts[key], last)


# (event rows naming the record's own account, records with side effects or None, rejects,
# lines read): one batch, ready for the write transaction.
# (event rows, their days, records with side effects or None, rejects, records read)
PreparedBatch = tuple[list[tuple], list[str], list[Record | None], list[Reject], int]


def prepare_batch(
    batch: list[Record | Reject], run_id: int, keep_events: frozenset[str]
) -> PreparedBatch:
    """Check and serialise one batch of records into event rows, without the database.

    Needs no state of the ingest, so it can run in the reading process. A row's account is
    the one its record named (``None`` when it named none): the writer resolves memberships.
    The record itself is kept only when it has traits or its event is in ``keep_events``.
    Names and days repeat within a batch: interned, each is one object, which the pipe to the
    writer then sends once per batch and the writer hashes once.
    """
    rows = []
    days = []
    recs: list[Record | None] = []
    rejects = []
    dumps = orjson.dumps
    for rec in batch:
        if type(rec) is Reject:
            rejects.append(rec)
            continue
        kind, key, user, account, event, ts, props, traits, line = rec
        if kind == "identify" or kind == "group":
            props = traits  # the raw event keeps what the call said
        try:
            body = dumps(props).decode() if props else "{}"
            if traits and traits is not props:
                dumps(traits)  # stored by the trait effects: check while a reject is cheap
            key = key or content_key(rec)
        except TypeError as e:  # orjson: nested too deep, non-text keys, bytes, sets...
            rejects.append(
                make_reject(
                    line,
                    f"cannot store the properties or traits as JSON: {e}",
                    f"{kind} {event!r} of user {user!r} at {ts}",
                )
            )
            continue
        if type(account) is str:
            account = intern(account)
        if type(user) is str:
            user = intern(user)
        if type(event) is str:
            event = intern(event)
        rows.append((key, kind, account, user, event, ts, body, run_id, line))
        days.append(intern(ts[:10]))
        recs.append(rec if traits is not None or event in keep_events else None)
    return rows, days, recs, rejects, len(batch)


class _Batcher:
    """Streams one file's records into the open write transaction on ``conn``."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        config: Config,
        source: str,
        run_id: int,
        summary: FileSummary,
        *,
        strict: bool,
    ):
        self.conn = conn
        self.config = config
        self.source = source
        self.run_id = run_id
        self.summary = summary
        self.strict = strict
        conn.execute(f"pragma cache_size = -{INGEST_CACHE_KIB}")
        self.rules = RollupRules(config)
        self.deltas = RollupDeltas(self.rules)
        self.effects = TraitEffects(conn, config)
        # user -> account of their latest membership; latest last_seen wins.
        self.user_account: dict[str, str] = dict(
            conn.execute("select user_id, account_id from memberships order by last_seen")
        )
        self.changed_users: set[str] = set()  # users whose membership is new in this file
        self.users_seen: dict[str, list[str]] = {}
        self.accounts_seen: dict[str, list[str]] = {}
        self.members_seen: dict[tuple[str, str], list[str]] = {}
        # (account, day, user) triples known to be in user_days, in two generations (older,
        # newer) of at most RECENT_USER_DAYS each.
        self.recent_user_days: tuple[set, set] = (set(), set())
        # New triples wait here so that the database is asked once for many batches.
        self.pending_user_days: set[tuple[str, str, str]] = set()
        self.known_rejects = set(
            conn.execute("select line, reason from rejects where source = ?", (source,))
        )
        self.last_id: int = conn.execute("select coalesce(max(id), 0) from events").fetchone()[0]
        # The first load into an empty events table builds its indexes once at the end (sorted,
        # as the floor does) instead of updating them row by row: several times faster on a big
        # export. Duplicates within the file are then removed before the unique index is built.
        self.deferred_indexes: list[tuple[str, str]] = []
        if self.last_id == 0 and conn.execute("select 1 from events limit 1").fetchone() is None:
            # Partial indexes stay: they hold only unattributed rows, cost nothing per
            # attributed row, and building one afterwards would scan the whole table.
            self.deferred_indexes = [
                (name, sql)
                for name, sql in conn.execute(
                    "select name, sql from sqlite_master where type = 'index' and "
                    "tbl_name = 'events' and sql is not null"
                )
                if " where " not in sql.lower()
            ]
            for name, _ in self.deferred_indexes:
                conn.execute(f'drop index "{name}"')
        # Likewise the rollups' secondary indexes, when the rollups are empty too.
        self.deferred_rollup_indexes: list[tuple[str, str]] = []
        if (
            self.deferred_indexes
            and conn.execute("select 1 from rollups limit 1").fetchone() is None
        ):
            self.deferred_rollup_indexes = conn.execute(
                "select name, sql from sqlite_master where type = 'index' and "
                "tbl_name = 'rollups' and sql is not null"
            ).fetchall()
            for name, _ in self.deferred_rollup_indexes:
                conn.execute(f'drop index "{name}"')
            # The table is new and the deltas come roughly in day order: sorting them first
            # cost more than it saved (measured on a million events).
            self.deltas.in_key_order = False
        # While indexes are deferred, a duplicate is found only at the end: remember the keys
        # of the few records with side effects so those never apply twice.
        self.effect_keys: set[str] = set()
        # The records the trait effects need whole; of the others only the row is kept.
        self.keep_events: frozenset[str] = frozenset(self.effects.watched_events)

    def run(self, items: Iterable[Record | Reject], report: Callable[[], None] | None) -> None:
        # Records hold no reference cycles, but the millions of short-lived tuples and dicts
        # make the cyclic collector walk every long-lived object again and again.
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            self._run(items, report)
        finally:
            if gc_was_on:
                gc.enable()

    def _run(self, items: Iterable[Record | Reject], report: Callable[[], None] | None) -> None:
        items = iter(items)
        keep = self.keep_events
        while batch := list(islice(items, BATCH_SIZE)):
            prepared = prepare_batch(batch, self.run_id, keep)
            batch.clear()  # free the records before reading more: their memory is reused hot
            self._batch(*prepared)
            if report:
                report()
        self._finish()

    def run_prepared(
        self,
        batches: Iterable[tuple[PreparedBatch, int | None]],
        report: Callable[[int | None], None] | None,
    ) -> None:
        """Like :meth:`run`, over batches another process already read and prepared."""
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            for prepared, position in batches:
                self._batch(*prepared)
                if report:
                    report(position)
            self._finish()
        finally:
            if gc_was_on:
                gc.enable()

    def _batch(
        self,
        rows: list[tuple],
        days: list[str],
        recs: list[Record | None],
        rejects: list[Reject],
        read: int,
    ) -> None:
        conn = self.conn
        self.summary.read += read
        if rejects:
            self._rejects(rejects)
        if not rows:
            return
        # The account each row named; a row naming none gets its user's latest membership.
        named = [row[2] for row in rows]
        user_account = self.user_account
        changed = self.changed_users
        if None in named:
            resolved = []
            for row in rows:
                user, account = row[3], row[2]
                if user is not None:
                    if account is None:
                        account = user_account.get(user)
                        if account is not None:
                            row = (*row[:2], account, *row[3:])
                    elif user_account.get(user) != account:
                        user_account[user] = account
                        changed.add(user)
                resolved.append(row)
            rows = resolved
        else:
            # Every row names its account: a user's membership changes in this batch when any
            # of its accounts differs from the one before the batch, and the last one stays.
            users = [row[3] for row in rows]
            for user, account in set(zip(users, named, strict=True)):
                if user is not None and user_account.get(user) != account:
                    changed.add(user)
            if None in users:
                user_account.update((u, a) for u, a in zip(users, named, strict=True) if u)
            else:
                user_account.update(zip(users, named, strict=True))
        inserted = conn.executemany(_INSERT_EVENT, rows).rowcount
        self.summary.inserted += inserted
        self.summary.duplicates += len(rows) - inserted
        if inserted == 0:
            return
        if inserted != len(rows):
            # Some were duplicates: find which rows this batch added (rowids only grow while we
            # hold the write lock) and keep the first record of each inserted key.
            new_keys = {
                k
                for (k,) in conn.execute(
                    "select dedupe_key from events where id > ?", (self.last_id,)
                )
            }
            kept_rows, kept_days, kept_recs, kept_named = [], [], [], []
            for row, day, rec, account in zip(rows, days, recs, named, strict=True):
                if row[0] in new_keys:
                    new_keys.discard(row[0])
                    kept_rows.append(row)
                    kept_days.append(day)
                    kept_recs.append(rec)
                    kept_named.append(account)
            rows, days, recs, named = kept_rows, kept_days, kept_recs, kept_named
        self.last_id += inserted
        self._derive(rows, days, recs, named)

    def _derive(
        self, rows: list[tuple], days: list[str], recs: list[Record | None], named: list
    ) -> None:
        """Everything that follows from newly inserted rows.

        Works column by column (``zip``, ``dict``, ``Counter`` and ``set`` run in C), since
        this runs for every event; only page views, storage events and records with side
        effects are looked at one by one. ``recs`` holds the records with side effects (traits
        or a watched event), ``None`` for the others; ``named`` the account each row named;
        ``days`` each row's day.
        """
        _, kinds, accounts, users, events, tss = islice(zip(*rows, strict=True), 6)
        ordered = list(tss) == sorted(tss)
        pairs = list(zip(users, named, strict=True))
        if None in users or None in named:
            _merge_seen(self.users_seen, users, tss, ordered)
            _merge_seen(self.accounts_seen, accounts, tss, ordered)
            _merge_seen(self.members_seen, pairs, tss, ordered)
        else:
            # Every row names its user and its account (then the stored account is the named
            # one): the spans of the few distinct pairs give the users' and accounts' too.
            firsts, lasts = _spans(pairs, tss, ordered)
            users_seen, accounts_seen = self.users_seen, self.accounts_seen
            for pair, last in lasts.items():
                first = firsts[pair]
                _widen(self.members_seen, pair, first, last)
                _widen(users_seen, pair[0], first, last)
                _widen(accounts_seen, pair[1], first, last)

        deltas = self.deltas
        storage_events = self.rules.storage_events
        if kinds.count("track") == len(kinds) and None not in accounts:
            # The common batch: track calls with an account. Count them all at once, then
            # add the storage amounts of the few storage events.
            usage = deltas.usage
            for key, n in Counter(zip(accounts, days, kinds, events, strict=True)).items():
                usage[key] = usage.get(key, 0) + n
            if not storage_events.isdisjoint(events):
                for i, event in enumerate(events):
                    if event in storage_events:
                        deltas.add_storage(accounts[i], days[i], rows[i][6])
            user_days = set(zip(accounts, days, users, strict=True))
            if None in users:
                user_days = {t for t in user_days if t[2] is not None}
        else:
            user_days = set()
            for i, kind in enumerate(kinds):
                account = accounts[i]
                if account is not None and kind in USAGE_KINDS:
                    deltas.add(account, days[i], kind, events[i], rows[i][6])
                    if users[i] is not None:
                        user_days.add((account, days[i], users[i]))

        effects = self.effects
        if recs.count(None) != len(recs):
            watched = effects.watched_events
            for i, rec in enumerate(recs):
                if rec is None or (rec[7] is None and events[i] not in watched):
                    continue
                if self.deferred_indexes:
                    if rows[i][0] in self.effect_keys:
                        continue
                    self.effect_keys.add(rows[i][0])
                effects.add(rec, accounts[i])
        # A user active on a day is usually active in the next batches too: skip the triples
        # recorded lately before asking the database (a known one makes add_user_days go row
        # by row).
        older, newer = self.recent_user_days
        new = user_days - newer - older
        newer |= new
        if len(newer) > RECENT_USER_DAYS:
            self.recent_user_days = (newer, set())
        self.pending_user_days |= new
        if len(self.pending_user_days) >= RECENT_USER_DAYS:
            self._flush_user_days()
        effects.apply()
        if len(deltas) > DELTAS_LIMIT:  # keep memory flat on huge files
            deltas.write(self.conn)

    def _rejects(self, rejects: list[Reject]) -> None:
        if self.strict:
            r = rejects[0]
            raise StrictReject(
                f"{self.source}:{r.line}: {r.reason} (--strict: nothing from this file was "
                "kept; fix the line or drop --strict to ingest the rest and list rejects with "
                "`pqa rejects`)"
            )
        self.summary.rejected += len(rejects)
        at = now_ts()
        new = [r for r in rejects if (r.line, r.reason) not in self.known_rejects]
        self.conn.executemany(
            "insert into rejects(source, line, reason, raw, at) values (?, ?, ?, ?, ?)",
            [(self.source, r.line, r.reason, r.raw, at) for r in new],
        )

    def _flush_user_days(self) -> None:
        add_user_days(self.conn, sorted(self.pending_user_days), self.deltas)
        self.pending_user_days.clear()

    def _finish(self) -> None:
        conn = self.conn
        self._flush_user_days()
        if self.deferred_indexes:
            self._build_indexes()
        self.deltas.write(conn)
        conn.executemany(
            "insert into users(user_id, first_seen, last_seen) values (?, ?, ?) "
            "on conflict(user_id) do update set "
            "first_seen = min(coalesce(first_seen, excluded.first_seen), excluded.first_seen), "
            "last_seen = max(coalesce(last_seen, excluded.last_seen), excluded.last_seen)",
            ((u, a, b) for u, (a, b) in self.users_seen.items()),
        )
        conn.executemany(
            "insert into accounts(account_id, first_seen, last_seen) values (?, ?, ?) "
            "on conflict(account_id) do update set "
            "first_seen = min(coalesce(first_seen, excluded.first_seen), excluded.first_seen), "
            "last_seen = max(coalesce(last_seen, excluded.last_seen), excluded.last_seen)",
            ((u, a, b) for u, (a, b) in self.accounts_seen.items()),
        )
        conn.executemany(
            "insert into memberships(user_id, account_id, first_seen, last_seen) "
            "values (?, ?, ?, ?) on conflict(user_id, account_id) do update set "
            "first_seen = min(coalesce(first_seen, excluded.first_seen), excluded.first_seen), "
            "last_seen = max(coalesce(last_seen, excluded.last_seen), excluded.last_seen)",
            ((u, acc, a, b) for (u, acc), (a, b) in self.members_seen.items()),
        )
        self._backfill()
        with _cache_size(conn, INDEX_BUILD_CACHE_KIB):
            for _, sql in self.deferred_rollup_indexes:
                conn.execute(sql)

    def _backfill(self) -> None:
        """Attribute earlier unattributed events of users whose membership arrived now."""
        conn = self.conn
        if not self.changed_users:
            return
        waiting = {
            u
            for (u,) in conn.execute(
                "select distinct user_id from events where account_id is null "
                "and user_id is not null"
            )
        }
        deltas = RollupDeltas(self.rules)
        for user in sorted(waiting & self.changed_users):
            account = self.user_account[user]
            user_days = set()
            for kind, day, event, props in conn.execute(
                "select kind, substr(ts, 1, 10), event, properties from events "
                "where user_id = ? and account_id is null",
                (user,),
            ).fetchall():
                if kind in USAGE_KINDS:
                    deltas.add(account, day, kind, event, props)
                    user_days.add((account, day, user))
            conn.execute(
                "update events set account_id = ? where user_id = ? and account_id is null",
                (account, user),
            )
            conn.execute(
                "update trait_changes set account_id = ? where entity = 'user' and "
                "entity_id = ? and account_id is null",
                (account, user),
            )
            add_user_days(conn, sorted(user_days), deltas)
        deltas.write(conn)

    def _build_indexes(self) -> None:
        """Build the deferred events indexes; drop in-file duplicates first if there are any."""
        conn = self.conn
        conn.execute("savepoint events_indexes")
        with _cache_size(conn, INDEX_BUILD_CACHE_KIB):
            try:
                for _, sql in self.deferred_indexes:
                    conn.execute(sql)
            except sqlite3.IntegrityError:
                conn.execute("rollback to events_indexes")
                self._drop_duplicates()
                for _, sql in self.deferred_indexes:
                    conn.execute(sql)
        conn.execute("release events_indexes")

    def _drop_duplicates(self) -> None:
        """Keep the first row of each dedupe key and take the others out of the rollups."""
        conn = self.conn
        conn.execute("create index events_dedupe_check on events(dedupe_key)")
        extra = conn.execute(
            "select e.id, e.kind, e.account_id, e.user_id, substr(e.ts, 1, 10), e.event, "
            "e.properties, f.account_id, f.user_id, substr(f.ts, 1, 10) from events e join "
            "(select dedupe_key, min(id) as "
            "first from events group by dedupe_key having count(*) > 1) d "
            "on e.dedupe_key = d.dedupe_key and e.id > d.first join events f on f.id = d.first"
        ).fetchall()
        conn.execute("drop index events_dedupe_check")
        unsupported = set()
        for _, kind, account, user, day, event, props, f_account, f_user, f_day in extra:
            if kind in USAGE_KINDS and account is not None:
                self.deltas.add(account, day, kind, event, props, n=-1)
                if user is not None and (account, user, day) != (f_account, f_user, f_day):
                    unsupported.add((account, day, user))
        conn.executemany("delete from events where id = ?", [(row[0],) for row in extra])
        # A duplicate that said something else than its first copy may have been the only
        # event behind a user's active day.
        for account, day, user in unsupported:
            still = conn.execute(
                "select 1 from events where account_id = ? and ts >= ? and ts < ? and "
                "user_id = ? and kind in ('track', 'page', 'screen') limit 1",
                (account, day + "T", day + "U", user),  # stored times are dayTtime
            ).fetchone()
            if still is None:
                conn.execute(
                    "delete from user_days where account_id = ? and day = ? and user_id = ?",
                    (account, day, user),
                )
                self.deltas.add_active(account, day, -1)
        self.summary.inserted -= len(extra)
        self.summary.duplicates += len(extra)
