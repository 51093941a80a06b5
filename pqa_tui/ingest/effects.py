"""What identify / group calls and a few configured events change beyond the events table.

- user traits (identify, Amplitude ``user_properties``, PostHog ``$set``) and account traits
  (group calls): merged into ``users`` / ``accounts``; a late call (older than the traits
  already applied) only fills gaps;
- a change of the ``[roles] trait`` of a user, or a ``[roles] change_events`` event: a
  ``trait_changes`` row (the evidence behind admin switches);
- a change of the ``[plans] trait`` of an account: a ``trait_changes`` row; from a free plan to
  a paid one, or a ``[plans] subscription_events`` event while the account is not paid, also
  an ``outcomes`` row (source ``product``, outcome ``converted``) and ``accounts.plan``.

Only records that were actually inserted come here, so re-ingesting changes nothing.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any
from urllib.parse import urlsplit

import orjson

from ..config import Config
from ..timestamps import parse_ts
from .formats import Record

_NON_ALNUM = re.compile(r"[^a-z0-9]")

# Normalised trait name (lower case, letters and digits only) -> users column.
USER_COLUMNS = {
    "email": "email",
    "name": "name",
    "role": "role",
    "seniority": "seniority",
    "department": "department",
    "companysize": "company_size",
    "employees": "company_size",
    "usecase": "use_case",
    "createdat": "created_at",
}
ACCOUNT_COLUMNS = {
    "name": "name",
    "domain": "domain",
    "website": "domain",
    "plan": "plan",
    "createdat": "created_at",
}


def _norm(key: str) -> str:
    return _NON_ALNUM.sub("", key.lower())


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _column_value(column: str, value: Any) -> Any:
    """A trait value in the type of its column (bad values become NULL, the raw one stays)."""
    if value is None or value == "":
        return None
    if column == "company_size":
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return int(value)
        digits = re.findall(r"\d+", str(value).replace(",", ""))
        return int(digits[-1]) if digits else None  # "51-200" -> 200: the bracket's top
    if column == "created_at":
        try:
            return parse_ts(value)
        except ValueError:
            return None
    if column == "domain":
        text = str(value).strip().lower()
        host = urlsplit(text if "//" in text else "//" + text).hostname or text
        return host.removeprefix("www.")
    return _text(value)


def _columns(traits: dict[str, Any], mapping: dict[str, str], extra: dict[str, str]) -> dict:
    out: dict[str, Any] = {}
    names = {**mapping, **extra}
    for key, value in traits.items():
        column = names.get(_norm(key))
        if column is not None and column not in out:
            out[column] = _column_value(column, value)
    return out


class TraitEffects:
    """Collects trait-bearing records of a batch and applies them in time order."""

    def __init__(self, conn: sqlite3.Connection, config: Config):
        self.conn = conn
        self.config = config
        self.role_trait = config.roles.trait
        self.plan_trait = config.plans.trait
        self.free_plans = {p.lower() for p in config.plans.free_plans}
        self.role_events = frozenset(config.roles.change_events)
        self.subscription_events = frozenset(config.plans.subscription_events)
        self.watched_events = self.role_events | self.subscription_events
        self._user_extra = {_norm(self.role_trait): "role"}
        self._account_extra = {_norm(self.plan_trait): "plan"}
        self._pending: list[tuple[str, int, Record, str | None]] = []
        # The last traits applied per user: Amplitude repeats them on every event.
        self._last_user_traits: dict[str, dict[str, Any]] = {}

    def add(self, rec: Record, account: str | None) -> None:
        self._pending.append((rec.ts, len(self._pending), rec, account))

    def apply(self) -> None:
        pending, self._pending = self._pending, []
        for _, _, rec, account in sorted(pending, key=lambda p: (p[0], p[1])):
            if rec.kind == "group":
                if rec.account_id:
                    self._account_traits(rec.account_id, rec.traits or {}, rec.ts)
            elif rec.traits and rec.user_id:
                if self._last_user_traits.get(rec.user_id) != rec.traits:
                    self._last_user_traits[rec.user_id] = rec.traits
                    self._user_traits(rec.user_id, account, rec.traits, rec.ts)
            if rec.event in self.role_events:
                self._role_event(rec, account)
            if rec.event in self.subscription_events and account:
                self._subscription(rec, account)

    def is_free(self, plan: str | None) -> bool:
        return plan is None or plan.lower() in self.free_plans

    # -- users ------------------------------------------------------------------------------

    def _user_traits(self, user: str, account: str | None, traits: dict, ts: str) -> None:
        row = self.conn.execute(
            "select role, traits, traits_at from users where user_id = ?", (user,)
        ).fetchone()
        old_role, old_traits, traits_at = row if row else (None, "{}", None)
        old = orjson.loads(old_traits or "{}")
        late = traits_at is not None and ts < traits_at
        merged = {**traits, **old} if late else {**old, **traits}
        cols = _columns(merged, USER_COLUMNS, self._user_extra)
        if not late and self.role_trait in traits:
            new_role = _text(traits[self.role_trait])
            if old_role is not None and new_role != old_role:
                self._trait_change("user", user, account, "role", old_role, new_role, ts)
        self._upsert("users", "user_id", user, cols, merged, ts if not late else traits_at)

    def _role_event(self, rec: Record, account: str | None) -> None:
        props = rec.properties
        target = _text(props.get("target_user_id") or props.get("user_id")) or rec.user_id
        new = _text(props.get(self.role_trait) or props.get("new_role") or props.get("to"))
        if not target or new is None:
            return
        row = self.conn.execute(
            "select role, traits_at from users where user_id = ?", (target,)
        ).fetchone()
        current, traits_at = row if row else (None, None)
        old = _text(props.get("old_role") or props.get("from")) or current
        if old == new:
            return
        self._trait_change("user", target, account, "role", old, new, rec.ts)
        if traits_at is None or rec.ts >= traits_at:
            self.conn.execute(
                "insert into users(user_id, role, traits_at) values (?, ?, ?) "
                "on conflict(user_id) do update set role = excluded.role, "
                "traits_at = excluded.traits_at",
                (target, new, rec.ts),
            )

    # -- accounts ---------------------------------------------------------------------------

    def _account_traits(self, account: str, traits: dict, ts: str) -> None:
        row = self.conn.execute(
            "select plan, traits, traits_at from accounts where account_id = ?", (account,)
        ).fetchone()
        old_plan, old_traits, traits_at = row if row else (None, "{}", None)
        old = orjson.loads(old_traits or "{}")
        late = traits_at is not None and ts < traits_at
        merged = {**traits, **old} if late else {**old, **traits}
        cols = _columns(merged, ACCOUNT_COLUMNS, self._account_extra)
        if late:
            cols.pop("plan", None)
        elif self.plan_trait in traits:
            new_plan = _text(traits[self.plan_trait])
            if new_plan != old_plan and not (old_plan is None and new_plan is None):
                if old_plan is not None:
                    self._trait_change("account", account, account, "plan", old_plan, new_plan, ts)
                if old_plan is not None and self.is_free(old_plan) and not self.is_free(new_plan):
                    self._converted(
                        account, ts, {"from": old_plan, "to": new_plan, "via": "plan trait"}
                    )
        self._upsert("accounts", "account_id", account, cols, merged, ts if not late else traits_at)

    def _subscription(self, rec: Record, account: str) -> None:
        row = self.conn.execute(
            "select plan from accounts where account_id = ?", (account,)
        ).fetchone()
        current = row[0] if row else None
        if not self.is_free(current):
            return  # already paid: the conversion was recorded when it happened
        new_plan = _text(rec.properties.get(self.plan_trait)) or "paid"
        if self.is_free(new_plan):
            new_plan = "paid"
        self._trait_change("account", account, account, "plan", current, new_plan, rec.ts)
        self._converted(account, rec.ts, {"from": current, "to": new_plan, "via": rec.event})
        self.conn.execute(
            "insert into accounts(account_id, plan) values (?, ?) "
            "on conflict(account_id) do update set plan = excluded.plan",
            (account, new_plan),
        )

    def _converted(self, account: str, ts: str, detail: dict[str, Any]) -> None:
        self.conn.execute(
            "insert into outcomes(account_id, at, outcome, source, detail) "
            "values (?, ?, 'converted', 'product', ?)",
            (account, ts, orjson.dumps(detail).decode()),
        )

    # -- shared -----------------------------------------------------------------------------

    def _trait_change(self, entity, entity_id, account, trait, old, new, ts) -> None:
        self.conn.execute(
            "insert into trait_changes(entity, entity_id, account_id, trait, old_value, "
            "new_value, ts) values (?, ?, ?, ?, ?, ?, ?)",
            (entity, entity_id, account, trait, old, new, ts),
        )

    def _upsert(self, table, key, key_value, cols: dict, traits: dict, traits_at) -> None:
        names = [key, *cols, "traits", "traits_at"]
        values = [key_value, *cols.values(), orjson.dumps(traits, default=str).decode(), traits_at]
        sets = ", ".join(f"{n} = excluded.{n}" for n in names[1:])
        self.conn.execute(
            f"insert into {table}({', '.join(names)}) values ({', '.join('?' * len(names))}) "
            f"on conflict({key}) do update set {sets}",
            values,
        )
