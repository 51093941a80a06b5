"""Segment: track / identify / group / page / screen calls, as NDJSON or one JSON array."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from ..config import Config
from ..hookspecs import hookimpl
from ..timestamps import parse_ts
from .formats import JsonLinesFormat, Record, Reject, first_json_object, id_text

_TIME_KEYS = ("timestamp", "originalTimestamp", "sentAt", "receivedAt")
_TYPES = {"track", "identify", "group", "page", "screen", "alias"}
_GROUP_FIRST = ["context.groupId"]
_record = tuple.__new__  # builds a Record without the Python-level NamedTuple __new__
fromisoformat = datetime.fromisoformat


def page_path(props: dict[str, Any]) -> str | None:
    """The path of a page view: ``path``, else the path part of ``url``."""
    path = props.get("path")
    if isinstance(path, str) and path:
        return path
    url = props.get("url")
    if isinstance(url, str) and url:
        return urlsplit(url).path or "/"
    return None


class SegmentFormat(JsonLinesFormat):
    name = "segment"
    description = "Segment track / identify / group / page / screen calls (NDJSON or JSON array)"
    sniff_order = 20

    def sniff(self, head: bytes, filename: str) -> bool:
        obj = first_json_object(head)
        if obj is None:
            return False
        return obj.get("type") in _TYPES and (
            "messageId" in obj or "userId" in obj or "anonymousId" in obj
        )

    def convert(self, obj: Any, line: int, config: Config) -> Record | Reject:
        # Fast path for the bulk of any export, a well-formed track call with a millisecond
        # "Z" timestamp and the account in context.groupId (the default first account key):
        # this runs a million times per million events, so it avoids every avoidable call.
        # Anything else, and every error message, goes through _convert below.
        if type(obj) is dict and obj.get("type") == "track":
            raw_ts = obj.get("timestamp")
            event = obj.get("event")
            props = obj.get("properties") or {}
            user = obj.get("userId") or obj.get("anonymousId")
            ctx = obj.get("context")
            account = ctx.get("groupId") if type(ctx) is dict else None
            key = obj.get("messageId")
            if (
                type(raw_ts) is str
                and len(raw_ts) == 24
                and raw_ts[23] == "Z"
                and raw_ts[19] == "."
                and raw_ts[10] == "T"
                and type(event) is str
                and event
                and type(props) is dict
                and type(user) is str
                and type(account) is str
                and account
                and type(key) is str
                and config.ingest.account_keys[:1] == _GROUP_FIRST
            ):
                try:
                    fromisoformat(raw_ts[:23])
                except ValueError:
                    pass
                else:
                    return _record(
                        Record,
                        (
                            "track",
                            key,
                            user,
                            account,
                            event,
                            raw_ts[:23] + "000Z",
                            props,
                            None,
                            line,
                        ),
                    )
        return self._convert(obj, line, config)

    def _convert(self, obj: Any, line: int, config: Config) -> Record | Reject:
        if not isinstance(obj, dict):
            return Reject(line, "expected a JSON object", "")
        kind = obj.get("type") or ("track" if "event" in obj else None)
        if kind not in _TYPES:
            return Reject(line, f"unknown Segment call type {kind!r}", "")
        for key in _TIME_KEYS:
            raw_ts = obj.get(key)
            if raw_ts is not None:
                break
        else:
            return Reject(line, "no timestamp", "")
        try:
            ts = parse_ts(raw_ts)
        except ValueError as e:
            return Reject(line, f"bad timestamp: {e}", "")
        user = id_text(obj.get("userId")) or id_text(obj.get("anonymousId"))
        props = obj.get("properties") or {}
        traits = None
        if kind == "track":
            event = obj.get("event")
            account = self.find_account(obj, config)
        elif kind == "group":
            event = None
            account = id_text(obj.get("groupId"))
            traits = obj.get("traits") or {}
            props = {}
        elif kind == "identify":
            event = None
            account = self.find_account(obj, config)
            traits = obj.get("traits") or (obj.get("context") or {}).get("traits") or {}
            props = {}
        else:  # page / screen / alias
            event = obj.get("name") or kind
            account = self.find_account(obj, config)
            if kind == "page":
                path = page_path(props) or page_path((obj.get("context") or {}).get("page") or {})
                if path and props.get("path") != path:
                    props = {**props, "path": path}
        if not isinstance(props, dict):
            return Reject(line, "properties is not an object", "")
        if traits is not None and not isinstance(traits, dict):
            return Reject(line, "traits is not an object", "")
        if user is None and account is None:
            return Reject(line, "no user and no account (userId, anonymousId, groupId)", "")
        if kind == "track" and not isinstance(event, str):
            return Reject(line, "track call without an event name", "")
        return Record(
            kind, id_text(obj.get("messageId")), user, account, event, ts, props, traits, line
        )


@hookimpl
def register_formats(register):
    register(SegmentFormat())
