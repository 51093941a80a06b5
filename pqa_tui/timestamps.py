"""Time in one format: UTC ISO 8601 text that sorts as it reads.

Every stored time goes through :func:`format_ts`; every time read from outside goes through
:func:`parse_ts`, and every date or time a person types as an option (``--until``, ``--as-of``,
``--since``, ``--end``, a TUI form) through :func:`parse_time_option` or
:func:`parse_day_option`. A time with no offset is UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from .errors import PqaError

TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def format_ts(dt: datetime) -> str:
    """``dt`` as stored text; a naive datetime is taken as UTC."""
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    # isoformat, not strftime: strftime writes years before 1000 without padding ("999-05-01"),
    # which breaks sorting as text and the day prefix.
    return dt.isoformat(timespec="microseconds") + "Z"


def now_ts() -> str:
    """The current time as stored text."""
    return format_ts(datetime.now(UTC))


def ts_to_datetime(ts: str) -> datetime:
    """Stored text back to an aware UTC datetime."""
    return datetime.strptime(ts, TS_FORMAT).replace(tzinfo=UTC)


# Epoch numbers are told apart by size: seconds until year 5138, then ms, µs, ns.
_EPOCH_MS = 1e11
_EPOCH_US = 1e14
_EPOCH_NS = 1e17
_EPOCH = datetime(1970, 1, 1)


def parse_ts(value: object) -> str:
    """Any timestamp an analytics export writes, as stored text (UTC).

    Accepts ISO 8601 text (``Z``, offsets, any fractional digits, a space or ``T`` between date
    and time, date only), and epoch seconds / milliseconds / microseconds / nanoseconds as
    numbers or numeric text. A time with no offset is UTC. Raises ``ValueError`` otherwise.
    """
    if isinstance(value, str):
        # Fast paths: Segment's millisecond form and our own canonical form, validated by the
        # C-implemented fromisoformat and reshaped without building a datetime string.
        n = len(value)
        if n == 24 and value[23] == "Z" and value[19] == "." and value[10] == "T":
            datetime.fromisoformat(value[:23])
            return value[:23] + "000Z"
        if n == 27 and value[26] == "Z" and value[19] == "." and value[10] == "T":
            datetime.fromisoformat(value[:26])
            return value
        text = value.strip()
        if not text:
            raise ValueError("empty timestamp")
        if text[0].isdigit() and text.replace(".", "", 1).isdigit() and len(text) != 8:
            return _from_epoch(float(text))  # numeric text; 8 digits is a compact date
        try:
            dt = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise ValueError(f"not an ISO 8601 time or epoch number: {value!r}") from None
        try:
            return format_ts(dt)
        except OverflowError:  # an offset that moves year 1 or 9999 out of range in UTC
            raise ValueError(f"time out of range: {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"not a timestamp: {value!r}")
    return _from_epoch(value)


def _from_epoch(number: float) -> str:
    if number != number or number < 0:  # NaN or before 1970: never a real event time
        raise ValueError(f"not a plausible epoch time: {number!r}")
    try:  # an int too big for a float overflows in the division too
        if number >= _EPOCH_NS:
            number = number / 1e9
        elif number >= _EPOCH_US:
            number = number / 1e6
        elif number >= _EPOCH_MS:
            number = number / 1e3
        return format_ts(_EPOCH + timedelta(seconds=number))
    except OverflowError:
        raise ValueError(f"epoch time out of range: {str(number)[:40]}") from None


class DateOptionError(PqaError):
    """A date or time option that does not parse; the message names the option."""

    exit_code = 2


def _written_day(text: str) -> date | None:
    """The day ``text`` names when it is a date alone (``2026-01-31``, ``20260131``, ...)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_time_option(text: str, option: str, *, bare_day: str = "start") -> datetime:
    """A time typed for ``option``, as an aware UTC datetime.

    Takes a date (``YYYY-MM-DD``), any ISO 8601 time :func:`parse_ts` reads (no offset means
    UTC) or an epoch number. A bare date is that day's start in UTC, or its last second with
    ``bare_day="end"`` (a demo that ends "on" a day includes it). Raises
    :class:`DateOptionError` naming the option.
    """
    raw = text.strip()
    day = _written_day(raw)
    if day is not None:
        start = datetime.combine(day, time(), tzinfo=UTC)
        return start + timedelta(days=1, seconds=-1) if bare_day == "end" else start
    try:
        return ts_to_datetime(parse_ts(raw))
    except ValueError:
        raise DateOptionError(
            f"{option} {text!r} is not a date: use YYYY-MM-DD or an ISO 8601 time"
        ) from None


def parse_day_option(text: str, option: str) -> date:
    """The day typed for ``option``: ``YYYY-MM-DD`` (or a time: its day as written, before any
    offset is applied). Raises :class:`DateOptionError` naming the option."""
    raw = text.strip()
    # A time counts by the day it is written on; so does text after a written day.
    day = _written_day(raw) or _written_day(raw[:10])
    if day is None:
        try:
            day = datetime.fromisoformat(raw).date()
        except ValueError:
            raise DateOptionError(f"{option} {text!r} is not a date: use YYYY-MM-DD") from None
    return day
