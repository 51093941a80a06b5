"""Amplitude export: NDJSON (often gzipped, often inside the export ``.zip`` of ``.json.gz``).

``event_time`` is written as ``2024-01-31 12:00:00.123456`` in UTC. ``$identify`` and
``$groupidentify`` events carry traits; ``user_properties`` on any event update the user.
"""

from __future__ import annotations

from typing import Any

from ..config import Config
from ..hookspecs import hookimpl
from ..timestamps import parse_ts
from .formats import JsonLinesFormat, Record, Reject, first_json_object, id_text
from .segment import page_path

_TIME_KEYS = ("event_time", "client_event_time", "server_upload_time")


class AmplitudeFormat(JsonLinesFormat):
    name = "amplitude"
    description = "Amplitude export (NDJSON, .gz, or the export .zip of .json.gz files)"
    sniff_order = 30

    def sniff(self, head: bytes, filename: str) -> bool:
        if head[:4] == b"PK\x03\x04":
            return True
        obj = first_json_object(head)
        return obj is not None and "event_type" in obj

    def _account(self, obj: dict[str, Any], config: Config) -> str | None:
        groups = obj.get("groups")
        if isinstance(groups, dict) and groups:
            wanted = config.ingest.amplitude_group_type
            value = groups.get(wanted) if wanted else next(iter(groups.values()))
            found = id_text(value)
            if found:
                return found
        props = obj.get("event_properties") or {}
        for key in ("account_id", "company_id", "groupId"):
            found = id_text(props.get(key))
            if found:
                return found
        return None

    def convert(self, obj: Any, line: int, config: Config) -> Record | Reject:
        if not isinstance(obj, dict):
            return Reject(line, "expected a JSON object", "")
        event = obj.get("event_type")
        if not isinstance(event, str) or not event:
            return Reject(line, "no event_type", "")
        for key in _TIME_KEYS:
            raw_ts = obj.get(key)
            if raw_ts is not None:
                break
        else:
            return Reject(line, "no event_time", "")
        try:
            ts = parse_ts(raw_ts)
        except ValueError as e:
            return Reject(line, f"bad timestamp: {e}", "")
        user = id_text(obj.get("user_id")) or id_text(obj.get("device_id"))
        account = self._account(obj, config)
        props = obj.get("event_properties") or {}
        if not isinstance(props, dict):
            return Reject(line, "event_properties is not an object", "")
        traits = obj.get("user_properties") or None
        kind = "track"
        if event == "$identify":
            kind, event, props = "identify", None, {}
            traits = traits or {}
        elif event == "$groupidentify":
            kind, event, props = "group", None, {}
            traits = obj.get("group_properties") or {}
        elif event in ("[Amplitude] Page Viewed", "Page Viewed"):
            kind = "page"
            path = page_path(props) or page_path(
                {"url": props.get("[Amplitude] Page URL") or props.get("page_url")}
            )
            if path:
                props = {**props, "path": path}
        if traits is not None and not isinstance(traits, dict):
            return Reject(line, "user_properties is not an object", "")
        if user is None and account is None:
            return Reject(line, "no user and no account (user_id, device_id, groups)", "")
        key = id_text(obj.get("insert_id")) or id_text(obj.get("$insert_id"))
        key = key or id_text(obj.get("uuid"))
        return Record(kind, key, user, account, event, ts, props, traits, line)


@hookimpl
def register_formats(register):
    register(AmplitudeFormat())
