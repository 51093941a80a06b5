"""The rollups as SQL: every table scoring reads, from the config, in any warehouse's dialect.

Written once in DuckDB's dialect over the three relations of :mod:`.sources` and transpiled by
sqlglot, so the same definition runs in DuckDB (``pqa ingest --engine duckdb``), BigQuery,
Snowflake, Postgres and Redshift. Each table is one self-contained ``SELECT``; its result is
what ``pqa ingest --rollups`` loads (columns in :data:`COLUMNS`).

The rules are those of the event ingest (ingest/rollups.py and ingest/effects.py): usage
metrics per account and day, active users, the latest value of each profile trait, role and
plan changes, conversions from a free plan to a paid one or by a subscription event. An event
that names no account counts for its user's latest account.
"""

from __future__ import annotations

from ..config import Config
from .sources import ACCOUNT_TRAITS, EXTRA_USER_TRAITS, PROFILE_TRAITS, SourceTables, literal
from .sources import relations as source_relations

DIALECTS = ("duckdb", "bigquery", "snowflake", "postgres", "redshift")

# The tables, in load order, and their columns (docs/warehouse.md documents them).
COLUMNS: dict[str, tuple[str, ...]] = {
    "rollups": ("account_id", "day", "metric", "value"),
    "user_days": ("account_id", "day", "user_id"),
    "users": ("user_id", *PROFILE_TRAITS, *EXTRA_USER_TRAITS, "first_seen", "last_seen"),
    "accounts": ("account_id", *ACCOUNT_TRAITS, "first_seen", "last_seen"),
    "memberships": ("user_id", "account_id", "first_seen", "last_seen"),
    "trait_changes": ("entity", "entity_id", "account_id", "trait", "old_value", "new_value", "ts"),
    "conversions": ("account_id", "ts", "from_plan", "to_plan", "via"),
}


def like_pattern(glob: str) -> tuple[str, bool]:
    """A ``[pages]`` glob as a LIKE pattern, and whether it needs ``escape '\\'``."""
    if "[" in glob:
        raise ValueError(f"[pages] pattern {glob!r}: character classes have no SQL form")
    escaped = glob.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_"), escaped != glob


def _in_list(values: list[str]) -> str:
    return ", ".join(literal(v) for v in values) if values else "null"


def _is_free(expr: str, config: Config) -> str:
    free = [p.lower() for p in config.plans.free_plans]
    return f"(lower(coalesce({expr}, '')) in ({_in_list(free) if free else literal('')}))"


def _common(config: Config) -> str:
    """CTEs every table builds on: deduplicated usage, each user's account, attribution."""
    subs = _in_list(config.plans.subscription_events)
    plan_calls = "select account_id, ts, message_id, plan from group_calls where plan is not null"
    return f"""
usage as (
    select * from (
        select u.*, row_number() over (partition by message_id order by ts) as copy
        from usage_all as u
    ) as d where copy = 1
),
calls as (
    select message_id, user_id, account_id, ts from usage
    union all select message_id, user_id, account_id, ts from user_calls
    union all select message_id, user_id, account_id, ts from group_calls
),
home as (
    select user_id, account_id from (
        select user_id, account_id,
            row_number() over (partition by user_id order by ts desc, message_id desc) as n
        from calls where user_id is not null and account_id is not null
    ) as h where n = 1
),
attributed as (
    select u.message_id, u.kind, u.user_id, coalesce(u.account_id, h.account_id) as account_id,
        u.event, u.path, u.storage, u.plan, u.ts, cast(u.ts as date) as day
    from usage as u left join home as h on h.user_id = u.user_id
),
plan_calls as ({plan_calls}),
plan_steps as (
    select account_id, ts, message_id, plan,
        lag(plan) over (partition by account_id order by ts, message_id) as old_plan
    from plan_calls
),
subscriptions as (
    select s.account_id, s.ts, s.message_id, s.event,
        case when {_is_free("s.plan", config)} then 'paid' else s.plan end as new_plan,
        (select p.plan from plan_calls as p where p.account_id = s.account_id and p.ts <= s.ts
            order by p.ts desc, p.message_id desc limit 1) as old_plan
    from attributed as s where s.kind = 'track' and s.event in ({subs})
        and s.account_id is not null
),
first_subscription as (
    select * from (
        select s.*, row_number() over (partition by account_id order by ts, message_id) as n
        from subscriptions as s where {_is_free("s.old_plan", config)}
    ) as f where n = 1
)"""


def _rollups(config: Config) -> str:
    arms = [
        "select account_id, day, 'events' as metric, 1.0 as value from attributed",
        "select account_id, day, 'pages', 1.0 from attributed where kind = 'page'",
    ]
    for kind, names in config.events.items():
        arms.append(
            f"select account_id, day, {literal(kind)}, 1.0 from attributed "
            f"where kind <> 'page' and event in ({_in_list(names)})"
        )
    if config.storage.events:
        arms.append(
            "select account_id, day, 'storage', coalesce(storage, 0.0) from attributed "
            f"where kind <> 'page' and event in ({_in_list(config.storage.events)})"
        )
    for group, globs in config.pages.items():
        tests = []
        for glob in globs:
            pattern, escape = like_pattern(glob)
            tests.append(f"path like {literal(pattern)}" + (" escape '\\'" if escape else ""))
        arms.append(
            f"select account_id, day, {literal('page:' + group)}, 1.0 from attributed "
            f"where kind = 'page' and ({' or '.join(tests) or 'false'})"
        )
    arms.append(
        "select account_id, day, 'active_users', cast(count(distinct user_id) as double) "
        "from attributed where user_id is not null group by account_id, day"
    )
    body = "\n    union all ".join(arms)
    return f"""select account_id, day, metric, sum(value) as value from (
    {body}
) as m where account_id is not null group by account_id, day, metric"""


