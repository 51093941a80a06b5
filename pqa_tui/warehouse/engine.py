"""``pqa ingest --engine duckdb``: DuckDB computes the rollups of big local Segment exports.

The files (NDJSON, gzipped or not, or Parquet with Segment's field names) are read by DuckDB
into views of Segment's warehouse shape (``tracks``, ``pages``, ``identifies``, ``groups`` and
one table per storage or subscription event), the generated SQL (:mod:`.sql`) runs over them
with all cores, and its results go in through the ``--rollups`` loader. Raw events never enter
SQLite.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from ..config import Config
from .loader import LoadSummary, RollupsError, load_results
from .sources import EXTRA_USER_TRAITS, PROFILE_TRAITS, literal, snake_case
from .sql import bodies, shared

# The fields of a Segment call the warehouse tables need, read as text or JSON.
_RAW_COLUMNS = {
    "type": "VARCHAR",
    "messageId": "VARCHAR",
    "userId": "VARCHAR",
    "anonymousId": "VARCHAR",
    "groupId": "VARCHAR",
    "event": "VARCHAR",
    "name": "VARCHAR",
    "timestamp": "VARCHAR",
    "originalTimestamp": "VARCHAR",
    "sentAt": "VARCHAR",
    "receivedAt": "VARCHAR",
    "properties": "JSON",
    "traits": "JSON",
    "context": "JSON",
}


def connect() -> Any:
    """An in-memory DuckDB connection that reads and writes times as UTC."""
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    return con


def _ndjson(path: str) -> str:
    """One NDJSON file (gzipped or not) as (filename, line, doc): each line is read whole as
    text, so a malformed one is a reject with its line number, not a silent skip."""
    name = path.replace("'", "''")
    fields = ", ".join(
        f'json_extract{"_string" if kind == "VARCHAR" else ""}(doc, \'$."{key}"\') as "{key}"'
        for key, kind in _RAW_COLUMNS.items()
    )
    return (
        f"select '{name}' as filename, line, text, doc, {fields} from ("
        "select line, text, case when json_valid(text) and json_type(text::JSON) = 'OBJECT' "
        "then text::JSON end as doc from ("
        "select row_number() over () as line, text "
        f"from read_csv('{name}', columns = {{'text': 'VARCHAR'}}, header = false, "
        "delim = E'\\x1f', quote = '', escape = '', auto_detect = false, strict_mode = false)"
        ") where trim(coalesce(text, '')) <> '')"
    )


def _parquet(con: Any, path: str) -> str:
    """One Parquet file of Segment calls (nested objects as structs or JSON text)."""
    name = path.replace("'", "''")
    have = {
        row[0] for row in con.execute(f"describe select * from read_parquet('{name}')").fetchall()
    }
    cols = []
    for key, kind in _RAW_COLUMNS.items():
        if key not in have:
            cols.append(f'cast(null as {kind}) as "{key}"')
        elif kind == "JSON":
            cols.append(f'cast(to_json("{key}") as JSON) as "{key}"')
        else:
            cols.append(f'cast("{key}" as VARCHAR) as "{key}"')
    return (
        f"select '{name}' as filename, row_number() over () as line, null as text, "
        f"'{{}}'::JSON as doc, {', '.join(cols)} from read_parquet('{name}')"
    )


def _fast_ndjson(path: str) -> str:
    """One NDJSON file read by DuckDB's JSON reader in one pass (no line text, no line
    numbers: the fast way, used only while no line is a reject)."""
    name = path.replace("'", "''")
    columns = ", ".join(f"'{key}': '{kind}'" for key, kind in _RAW_COLUMNS.items())
    fields = ", ".join(f'"{key}"' for key in _RAW_COLUMNS)
    return (
        f"select '{name}' as filename, cast(null as BIGINT) as line, "
        f"cast(null as VARCHAR) as text, '{{}}'::JSON as doc, {fields} "
        f"from read_json('{name}', format = 'newline_delimited', columns = {{{columns}}})"
    )


# Why a call the SQL cannot use is a reject, in the event ingest's words (null: usable).
_REASON = (
    "case "
    "when type is null or type not in ('track','identify','group','page','screen','alias') "
    "then 'unknown Segment call type' "
    "when raw_ts is null then 'no timestamp' "
    "when ts is null then 'bad timestamp' "
    'when uid is null and context_group_id is null and "groupId" is null '
    "then 'no user and no account (userId, anonymousId, groupId)' "
    "when type = 'track' and event is null then 'track call without an event name' end"
)


def _raw(con: Any, paths: list[str]) -> None:
    """Every call of ``paths`` in one table ``raw``, with its file and line.

    NDJSON is first read by DuckDB's JSON reader; if a line is not a JSON object (the reader
    stops) or any call is a reject, the files are read again line by line as text, so every
    reject has its true line number. Clean files, the usual case, are parsed once."""
    import duckdb

    try:
        _raw_from(con, [_parquet(con, p) if p.endswith(".parquet") else _fast_ndjson(p)
                        for p in paths], fast=True)  # fmt: skip
        clean = con.execute(f"select count(*) from calls where ({_REASON}) is not null")
        if clean.fetchone()[0] == 0:
            return
    except duckdb.Error:  # a line the JSON reader cannot read: read as text below
        pass
    _raw_from(con, [_parquet(con, p) if p.endswith(".parquet") else _ndjson(p) for p in paths])


def _raw_from(con: Any, parts: list[str], fast: bool = False) -> None:
    """Tables ``raw`` (every line) and ``calls`` (the JSON objects among them); when every
    line is an object (``fast``), ``raw`` is a view of ``calls``: one copy of the data."""
    raw = (
        "select *, "
        'coalesce("timestamp", "originalTimestamp", "sentAt", "receivedAt") as raw_ts '
        f"from ({' union all '.join(parts)})"
    )
    calls = (
        "select *, try_cast(raw_ts as timestamptz)::timestamp as ts, "
        'coalesce("userId", "anonymousId") as uid, '
        "nullif(json_extract_string(context, '$.groupId'), '') as context_group_id "
        "from {raw} where doc is not null"
    )
    con.execute("drop view if exists raw")
    con.execute("drop table if exists raw")
    if fast:
        con.execute(f"create or replace table calls as {calls.format(raw=f'({raw})')}")
        con.execute("create view raw as select * from calls")
        return
    con.execute(f"create table raw as {raw}")
    con.execute(f"create or replace table calls as {calls.format(raw='raw')}")


def reject_reasons(con: Any) -> list[tuple[str, int, str]]:
    """(file, line, reason) of the calls the SQL cannot use, as the event ingest words them."""
    malformed = con.execute(
        "select filename, line, case when json_valid(text) then 'expected a JSON object' "
        "else 'malformed JSON' end from raw where doc is null order by filename, line"
    ).fetchall()
    return (
        malformed
        + con.execute(
            f"select filename, line, {_REASON} as reason from calls where reason is not null "
            "order by filename, line"
        ).fetchall()
    )


def segment_tables(con: Any, paths: list[str], config: Config) -> None:
    """Segment's warehouse tables (as views over ``calls``), from raw Segment calls in ``paths``."""
    _raw(con, paths)
    ok = (
        "ts is not null and (uid is not null or context_group_id is not null "
        'or "groupId" is not null)'
    )
    common = (
        '"messageId" as id, "userId" as user_id, "anonymousId" as anonymous_id, '
        'context_group_id, ts as "timestamp"'
    )
    con.execute(
        f"create or replace view tracks as select {common}, event from calls "
        f"where type = 'track' and event is not null and {ok}"
    )
    con.execute(
        f"create or replace view pages as select {common}, name, "
        "coalesce(json_extract_string(properties, '$.path'), "
        "json_extract_string(context, '$.page.path')) as path from calls "
        f"where type = 'page' and {ok}"
    )
    traits = "coalesce(traits, json_extract(context, '$.traits'))"
    role = config.roles.trait
    names = [role if t == "role" else t for t in (*PROFILE_TRAITS, *EXTRA_USER_TRAITS)]
    cols = ", ".join(
        f'json_extract_string({traits}, \'$."{n}"\') as "{snake_case(n)}"' for n in names
    )
    con.execute(
        f"create or replace view identifies as select {common}, {cols} from calls "
        f"where type = 'identify' and {ok}"
    )
    plan = config.plans.trait
    gcols = ", ".join(
        f'json_extract_string(traits, \'$."{n}"\') as "{snake_case(n)}"'
        for n in ("name", "domain", plan, "created_at")
    )
    con.execute(
        'create or replace view groups as select "messageId" as id, "userId" as user_id, '
        '"anonymousId" as anonymous_id, nullif("groupId", \'\') as group_id, '
        f"ts as \"timestamp\", {gcols} from calls where type = 'group' and {ok}"
    )
    prop = config.storage.property
    for event in config.storage.events:
        con.execute(
            f'create or replace view "{snake_case(event)}" as select "messageId" as id, '
            f"try_cast(json_extract_string(properties, '$.\"{prop}\"') as double) "
            f"as \"{snake_case(prop)}\" from calls where type = 'track' "
            f"and event = {literal(event)}",
        )
    for event in config.plans.subscription_events:
        con.execute(
            f'create or replace view "{snake_case(event)}" as select "messageId" as id, '
            f'json_extract_string(properties, \'$."{plan}"\') as "{snake_case(plan)}" '
            f"from calls where type = 'track' and event = {literal(event)}",
        )


