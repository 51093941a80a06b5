"""The demo's raw events shaped as each export writes them (Segment, Amplitude, Mixpanel)."""

from __future__ import annotations

from .model import DemoAccount, Event, amplitude_time, iso_z

PAGE_TITLES = {
    "/app": "Home",
    "/pricing": "Pricing",
    "/plans": "Plans",
    "/upgrade": "Upgrade",
    "/terms": "Terms of Service",
    "/privacy": "Privacy Policy",
    "/security": "Security",
    "/dpa": "Data Processing Agreement",
}
SITE = "https://app.boardly.test"


def _message_id(account: DemoAccount, seq: int) -> str:
    return f"{account.account_id[3:]}-{seq:05d}"


def _shape_segment(event: Event, account: DemoAccount) -> dict:
    ms, seq, kind, name, user, props, traits = event
    record: dict = {
        "type": kind,
        "messageId": _message_id(account, seq),
        "userId": user.user_id,
        "timestamp": iso_z(ms),
    }
    if kind == "track":
        record["event"] = name
        record["properties"] = props or {}
        record["context"] = {"groupId": account.account_id}
    elif kind == "page":
        record["name"] = PAGE_TITLES.get(name, name)
        record["properties"] = {"path": name, "url": SITE + name, "title": PAGE_TITLES.get(name)}
        record["context"] = {"groupId": account.account_id}
    elif kind == "identify":
        record["traits"] = traits
        record["context"] = {"groupId": account.account_id}
    else:  # group
        record["groupId"] = account.account_id
        record["traits"] = traits
    return record


def _shape_amplitude(event: Event, account: DemoAccount) -> dict:
    ms, seq, kind, name, user, props, traits = event
    record: dict = {
        "event_type": name,
        "user_id": user.user_id,
        "event_time": amplitude_time(ms),
        "insert_id": _message_id(account, seq),
        "groups": {"company": account.account_id},
        "event_properties": props or {},
        "user_properties": {},
    }
    if kind == "page":
        record["event_type"] = "Page Viewed"
        record["event_properties"] = {"path": name, "url": SITE + name}
    elif kind == "identify":
        record["event_type"] = "$identify"
        record["user_properties"] = traits
    elif kind == "group":
        record["event_type"] = "$groupidentify"
        record["group_properties"] = traits
    return record


def _shape_mixpanel(event: Event, account: DemoAccount) -> dict | None:
    ms, seq, kind, name, user, props, traits = event
    if kind == "group":
        return None  # group profiles are not in a Mixpanel raw export
    properties = {
        "time": ms // 1000,
        "distinct_id": user.user_id,
        "$insert_id": _message_id(account, seq),
        "account_id": account.account_id,
    }
    if kind == "identify":
        properties["$set"] = traits
        return {"event": "$identify", "properties": properties}
    if kind == "page":
        properties["$current_url"] = SITE + name
        properties["current_url_path"] = name
        return {"event": "$mp_web_page_view", "properties": properties}
    if props:
        properties.update(props)
    return {"event": name, "properties": properties}


SHAPES = {"segment": _shape_segment, "amplitude": _shape_amplitude, "mixpanel": _shape_mixpanel}
FORMATS: tuple[str, ...] = tuple(SHAPES)
