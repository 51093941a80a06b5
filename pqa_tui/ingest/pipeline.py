"""Files in, events / users / accounts / rollups out, committed in chunks that resume.

For each file: detect the format, stream it in batches, ``INSERT OR IGNORE`` the events on the
unique dedupe index, and derive everything else (rollups, active users, first/last seen,
memberships, traits, role and plan changes, conversions) only from the rows that were actually
inserted. A file commits in chunks of about a second (batches.py), so teammates' writes never
wait long; its ``ingest_runs`` row counts what the committed chunks read, so Ctrl-C or a
crash keeps whole chunks and running the same command again resumes after the last one (the
same bytes, by sha256). A finished file's sha256 answers the identical file again from the
ledger (reported as all duplicates). ``--strict`` keeps one transaction per file, since its
first reject must roll the whole file back.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
import sqlite_utils

from .. import store
from ..config import Config
from . import batches
from .errors import IngestError, StrictReject
from .formats import InputFormat, JsonLinesFormat, Record, Reject
from .read_ahead import available as read_ahead_available
from .read_ahead import read_ahead
from .runs import (
    FileSummary,
    already_ingested,
    finish_run,
    identical_run,
    may_be_ingested,
    resumable_run,
    run_counts,
    sha256,
    sha256_meanwhile,
    start_run,
    unfinished_of_size,
)
from .sources import chain_first, detect_format, open_input, peek_first

# What callers import from here, besides the two ingest functions.
__all__ = [
    "FileSummary",
    "IngestError",
    "Progress",
    "StrictReject",
    "detect_format",
    "ingest_paths",
    "ingest_records",
]

# A file at least this big is read and prepared by a second process while this one writes.
READ_AHEAD_BYTES = 20 * 1024 * 1024

# (source, done bytes or None, total bytes or None)
Progress = Callable[[str, int | None, int | None], None]


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
        run_id = start_run(conn, source, None, None)
        batcher = batches.Batcher(conn, config, source, run_id, summary, strict=False)
        batcher.run(batches.prepared_batches(items, run_id, batcher.keep_events), None)
        finish_run(conn, run_id)
    summary.seconds = time.perf_counter() - start
    return summary


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
        if may_be_ingested(db, size) or unfinished_of_size(db, size):
            digest = sha256(path)
        else:
            digest_later = sha256_meanwhile(path)
    if digest is not None:
        done = identical_run(db, digest)
        if done is not None:
            if strict and done[2]:
                # The identical bytes had rejects last time: --strict must still refuse them.
                raise StrictReject(
                    f"{path}: identical to the file of ingest run {done[0]} ({done[3]}), which "
                    f"had {done[2]} rejected line(s) (--strict: nothing new was kept; list them "
                    "with `pqa rejects`, fix them, or drop --strict)"
                )
            summary = already_ingested(db, path, done, digest, size, start)
            if progress:
                progress(path, size, size)
            return summary
    # A run of these bytes killed after some chunks goes on after its last one (not --strict,
    # whose file is all or nothing).
    resume = resumable_run(db, digest, size) if digest and size and not strict else None
    with ExitStack() as stack:
        raw, parts = open_input(path, stack)
        head, first = peek_first(parts)
        format_ = formats[fmt] if fmt != "auto" else detect_format(formats, head, path)
        summary = FileSummary(source=path, format=format_.name, bytes=size)
        if resume is not None:
            for name, value in run_counts(db.conn, resume).items():
                setattr(summary, name, value)

        def members() -> Iterator[Record | Reject]:
            for member, stream in chain_first(first, parts):
                for item in format_.read(stream, path, config):
                    if member and type(item) is Reject:
                        item = item._replace(reason=f"in {member}: {item.reason}")
                    yield item

        if first is not None and not first[0]:  # one plain or gzipped stream: no wrapper
            records: Iterable[Record | Reject] = format_.read(first[1], path, config)
        else:
            records = members()
        if summary.read:  # resumed: what the committed chunks read is read again, not kept
            records = islice(records, summary.read, None)

        def position() -> int | None:
            try:
                return raw.tell() if is_file else None
            except (OSError, ValueError):
                return None

        if progress:
            progress(path, 0, size)
        with store.write(db) as conn:
            run_id = resume if resume is not None else start_run(conn, path, digest, size)
            batcher = batches.Batcher(
                conn,
                config,
                path,
                run_id,
                summary,
                strict=strict,
                chunked=not strict,
                digest=digest_later,
            )
            keep = batcher.keep_events
            at = (lambda done: progress(path, done, size)) if progress else None
            if is_file and size >= READ_AHEAD_BYTES and read_ahead_available():

                def prepare(batch: list[Record | Reject]) -> batches.PreparedBatch:
                    return batches.prepare_batch(batch, run_id, keep)

                with read_ahead(records, prepare, batches.BATCH_SIZE, position, path) as ready:
                    batcher.run(ready, at)
            else:
                batcher.run(batches.prepared_batches(records, run_id, keep, position), at)
            finish_run(conn, run_id, digest_later() if digest_later else None)
            # What the run did over all its chunks (another ingest may have adjusted them).
            for name, value in run_counts(conn, run_id).items():
                setattr(summary, name, value)
    summary.seconds = time.perf_counter() - start  # commit included
    if progress:
        progress(path, size, size)
    return summary