# The engine's big tables in the stored form, so the loader takes its rows as they come, in
# key order (the B-trees fill from left to right).
_STORED = {
    "rollups": "select account_id, cast(day as varchar), metric, value from ({body}) as r "
    "where account_id <> '' and day is not null and metric is not null and value is not null "
    "order by 1, 2, 3",
    "user_days": "select account_id, cast(day as varchar), user_id from ({body}) as u "
    "where account_id <> '' and day is not null and user_id <> '' order by 1, 2, 3",
    "memberships": "select user_id, account_id, strftime(first_seen, '{ts}'), "
    "strftime(last_seen, '{ts}') from ({body}) as m where user_id <> '' and account_id <> '' "
    "order by 1, 2",
}
_TS = "%Y-%m-%dT%H:%M:%S.%fZ"  # timestamps.format_ts as DuckDB writes it


def rollup_results(con: Any, config: Config) -> dict[str, tuple[list[str], list[tuple]]]:
    """Table -> (columns, rows) of the rollup SQL over the tables in ``con``.

    The CTEs every table starts from (deduplicated, attributed usage) are computed once into
    tables of their own schema, not once per table; the rows come back as tuples."""
    import sqlglot

    common = sqlglot.parse_one(f"with {shared(config)} select 1", read="duckdb")
    con.execute("create schema if not exists pqa_rollup")
    con.execute("set search_path = 'pqa_rollup,main'")
    for cte in common.ctes:
        con.execute(f'create or replace table pqa_rollup."{cte.alias}" as {cte.this.sql("duckdb")}')
    out = {}
    for name, body in bodies(config).items():
        sql = body if body.lstrip().startswith("select") else f"with {body}"
        if name in _STORED:
            sql = _STORED[name].format(body=sql, ts=_TS)
        cur = con.execute(sql)
        out[name] = ([d[0].lower() for d in cur.description], cur.fetchall())
    return out


def ingest_with_duckdb(db: sqlite_utils.Database, config: Config, paths: list[str]) -> LoadSummary:
    """Compute the rollups of Segment files in DuckDB and load them (one transaction)."""
    for path in paths:
        if not Path(path).is_file():
            raise RollupsError(f"{path}: no such file")
    con = connect()
    try:
        segment_tables(con, paths, config)
        rejects = reject_reasons(con)
        read = con.execute("select count(*) from raw").fetchone()[0]
        results = rollup_results(con, config)
    finally:
        con.close()
    return load_results(
        db,
        results,
        mode="duckdb",
        source=", ".join(paths),
        read_events=read,
        event_rejects=rejects,
        stored=tuple(_STORED),
    )
