"""Where each analytics tool's warehouse export keeps its events, as three common relations.

Every source is read into the same three relations (DuckDB dialect, written once and
transpiled by :mod:`pqa_tui.warehouse.sql`):

- ``usage_all``: message_id, kind ('track' | 'page'), user_id, account_id (named by the call,
  may be null), event, path, storage (the ``[storage] property``), plan (the ``[plans] trait``
  of a subscription event), ts;
- ``user_calls``: message_id, user_id, account_id, ts and one column per profile trait;
- ``group_calls``: message_id, user_id, account_id, ts, name, domain, plan, created_at.

Segment's warehouses keep one table per call type (``tracks``, ``pages``, ``identifies``,
``groups``) with properties and traits as snake_case columns, and the properties of each event
in a table named after the event (``file_uploaded.bytes``). PostHog, Amplitude and Mixpanel
keep one events table with JSON properties.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..config import Config

SOURCES = ("segment", "posthog", "amplitude", "mixpanel")

# The users columns the profile traits fill (ingest/effects.py USER_COLUMNS), and the extra
# traits kept in users.traits because a detector reads them (buyer_persona: title).
PROFILE_TRAITS = (
    "email",
    "name",
    "role",
    "seniority",
    "department",
    "company_size",
    "use_case",
    "created_at",
)
EXTRA_USER_TRAITS = ("title",)
ACCOUNT_TRAITS = ("name", "domain", "plan", "created_at")

DEFAULT_TABLES: dict[str, dict[str, str]] = {
    "segment": {
        "tracks": "tracks",
        "pages": "pages",
        "identifies": "identifies",
        "groups": "groups",
    },
    "posthog": {"events": "events", "persons": "persons", "groups": "groups"},
    # Amplitude's warehouse export: one EVENTS_<project id> table; name it with --table.
    "amplitude": {"events": "events"},
    # Mixpanel's data pipelines: one mp_master_event table with JSON properties.
    "mixpanel": {"events": "mp_master_event"},
}


def snake_case(name: str) -> str:
    """A name as Segment's warehouses spell tables and columns ("File Uploaded" ->
    "file_uploaded", "companySize" -> "company_size")."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def quote(name: str) -> str:
    """An identifier in double quotes (DuckDB's quoting; sqlglot re-quotes per dialect)."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass
class SourceTables:
    """Table names of one source, with the user's overrides (``--table name=actual``)."""

    source: str
    overrides: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.overrides.get(name) or DEFAULT_TABLES[self.source].get(name) or name

    def table(self, name: str) -> str:
        """The table as SQL: a dotted ``schema.table`` is quoted part by part."""
        return ".".join(quote(part) for part in self[name].split("."))


def _text(expr: str) -> str:
    return f"cast({expr} as varchar)"


def segment(config: Config, tables: SourceTables, account_column: str) -> str:
    """Segment warehouse tables as the three relations."""
    acct = quote(account_column)
    storage_prop = quote(snake_case(config.storage.property))
    plan_prop = quote(snake_case(config.plans.trait))
    # Properties of the storage and subscription events live in one table per event.
    props = [
        f"select cast(id as varchar) as id, cast({storage_prop} as double) as storage, "
        f"cast(null as varchar) as plan from {tables.table(snake_case(name))}"
        for name in config.storage.events
    ] + [
        f"select cast(id as varchar) as id, cast(null as double) as storage, "
        f"{_text(plan_prop)} as plan from {tables.table(snake_case(name))}"
        for name in config.plans.subscription_events
    ]
    props_sql = " union all ".join(props) or (
        "select cast(null as varchar) as id, cast(null as double) as storage, "
        "cast(null as varchar) as plan where 1 = 0"
    )
    role = snake_case(config.roles.trait)
    traits = [t if t != "role" else role for t in PROFILE_TRAITS] + list(EXTRA_USER_TRAITS)
    profile = ", ".join(
        f"{_text(quote(col))} as {name}"
        for col, name in zip(traits, [*PROFILE_TRAITS, *EXTRA_USER_TRAITS], strict=True)
    )
    plan = snake_case(config.plans.trait)
    group_traits = ", ".join(
        f"{_text(quote(col))} as {name}"
        for col, name in zip(("name", "domain", plan, "created_at"), ACCOUNT_TRAITS, strict=True)
    )
    return f"""
event_props as ({props_sql}),
usage_all as (
    select cast(t.id as varchar) as message_id, 'track' as kind,
        {_text("coalesce(t.user_id, t.anonymous_id)")} as user_id,
        {_text("nullif(t." + acct + ", '')")} as account_id, t.event as event,
        cast(null as varchar) as path, p.storage as storage, p.plan as plan,
        cast(t."timestamp" as timestamp) as ts
    from {tables.table("tracks")} as t left join event_props as p on p.id = cast(t.id as varchar)
    union all
    select cast(id as varchar), 'page', {_text("coalesce(user_id, anonymous_id)")},
        {_text("nullif(" + acct + ", '')")}, coalesce(name, 'page'), path,
        cast(null as double), cast(null as varchar), cast("timestamp" as timestamp)
    from {tables.table("pages")}
),
user_calls as (
    select cast(id as varchar) as message_id,
        {_text("coalesce(user_id, anonymous_id)")} as user_id,
        {_text("nullif(" + acct + ", '')")} as account_id,
        cast("timestamp" as timestamp) as ts, {profile}
    from {tables.table("identifies")}
),
group_calls as (
    select cast(id as varchar) as message_id,
        {_text("coalesce(user_id, anonymous_id)")} as user_id,
        {_text("group_id")} as account_id, cast("timestamp" as timestamp) as ts, {group_traits}
    from {tables.table("groups")}
)"""


