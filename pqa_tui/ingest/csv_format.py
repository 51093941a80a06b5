"""CSV with a header row, mapped through ``[ingest.csv]`` (which column is account, user, ...).

Handles a UTF-8 byte-order mark and quoted fields (commas and newlines inside quotes). Columns
the mapping does not name become event properties. A ``type`` column, when present, may say
``identify`` / ``group`` / ``page``; otherwise every row is a track event.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

from ..config import Config
from ..hookspecs import hookimpl
from ..timestamps import parse_ts
from .formats import KINDS, InputFormat, Record, Reject, id_text, make_reject


class CsvFormat(InputFormat):
    name = "csv"
    description = "CSV with a header row, columns mapped by [ingest.csv]"
    sniff_order = 900  # loose: asked last

    def sniff(self, head: bytes, filename: str) -> bool:
        name = filename.lower()
        if name.endswith((".csv", ".csv.gz")):
            return True
        text = head.lstrip(b"\xef\xbb\xbf").lstrip()
        if text[:1] in (b"{", b"["):
            return False
        first = text.split(b"\n", 1)[0]
        return b"," in first

    def read(self, stream: IO[bytes], source: str, config: Config) -> Iterator[Record | Reject]:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield make_reject(1, f"unreadable CSV header: {e}", "")
            return
        header = [h.strip() for h in header]
        m = config.ingest.csv
        col = {name: i for i, name in enumerate(header)}
        if m.time not in col or (m.user not in col and m.account not in col):
            yield make_reject(
                1,
                f"CSV header lacks the mapped columns: time column {m.time!r} and a user "
                f"({m.user!r}) or account ({m.account!r}) column are required; "
                "set them under [ingest.csv] in the config",
                ",".join(header),
            )
            return
        mapped = {m.account, m.user, m.event, m.time, m.message_id, "type"}
        extra = [(i, name) for i, name in enumerate(header) if name not in mapped]
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                yield make_reject(start, f"malformed CSV: {e}", "")
                continue
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            rec = self._convert(row, start, col, extra, m)
            if type(rec) is Reject:
                rec = make_reject(start, rec.reason, ",".join(row))
            yield rec

    def _convert(self, row: list[str], line: int, col: dict[str, int], extra, m) -> Any:
        if len(row) > len(col):
            return Reject(line, f"{len(row)} fields but the header has {len(col)}", "")

        def get(name: str) -> str | None:
            i = col.get(name)
            if i is None or i >= len(row):
                return None
            return row[i].strip() or None

        raw_ts = get(m.time)
        if raw_ts is None:
            return Reject(line, f"empty time column {m.time!r}", "")
        try:
            ts = parse_ts(raw_ts)
        except ValueError as e:
            return Reject(line, f"bad timestamp: {e}", "")
        user = id_text(get(m.user))
        account = id_text(get(m.account))
        if user is None and account is None:
            return Reject(line, f"no user ({m.user!r}) and no account ({m.account!r})", "")
        kind = (get("type") or "track").lower()
        if kind not in KINDS:
            return Reject(line, f"unknown type {kind!r}", "")
        props = {name: row[i] for i, name in extra if i < len(row) and row[i] != ""}
        event = get(m.event)
        traits = None
        if kind in ("identify", "group"):
            traits, props, event = props, {}, None
        elif kind == "track" and event is None:
            return Reject(line, f"empty event column {m.event!r}", "")
        return Record(kind, get(m.message_id), user, account, event, ts, props, traits, line)


@hookimpl
def register_formats(register):
    register(CsvFormat())
