"""The database schema, as an ordered list of migrations.

``PRAGMA user_version`` holds the number of migrations applied. A migration is never edited
once released: a change is a new entry at the end of ``MIGRATIONS``. The schema they build, in one
place: docs/schema.sql (after adding one, ``python scripts/write_schema.py`` rewrites it).

Time columns hold UTC ISO 8601 text ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (sortable as text);
``day`` columns hold ``YYYY-MM-DD``.
"""

from __future__ import annotations

INGEST = """
create table events (
    id integer primary key,
    dedupe_key text not null,          -- source id (messageId, $insert_id, uuid...) or hash
    kind text not null,                -- track | page | screen | identify | group | alias
    account_id text,                   -- null until the user's membership is known
    user_id text,
    event text,                        -- event name; for pages "page" and properties.path
    ts text not null,
    day text not null,
    properties text not null default '{}',
    source text not null,              -- file the event came from
    line integer not null
);
create unique index events_dedupe on events(dedupe_key);
create index events_account_ts on events(account_id, ts);
create index events_unattributed on events(user_id) where account_id is null;

create table users (
    user_id text primary key,
    email text, name text, role text, seniority text, department text,
    company_size integer, use_case text,
    created_at text, first_seen text, last_seen text,
    traits text not null default '{}',
    traits_at text                     -- time of the newest identify applied (late ones fill gaps)
);

create table accounts (
    account_id text primary key,
    name text, domain text, plan text,
    created_at text, first_seen text, last_seen text,
    traits text not null default '{}',
    traits_at text                     -- time of the newest group call applied
);

create table memberships (
    user_id text not null,
    account_id text not null,
    first_seen text, last_seen text,
    primary key (user_id, account_id)
);
create index memberships_account on memberships(account_id);

-- A trait that changed value (role, plan, ...): the evidence behind admin switches and
-- conversions, kept so detectors never replay identify calls.
create table trait_changes (
    id integer primary key,
    entity text not null,              -- 'user' | 'account'
    entity_id text not null,
    account_id text,
    trait text not null,
    old_value text, new_value text,
    ts text not null
);
create index trait_changes_account on trait_changes(account_id, ts);

-- Daily rollups: one row per account, day and metric. Metrics: "events", "active_users",
-- every [events] kind of the config ("value", "paywall", ...), "storage" (bytes added),
-- "page:<group>" for every [pages] group, "pages" (all page views).
create table rollups (
    account_id text not null,
    day text not null,
    metric text not null,
    value real not null,
    primary key (account_id, day, metric)
) without rowid;
create index rollups_metric_day on rollups(metric, day);

-- Who was active in an account on a day: the distinct-users half of the rollups.
create table user_days (
    account_id text not null,
    day text not null,
    user_id text not null,
    primary key (account_id, day, user_id)
) without rowid;

create table rejects (
    id integer primary key,
    source text not null,
    line integer,
    reason text not null,
    raw text,
    at text not null
);

create table ingest_runs (
    id integer primary key,
    source text not null,
    sha256 text,
    started_at text not null,
    finished_at text,
    read integer, inserted integer, duplicates integer, rejected integer
);
"""

SCORING = """
-- Scoring reads window sums of one metric for every account (detectors/base.py UsageBatch).
-- With value in the index a run reads the index alone: 4x faster window sums on 1M events,
-- and no slower to ingest (measured). Replaces the (metric, day) index of the block above.
drop index rollups_metric_day;
create index rollups_metric_day on rollups(metric, day, account_id, value);

-- The live signals of the last scoring run (replaced per account on each run).
create table signals (
    id integer primary key,
    account_id text not null,
    detector text not null,
    at text not null,                  -- when the evidence happened
    strength real not null,            -- 0..1 before weight and decay
    weight real not null,
    points real not null,              -- strength * weight * decay: the share of the score
    reason text not null,
    evidence text not null default '{}',
    scored_at text not null
);
create index signals_account on signals(account_id);
create index signals_detector on signals(detector);

create table scores (
    account_id text primary key,
    score real not null,
    qualified integer not null,        -- 1 when over the bar and through every gate
    gate text,                         -- why a high score does not qualify (age, paid, denylist)
    reasons text not null default '[]',
    scored_at text not null,
    as_of text not null
);
create index scores_rank on scores(qualified, score desc);

-- Every crossing of the bar. ended_at is set when the account falls out again.
create table pqa_moments (
    id integer primary key,
    account_id text not null,
    at text not null,
    score real not null,
    reasons text not null default '[]',
    ended_at text
);
create index pqa_moments_account on pqa_moments(account_id, at);

-- Score over time (one row per account per scoring day), for trends and reports.
create table score_history (
    account_id text not null,
    day text not null,
    score real not null,
    qualified integer not null,
    primary key (account_id, day)
) without rowid;
"""

