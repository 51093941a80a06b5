"""What an input format is, and what it yields: :class:`Record` or :class:`Reject`.

A format turns one export's shape (Segment, Amplitude, ...) into records the pipeline can store.
Built-in formats register through the same ``register_formats`` hook a plugin uses, so a plugin
adds a format by subclassing :class:`InputFormat` (or :class:`JsonLinesFormat` for one JSON
object per line) and calling ``register(MyFormat())``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, NamedTuple

import orjson

from ..config import Config

# Raw text kept with a reject is cut here so one huge broken line cannot bloat the database.
RAW_LIMIT = 64 * 1024

USAGE_KINDS = frozenset({"track", "page", "screen"})
KINDS = USAGE_KINDS | {"identify", "group", "alias"}


class Record(NamedTuple):
    """One event, normalised. ``ts`` is stored text from :func:`pqa_tui.timestamps.parse_ts`.

    ``kind`` is one of track / page / screen / identify / group / alias. For identify and
    group calls ``traits`` holds the user's or account's traits; any other record may carry
    user traits too (Amplitude ``user_properties``, PostHog ``$set``). ``dedupe_key`` is the
    source's own id when it has one; ``None`` lets the pipeline use a content hash.
    """

    kind: str
    dedupe_key: str | None
    user_id: str | None
    account_id: str | None
    event: str | None
    ts: str
    properties: dict[str, Any]
    traits: dict[str, Any] | None
    line: int


class Reject(NamedTuple):
    """A line that could not become a record: where, why, and the raw text (cut to 64 kB)."""

    line: int
    reason: str
    raw: str


def make_reject(line: int, reason: str, raw: bytes | str) -> Reject:
    """A :class:`Reject` with the raw text decoded leniently and cut to :data:`RAW_LIMIT`."""
    if isinstance(raw, bytes):
        cut = raw[:RAW_LIMIT].decode("utf-8", "replace")
    else:
        cut = raw[:RAW_LIMIT]
    if len(raw) > RAW_LIMIT:
        cut += f"... [cut at 64 kB of {len(raw)}]"
    return Reject(line, reason, cut.rstrip("\r\n"))


def raw_text(obj: Any) -> bytes | str:
    """An object as JSON for a reject's raw column, or its repr when JSON cannot hold it
    (a Python object from ``ingest_records``: an int past 64 bits, bytes, a set)."""
    try:
        return orjson.dumps(obj, default=str, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        try:
            return repr(obj)
        except RecursionError:
            return f"<{type(obj).__name__} nested too deep to show>"


class InputFormat:
    """Base of every input format. Subclasses set ``name`` and implement ``sniff`` and ``read``.

    ``sniff_order`` decides who is asked first during auto-detection (lower first); loose
    formats such as CSV go last.
    """

    name: str = ""
    description: str = ""
    sniff_order: int = 50

    def sniff(self, head: bytes, filename: str) -> bool:
        """True when ``head`` (the first bytes, decompressed) looks like this format."""
        raise NotImplementedError

    def read(self, stream: IO[bytes], source: str, config: Config) -> Iterator[Record | Reject]:
        """Yield a record or a reject for each input line of ``stream`` (binary)."""
        raise NotImplementedError

    def convert(self, obj: Any, line: int, config: Config) -> Record | Reject:
        """One already-parsed object in this format's shape (used by ``ingest_records``)."""
        raise NotImplementedError(f"format {self.name} reads files only")