def json_path(*keys: str) -> str:
    """A JSON path literal with every key quoted (PostHog's keys start with ``$``)."""
    return literal("$" + "".join('."' + k.replace('"', '\\"') + '"' for k in keys))


def _get(doc: str, *keys: str) -> str:
    return f"json_extract_string({doc}, {json_path(*keys)})"


def _json_sources(
    config: Config, tables: SourceTables, source: str, account: tuple[str, ...]
) -> str:
    """PostHog / Amplitude / Mixpanel: one events table, properties as JSON."""
    if source == "posthog":
        cols = {
            "id": "uuid", "user": "distinct_id", "event": "event", "ts": "timestamp",
            "props": "properties", "traits": f"json_extract(properties, {json_path('$set')})",
            "identify": "'$identify'", "group": "'$groupidentify'",
            "group_traits": f"json_extract(properties, {json_path('$group_set')})",
            "group_key": _get("properties", "$group_key"),
            "page": "'$pageview'", "path": _get("props", "$pathname"),
            "account": _get("properties", *account),
        }  # fmt: skip
    elif source == "amplitude":
        cols = {
            "id": "coalesce(cast(insert_id as varchar), cast(uuid as varchar))",
            "user": "user_id", "event": "event_type", "ts": "event_time",
            "props": "event_properties", "traits": "user_properties",
            "identify": "'$identify'", "group": "'$groupidentify'",
            "group_traits": "group_properties", "group_key": _get("groups", *account),
            "page": "'[Amplitude] Page Viewed'", "path": _get("props", "[Amplitude] Page Path"),
            "account": _get("groups", *account),
        }  # fmt: skip
    else:
        cols = {
            "id": "insert_id", "user": "distinct_id", "event": "event_name", "ts": "time",
            "props": "properties", "traits": f"json_extract(properties, {json_path('$set')})",
            "identify": "'$identify'", "group": "'$groupidentify'",
            "group_traits": f"json_extract(properties, {json_path('$group_set')})",
            "group_key": _get("properties", "$group_key"),
            "page": "'$mp_web_page_view'", "path": _get("props", "current_url_path"),
            "account": _get("properties", *account),
        }  # fmt: skip
    events = tables.table("events")
    profile = ", ".join(
        f"{_get('traits', config.roles.trait if t == 'role' else t)} as {t}"
        for t in (*PROFILE_TRAITS, *EXTRA_USER_TRAITS)
    )
    group_traits = ", ".join(
        f"{_get(cols['group_traits'], config.plans.trait if t == 'plan' else t)} as {t}"
        for t in ACCOUNT_TRAITS
    )
    return f"""
source_events as (
    select cast({cols["id"]} as varchar) as message_id, cast({cols["user"]} as varchar)
        as user_id, nullif({cols["account"]}, '') as account_id, {cols["event"]} as event,
        cast({cols["ts"]} as timestamp) as ts, {cols["props"]} as props,
        {cols["traits"]} as traits
    from {events}
),
usage_all as (
    select message_id, case when event = {cols["page"]} then 'page' else 'track' end as kind,
        user_id, account_id, event,
        case when event = {cols["page"]} then {cols["path"]} end as path,
        cast({_get("props", config.storage.property)} as double) as storage,
        {_get("props", config.plans.trait)} as plan, ts
    from source_events
    where event = {cols["page"]} or event not like '$%'
),
user_calls as (
    select message_id, user_id, account_id, ts, {profile}
    from source_events where traits is not null
),
group_calls as (
    select cast({cols["id"]} as varchar) as message_id, cast({cols["user"]} as varchar)
        as user_id, {cols["group_key"]} as account_id, cast({cols["ts"]} as timestamp) as ts,
        {group_traits}
    from {events} where {cols["event"]} = {cols["group"]}
)"""


def relations(config: Config, source: str, tables: SourceTables, account: str | None) -> str:
    """The CTEs (without ``with``) reading ``source``'s tables as the three relations.

    ``account`` is the Segment column (default ``context_group_id``) or the dotted key path of
    the account in the others' properties (Amplitude: in ``groups``), default from the config.
    """
    if source == "segment":
        return segment(config, tables, account or "context_group_id")
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
    if account is not None:
        keys = tuple(account.split("."))
    elif source == "amplitude":
        keys = (config.ingest.amplitude_group_type or "company",)
    elif source == "posthog":
        keys = ("$groups", config.ingest.posthog_group_type or "company")
    else:
        keys = (config.ingest.mixpanel_account_property,)
    return _json_sources(config, tables, source, keys)