TRIAGE = """
-- Current triage state per account: a cache of the activity log, versioned for the
-- optimistic check that settles claim races.
create table triage (
    account_id text primary key,
    state text not null,               -- new | claimed | contacted | meeting | qualified | won |
                                       -- lost | no_response | not_a_fit | sunset | snoozed
    owner text,
    version integer not null default 0,
    updated_at text not null,
    updated_by text,
    sunset_at text,
    sunset_until text,
    snooze_until text,
    parked_from text                   -- state before sunset/snooze: where a snooze returns to
);
create index triage_state on triage(state, owner);

-- Append-only: the product inserts and never updates or deletes.
create table activity (
    id integer primary key,
    account_id text not null,
    at text not null,
    actor text not null,
    action text not null,
    from_state text, to_state text,
    detail text not null default '{}'
);
create index activity_account on activity(account_id, at);

create table notes (
    id integer primary key,
    account_id text not null,
    author text not null,
    at text not null,
    text text not null
);
create index notes_account on notes(account_id, at);

create table feedback (
    id integer primary key,
    account_id text not null,
    author text not null,
    at text not null,
    verdict text not null check (verdict in ('good', 'bad')),
    reason text,
    text text
);
create index feedback_account on feedback(account_id, at);

create table outcomes (
    id integer primary key,
    account_id text not null,
    at text not null,
    outcome text not null,
    source text not null,              -- 'rep' | 'product'
    author text,
    detail text not null default '{}'
);
create index outcomes_account on outcomes(account_id, at);

create trigger activity_no_update before update on activity
begin select raise(abort, 'the activity log is append-only'); end;
create trigger activity_no_delete before delete on activity
begin select raise(abort, 'the activity log is append-only'); end;
create trigger notes_no_update before update on notes
begin select raise(abort, 'notes are never overwritten: add a new note'); end;
create trigger notes_no_delete before delete on notes
begin select raise(abort, 'notes are kept forever'); end;
"""

DEMO = """
-- The planted truth of a `pqa demo` workspace (empty elsewhere): what each generated account
-- really is, so reports, backtests and a simulated team can be checked against it.
create table demo_accounts (
    account_id text primary key,
    archetype text not null,           -- buyer_ready | growing_team | solo_hobby | stalled | ...
    converts integer not null,         -- 1 when it converts to paid, possibly after the demo's end
    converted_at text,                 -- when it converted, if by the demo's end
    will_convert_at text,              -- when it will convert, if after the demo's end
    plan text not null,                -- the paid plan it converts to, else 'free'
    seats integer not null,            -- users who joined by the demo's end
    has_buyer integer not null,        -- a director / VP / C-level user is among them
    churned_at text
);
create index demo_accounts_archetype on demo_accounts(archetype);

-- How the demo was built (seed, end, accounts, months, built_at): one row per setting.
create table demo_meta (
    key text primary key,
    value text not null
);
"""

QUEUE = """
-- The queue's "All accounts" view, best first (queue.py): a page of 200 read in index order
-- instead of sorting every score on each key (18 ms -> 0.1 ms at 50,000 accounts).
create index scores_best on scores(score desc, account_id);
"""

