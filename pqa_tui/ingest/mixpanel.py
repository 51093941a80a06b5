"""Mixpanel raw export: NDJSON of ``{"event": ..., "properties": {"time": ..., ...}}``.

``properties.time`` is epoch seconds (or milliseconds in newer exports); ``$insert_id`` is the
dedupe id; the account comes from ``ingest.mixpanel_account_property`` or ``$groups``.
"""

from __future__ import annotations

from typing import Any

from ..config import Config
from ..hookspecs import hookimpl
from ..timestamps import parse_ts
from .formats import JsonLinesFormat, Record, Reject, first_json_object, id_text
from .segment import page_path


class MixpanelFormat(JsonLinesFormat):
    name = "mixpanel"
    description = "Mixpanel raw export (NDJSON, properties.time in epoch s or ms)"
    sniff_order = 40

    def sniff(self, head: bytes, filename: str) -> bool:
        obj = first_json_object(head)
        if obj is None or "event" not in obj or "distinct_id" in obj:
            return False
        props = obj.get("properties")
        return isinstance(props, dict) and ("time" in props or "distinct_id" in props)

    def convert(self, obj: Any, line: int, config: Config) -> Record | Reject:
        if not isinstance(obj, dict):
            return Reject(line, "expected a JSON object", "")
        event = obj.get("event")
        props = obj.get("properties")
        if not isinstance(event, str) or not event:
            return Reject(line, "no event name", "")
        if not isinstance(props, dict):
            return Reject(line, "no properties object", "")
        raw_ts = props.get("time")
        if raw_ts is None:
            return Reject(line, "no properties.time", "")
        try:
            ts = parse_ts(raw_ts)
        except ValueError as e:
            return Reject(line, f"bad timestamp: {e}", "")
        user = id_text(props.get("distinct_id")) or id_text(props.get("$user_id"))
        account = id_text(props.get(config.ingest.mixpanel_account_property))
        if account is None:
            account = self.find_account(props, config, ["$groups", *config.ingest.account_keys])
        if user is None and account is None:
            return Reject(line, "no user and no account (distinct_id, account property)", "")
        kind = "track"
        if event in ("$mp_web_page_view", "Page View", "$pageview"):
            kind = "page"
            path = page_path(props) or page_path(
                {"url": props.get("current_url_path") or props.get("$current_url")}
            )
            if path:
                props = {**props, "path": path}
        traits = props.get("$set") if isinstance(props.get("$set"), dict) else None
        return Record(
            kind, id_text(props.get("$insert_id")), user, account, event, ts, props, traits, line
        )


@hookimpl
def register_formats(register):
    register(MixpanelFormat())
