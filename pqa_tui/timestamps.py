"""Time in one format: UTC ISO 8601 text that sorts as it reads.

Every stored time goes through :func:`format_ts`; every time read from outside goes through
:func:`parse_ts`. A time with no offset is UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone

TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def format_ts(dt: datetime) -> str:
    """``dt`` as stored text; a naive datetime is taken as UTC."""
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt.strftime(TS_FORMAT)


def now_ts() -> str:
    """The current time as stored text."""
    return format_ts(datetime.now(timezone.utc))


def ts_to_datetime(ts: str) -> datetime:
    """Stored text back to an aware UTC datetime."""
    return datetime.strptime(ts, TS_FORMAT).replace(tzinfo=timezone.utc)