SLIM_EVENTS = """
-- Version 2. An event names the ingest run that added it instead of repeating its file's path,
-- and its day is the first ten characters of ts: rows a fifth smaller, so a first load of a
-- million events inserts, indexes and commits faster (docs/ingest.md, Speed).
alter table ingest_runs add column bytes integer;  -- the file's size: equal sizes are hashed

-- Every source of an event gets a run (events ingested as records had none).
insert into ingest_runs(source, started_at, finished_at)
select distinct source, strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now'),
    strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now')
from events where source not in (select source from ingest_runs);

create table events_v2 (
    id integer primary key,
    dedupe_key text not null,          -- source id (messageId, $insert_id, uuid...) or hash
    kind text not null,                -- track | page | screen | identify | group | alias
    account_id text,                   -- null until the user's membership is known
    user_id text,
    event text,                        -- event name; for pages "page" and properties.path
    ts text not null,                  -- its day is substr(ts, 1, 10)
    properties text not null default '{}',
    run_id integer not null,           -- ingest_runs.id: the file (source) it came from
    line integer not null
);
insert into events_v2(id, dedupe_key, kind, account_id, user_id, event, ts, properties, run_id,
    line)
select e.id, e.dedupe_key, e.kind, e.account_id, e.user_id, e.event, e.ts, e.properties,
    r.run_id, e.line
from events e join (select source, max(id) as run_id from ingest_runs group by source) r
    on r.source = e.source;
drop table events;
alter table events_v2 rename to events;
create unique index events_dedupe on events(dedupe_key);
create index events_account_ts on events(account_id, ts);
create index events_unattributed on events(user_id) where account_id is null;
"""

OUTBOX = """
-- Version 3. The outbox of `pqa notify` (pqa_tui/notify): one row per event and channel,
-- queued in the transaction that records the event and marked sent only once the channel
-- accepted it, so every event reaches every channel once, across crashes and outages.
create table outbox (
    id integer primary key,
    event_id text not null,            -- stable, in every payload: new:<moment id>, back:<activity>
    event text not null,               -- new | back | stale_claim | digest
    account_id text,                   -- null for a digest
    channel text not null,             -- the [[notify.channels]] name
    queued_at text not null,
    status text not null default 'pending',  -- pending | sent | skipped
    attempts integer not null default 0,
    last_error text,
    done_at text,                      -- when it was sent or skipped
    detail text not null default '{}', -- why it was skipped
    unique (event_id, channel)
);
create index outbox_due on outbox(status, channel);
"""

RUN_MODES = """
-- Version 4. How each ingest run came in: null for events read by pqa itself, 'rollups' for
-- tables computed in a warehouse (`pqa ingest --rollups`), 'duckdb' for `--engine duckdb`.
alter table ingest_runs add column mode text;
"""

RETURNS = """
-- Version 5. The next PQA moment after a sunset (pqa_tui/triage/returns.py). A signal says
-- what it measured and whether its detector reads buying steps or a level; a sunset keeps
-- what the account looked like then, and scoring writes there why it is due back.
alter table signals add column value real;         -- the number measured (or the strength)
alter table signals add column behavioural integer not null default 0;  -- 1: a buying step
create table sunsets (
    id integer primary key,
    account_id text not null,
    at text not null,                  -- the sunset (triage.sunset_at while it lasts)
    until text,                        -- --until: back on this date whatever happens
    score real,                        -- the score then (null when never scored)
    signals text not null default '[]',  -- [{detector, behavioural, value, strength, at, reason}]
    back_at text,                      -- when scoring found a new PQA moment after it
    back_because text                  -- why, in one plain sentence
);
create index sunsets_account on sunsets(account_id, at);
"""

RESUMABLE_RUNS = """
-- Version 6. An ingest commits a big file in chunks (so no one waits on the write lock for
-- long) and a killed one resumes where it stopped: a run's counts (read, inserted, ...) are
-- those of its committed chunks, and read is where a resumed run goes on from.
alter table ingest_runs add column chunks integer not null default 0;
-- While a first load keeps the events and rollups indexes dropped between its chunks: the
-- JSON list of [name, create SQL] still to build (docs/ingest.md, Chunks and resuming).
alter table ingest_runs add column deferred_indexes text;
update ingest_runs set read = coalesce(read, 0), inserted = coalesce(inserted, 0),
    duplicates = coalesce(duplicates, 0), rejected = coalesce(rejected, 0);
"""

# Each entry is one migration; its index + 1 is the schema version it produces.
MIGRATIONS: list[str] = [
    INGEST + SCORING + TRIAGE + DEMO + QUEUE,
    SLIM_EVENTS,
    OUTBOX,
    RUN_MODES,
    RETURNS,
    RESUMABLE_RUNS,
]

SCHEMA_VERSION = len(MIGRATIONS)