def _users() -> str:
    traits = (*PROFILE_TRAITS, *EXTRA_USER_TRAITS)
    long = "\n    union all ".join(
        f"select user_id, {literal(t)} as trait, {t} as value, ts, message_id from user_calls "
        f"where {t} is not null and {t} <> ''"
        for t in traits
    )
    columns = ",\n    ".join(
        f"max(case when l.trait = {literal(t)} then l.value end) as {t}" for t in traits
    )
    return f"""user_traits as (
    {long}
),
latest as (
    select user_id, trait, value from (
        select t.*, row_number() over (partition by user_id, trait order by ts desc,
            message_id desc) as n
        from user_traits as t
    ) as r where n = 1
),
seen as (
    select user_id, min(ts) as first_seen, max(ts) as last_seen from calls
    where user_id is not null group by user_id
)
select s.user_id,
    {columns},
    s.first_seen, s.last_seen
from seen as s left join latest as l on l.user_id = s.user_id
group by s.user_id, s.first_seen, s.last_seen"""


def _accounts(config: Config) -> str:
    long = "\n    union all ".join(
        f"select account_id, {literal(t)} as trait, {t} as value, ts, message_id "
        f"from group_calls where {t} is not null and {t} <> ''"
        for t in ACCOUNT_TRAITS
    )
    columns = ",\n    ".join(
        f"max(case when l.trait = {literal(t)} then l.value end) as {t}" for t in ACCOUNT_TRAITS
    )
    return f"""account_traits as (
    {long}
    union all select account_id, 'plan', new_plan, ts, message_id from first_subscription
),
latest as (
    select account_id, trait, value from (
        select t.*, row_number() over (partition by account_id, trait order by ts desc,
            message_id desc) as n
        from account_traits as t
    ) as r where n = 1
),
resolved as (
    select c.ts, coalesce(c.account_id, h.account_id) as account_id
    from calls as c left join home as h on h.user_id = c.user_id
),
seen as (
    select account_id, min(ts) as first_seen, max(ts) as last_seen from resolved
    where account_id is not null group by account_id
)
select s.account_id,
    {columns},
    s.first_seen, s.last_seen
from seen as s left join latest as l on l.account_id = s.account_id
group by s.account_id, s.first_seen, s.last_seen"""


def _trait_changes(config: Config) -> str:
    return f"""role_steps as (
    select c.user_id, coalesce(c.account_id, h.account_id) as account_id, c.role, c.ts,
        lag(c.role) over (partition by c.user_id order by c.ts, c.message_id) as old_role
    from user_calls as c left join home as h on h.user_id = c.user_id
    where c.role is not null and c.role <> ''
)
select 'user' as entity, user_id as entity_id, account_id, 'role' as trait,
    old_role as old_value, role as new_value, ts
from role_steps where old_role is not null and old_role <> role
union all
select 'account', account_id, account_id, {literal(config.plans.trait)}, old_plan, plan, ts
from plan_steps where old_plan is not null and old_plan <> plan
union all
select 'account', account_id, account_id, {literal(config.plans.trait)}, old_plan, new_plan, ts
from first_subscription"""


def _conversions(config: Config) -> str:
    return f"""select account_id, ts, old_plan as from_plan, plan as to_plan,
    'plan trait' as via
from plan_steps
where old_plan is not null and {_is_free("old_plan", config)} and not {_is_free("plan", config)}
union all
select account_id, ts, old_plan, new_plan, event from first_subscription"""


def _memberships() -> str:
    return """select user_id, account_id, min(ts) as first_seen, max(ts) as last_seen
from calls where user_id is not null and account_id is not null
group by user_id, account_id"""


def shared(
    config: Config,
    source: str = "segment",
    *,
    tables: dict[str, str] | None = None,
    account: str | None = None,
) -> str:
    """The CTEs (without ``with``) every table's ``SELECT`` starts from, in DuckDB's dialect:
    the source's three relations and the deduplicated, attributed usage."""
    return (
        source_relations(config, source, SourceTables(source, tables or {}), account).strip()
        + ","
        + _common(config)
    )


def bodies(config: Config) -> dict[str, str]:
    """Table name -> its ``SELECT`` over the :func:`shared` CTEs (DuckDB's dialect); a body
    that starts with CTEs of its own continues the WITH list."""
    return {
        "rollups": _rollups(config),
        "user_days": "select distinct account_id, day, user_id from attributed "
        "where account_id is not null and user_id is not null",
        "users": _users(),
        "accounts": _accounts(config),
        "memberships": _memberships(),
        "trait_changes": _trait_changes(config),
        "conversions": _conversions(config),
    }


def statements(
    config: Config,
    source: str = "segment",
    dialect: str = "duckdb",
    *,
    tables: dict[str, str] | None = None,
    account: str | None = None,
) -> dict[str, str]:
    """Table name -> one ``SELECT`` computing it from ``source``'s tables, in ``dialect``.

    ``tables`` renames the source's tables (``{"tracks": "analytics.tracks"}``); ``account``
    is the column (Segment) or JSON path (the others) naming the account.
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; known: {', '.join(DIALECTS)}")
    import sqlglot  # here, not at the top: every `pqa` command imports this module

    prefix = "with " + shared(config, source, tables=tables, account=account)
    out = {}
    for name, body in bodies(config).items():
        sql = (
            f"{prefix},\n{body}"
            if not body.lstrip().startswith("select")
            else (f"{prefix}\n{body}")
        )
        sql = sqlglot.transpile(sql, read="duckdb", write=dialect, pretty=True)[0]
        out[name] = sql
    return out
