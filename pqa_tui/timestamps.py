"""Time in one format: UTC ISO 8601 text that sorts as it reads.

Every stored time goes through :func:`format_ts`; every time read from outside goes through
:func:`parse_ts`. A time with no offset is UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
