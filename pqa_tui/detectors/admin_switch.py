"""Admin switches: the admin / owner role moving to another user, or new admins appearing.

Read from ``trait_changes`` (the role trait changing between identify calls, or a configured
role-change event), never by replaying events. The role assigned when a user first shows up
in a young account is set-up, not a switch: changes without an old value within
``setup_days`` of the account's first sighting are ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from ..hookspecs import hookimpl
from ..timestamps import format_ts, ts_to_datetime
from .base import AccountUsage, Detector, Signal


class AdminSwitch(Detector):
    name = "admin_switch"
    description = "The admin/owner role moves to another user, or a new admin appears."
    options = {"window_days": 28, "setup_days": 1}
    default_weight = 3.0
    intent = True
    behavioural = True

    def detect(self, usage: AccountUsage, options: dict[str, Any]) -> Iterator[Signal]:
        roles = usage.config.roles
        admin = {r.lower() for r in roles.admin_roles}
        changes = usage.trait_changes(roles.trait)
        if not changes:
            return
        first, _ = usage.window(options["window_days"])
        born = usage.account.get("first_seen") or usage.account.get("created_at")
        setup_end = (
            format_ts(ts_to_datetime(born) + timedelta(days=options["setup_days"])) if born else ""
        )
        switches = []
        for change in changes:
            old, new = (change["old_value"] or "").lower(), (change["new_value"] or "").lower()
            if change["ts"] < first or old == new or not ({old, new} & admin):
                continue
            if not old and change["ts"] <= setup_end:
                continue
            switches.append(change)
        if not switches:
            return
        # Reps know people by email, not by user id.
        who = {u["user_id"]: u.get("email") or u["user_id"] for u in usage.users}
        desc = [
            f"{who.get(c['entity_id'], c['entity_id'])} "
            f"{c['old_value'] or '(none)'} -> {c['new_value'] or '(none)'}"
            for c in switches[-3:]
        ]
        n = len(switches)
        yield Signal(
            at=switches[-1]["ts"],
            strength=min(1.0, n / 2),
            value=n,
            reason=(
                f"{n} admin role change{'s' if n > 1 else ''} in the last "
                f"{options['window_days']} days ({', '.join(desc)})"
            ),
            evidence={"changes": switches},
        )


@hookimpl
def register_detectors(register):
    register(AdminSwitch())
