"""PostHog event export: ``event``, ``distinct_id``, ``properties``, ``timestamp``, ``uuid``.

The account comes from ``$groups`` (``ingest.posthog_group_type`` picks the group type);
``$set`` updates the user; ``$groupidentify`` sets account traits from ``$group_set``.
"""

from __future__ import annotations

from typing import Any

from ..config import Config
from ..hookspecs import hookimpl
from ..timestamps import parse_ts
from .formats import JsonLinesFormat, Record, Reject, first_json_object, id_text
from .segment import page_path


class PostHogFormat(JsonLinesFormat):
    name = "posthog"
    description = "PostHog event export (event, distinct_id, properties, timestamp)"
    sniff_order = 35

    def sniff(self, head: bytes, filename: str) -> bool:
        obj = first_json_object(head)
        return obj is not None and "event" in obj and "distinct_id" in obj

    def convert(self, obj: Any, line: int, config: Config) -> Record | Reject:
        if not isinstance(obj, dict):
            return Reject(line, "expected a JSON object", "")
        event = obj.get("event")
        if not isinstance(event, str) or not event:
            return Reject(line, "no event name", "")
        props = obj.get("properties") or {}
        if not isinstance(props, dict):
            return Reject(line, "properties is not an object", "")
        raw_ts = obj.get("timestamp") or props.get("$time")
        if raw_ts is None:
            return Reject(line, "no timestamp", "")
        try:
            ts = parse_ts(raw_ts)
        except ValueError as e:
            return Reject(line, f"bad timestamp: {e}", "")
        user = id_text(obj.get("distinct_id")) or id_text(props.get("distinct_id"))
        groups = obj.get("$groups") or props.get("$groups")
        account = None
        if isinstance(groups, dict) and groups:
            wanted = config.ingest.posthog_group_type
            account = id_text(groups.get(wanted) if wanted else next(iter(groups.values())))
        if account is None:
            account = self.find_account(props, config) or self.find_account(obj, config)
        traits = obj.get("$set") or props.get("$set") or None
        kind = "track"
        if event == "$identify":
            kind, event = "identify", None
            traits = traits or {}
        elif event == "$groupidentify":
            kind, event = "group", None
            account = id_text(props.get("$group_key")) or account
            traits = props.get("$group_set") or {}
        elif event == "$pageview":
            kind = "page"
            path = props.get("$pathname") or page_path({"url": props.get("$current_url")})
            if isinstance(path, str) and path:
                props = {**props, "path": path}
        if traits is not None and not isinstance(traits, dict):
            return Reject(line, "$set is not an object", "")
        if user is None and account is None:
            return Reject(line, "no user and no account (distinct_id, $groups)", "")
        key = id_text(obj.get("uuid")) or id_text(props.get("$insert_id"))
        if kind in ("identify", "group"):
            props = {}
        return Record(kind, key, user, account, event, ts, props, traits, line)


@hookimpl
def register_formats(register):
    register(PostHogFormat())