class JsonLinesFormat(InputFormat):
    """A format with one JSON object per line (NDJSON), or one JSON array of objects.

    Subclasses implement :meth:`convert`; reading, blank lines and malformed JSON are handled
    here with line numbers. In an array, the "line" is the item's position (1-based).
    """

    def find_account(
        self, obj: dict[str, Any], config: Config, keys: list[str] | None = None
    ) -> str | None:
        """The account id of ``obj`` along ``keys`` (default ``ingest.account_keys``).

        The compiled lookup is cached per config, since this runs for every event.
        """
        cache = self.__dict__.setdefault("_finders", {})
        slot = (id(config), tuple(keys) if keys else None)
        entry = cache.get(slot)
        if entry is None or entry[0] is not config:
            entry = cache[slot] = (config, account_finder(config, keys))
        return entry[1](obj)

    def read(self, stream: IO[bytes], source: str, config: Config) -> Iterator[Record | Reject]:
        convert = self.convert
        loads = orjson.loads
        first = True
        for number, raw in enumerate(stream, 1):
            if first:
                stripped = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
                if not stripped:
                    continue
                first = False
                if stripped[:1] == b"[":
                    yield from self._read_array(stripped + stream.read(), convert, config)
                    return
                raw = stripped  # a byte-order mark would make the first line invalid JSON
            try:
                obj = loads(raw)
            except orjson.JSONDecodeError as e:
                if not raw.strip():
                    continue
                yield make_reject(number, f"malformed JSON: {e}", raw)
                continue
            try:
                rec = convert(obj, number, config)
            except (TypeError, AttributeError, ValueError) as e:
                rec = make_reject(number, f"unexpected shape: {e}", raw)
            if type(rec) is Reject and not rec.raw:
                rec = rec._replace(raw=make_reject(number, "", raw).raw)
            yield rec

    def _read_array(self, data: bytes, convert, config: Config) -> Iterator[Record | Reject]:
        try:
            items = orjson.loads(data)
        except orjson.JSONDecodeError as e:
            yield make_reject(1, f"malformed JSON array: {e}", data)
            return
        if not isinstance(items, list):
            yield make_reject(1, "expected a JSON array of objects", data)
            return
        for number, obj in enumerate(items, 1):
            try:
                rec = convert(obj, number, config)
            except (TypeError, AttributeError, ValueError) as e:
                rec = make_reject(number, f"unexpected shape: {e}", "")
            if type(rec) is Reject and not rec.raw:
                rec = rec._replace(raw=make_reject(number, "", raw_text(obj)).raw)
            yield rec

    def records(self, objs: Iterable[Any], config: Config) -> Iterator[Record | Reject]:
        """Convert already-parsed objects (``ingest_records``); the line is the position."""
        for number, obj in enumerate(objs, 1):
            try:
                rec = self.convert(obj, number, config)
            except (TypeError, AttributeError, ValueError) as e:
                rec = make_reject(number, f"unexpected shape: {e}", "")
            if type(rec) is Reject and not rec.raw:
                rec = rec._replace(raw=make_reject(number, "", raw_text(obj)).raw)
            yield rec


def first_json_object(head: bytes) -> dict[str, Any] | None:
    """The first JSON object in ``head`` (an NDJSON line or an array's first item), if any.

    Used by ``sniff``: the head may end mid-line, so only complete first lines are parsed.
    """
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] == b"[":
        text = text[1:].lstrip()
        # The first item of an array: cut at the first "}," or "}\n" that parses.
        end = 0
        while True:
            end = text.find(b"}", end) + 1
            if end <= 0:
                return None
            try:
                obj = orjson.loads(text[:end])
            except orjson.JSONDecodeError:
                continue
            return obj if isinstance(obj, dict) else None
    line = text.split(b"\n", 1)[0]
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return obj if isinstance(obj, dict) else None


def lookup(obj: dict[str, Any], dotted: str) -> Any:
    """``obj["a"]["b"]`` for ``"a.b"``; ``None`` when any step is missing or not an object."""
    if "." not in dotted or dotted in obj:
        return obj.get(dotted)
    cur: Any = obj
    for part in dotted.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
        if cur is None:
            return None
    return cur


def id_text(value: Any) -> str | None:
    """A user or account id as text: numbers become their decimal form, empty becomes None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, list):
        return id_text(value[0]) if value else None
    if isinstance(value, dict):
        for v in value.values():
            found = id_text(v)
            if found:
                return found
    return None


def account_finder(config: Config, keys: list[str] | None = None) -> Callable[[dict], str | None]:
    """A function finding the account id in a record along ``ingest.account_keys``.

    First match wins. A dotted key reaches into objects (``context.groupId``); ``groups`` /
    ``$groups`` objects give their first value unless the config names the group type
    (``amplitude_group_type`` / ``posthog_group_type``). The key paths are split once here
    because this runs for every event.
    """
    paths = [(key, tuple(key.split("."))) for key in (keys or config.ingest.account_keys)]
    posthog_type = config.ingest.posthog_group_type
    amplitude_type = config.ingest.amplitude_group_type

    def find(obj: dict) -> str | None:
        for key, parts in paths:
            value = obj.get(key)
            if value is None and len(parts) > 1:
                value = obj
                for part in parts:
                    if type(value) is not dict:
                        value = None
                        break
                    value = value.get(part)
                    if value is None:
                        break
            if value is None or value == "":
                continue
            if type(value) is str:
                return value
            if isinstance(value, dict):
                wanted = posthog_type if "$" in key else amplitude_type
                if wanted:
                    value = value.get(wanted)
            found = id_text(value)
            if found:
                return found
        return None

    return find
