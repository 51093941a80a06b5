"""Who to talk to at an account: its buyer-persona members first, then its admins.

Buyers are found with the buyer-persona detector's own terms (config ``[detectors.
buyer_persona]`` or its defaults), admins by the role trait (config ``[roles]``), so the account
screen, the CRM export's contacts and the account's reasons all name the same people.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from .config import Config
from .detectors.buyer_persona import BuyerPersona, buyer_match

BUYER = "buyer persona"
ADMIN = "admin"


@dataclass(frozen=True)
class Contact:
    """One member worth a conversation, with what makes them one."""

    user_id: str
    email: str
    name: str
    title: str  # the profile's title, else its seniority
    department: str
    last_seen: str | None  # in this account
    buyer: str  # the buyer-persona term matched ("" when not a buyer)
    admin: bool

    @property
    def reasons(self) -> list[str]:
        """``["buyer persona: vp", "admin"]``: why this person is listed."""
        said = [f"{BUYER}: {self.buyer}"] if self.buyer else []
        return [*said, ADMIN] if self.admin else said


def _buyer_terms(config: Config) -> tuple[tuple[str, ...], tuple[str, ...]]:
    options = {**BuyerPersona.options, **config.detectors.get(BuyerPersona.name, {})}
    return tuple(options["seniorities"]), tuple(options["departments"])


def _traits(raw: str | None) -> dict[str, Any]:
    try:
        traits = json.loads(raw or "{}")
    except ValueError:
        return {}
    return traits if isinstance(traits, dict) else {}


def account_contacts(db: sqlite_utils.Database, config: Config, account_id: str) -> list[Contact]:
    """The account's buyer-persona members, then its admins, each group by email (members
    without an email last in their group)."""
    seniorities, departments = _buyer_terms(config)
    admin_roles = {r.lower() for r in config.roles.admin_roles}
    role_trait = config.roles.trait
    people = []
    for user_id, email, name, role, seniority, department, raw_traits, seen in db.conn.execute(
        """select u.user_id, coalesce(u.email, ''), coalesce(u.name, ''), u.role, u.seniority,
                  u.department, u.traits, coalesce(m.last_seen, u.last_seen)
           from memberships m join users u on u.user_id = m.user_id
           where m.account_id = ?""",
        [account_id],
    ):
        traits = _traits(raw_traits)
        user = {"role": role, "seniority": seniority, "department": department, "traits": traits}
        senior, dept = buyer_match(user, seniorities, departments)
        role_value = role if role_trait == "role" else traits.get(role_trait)
        is_admin = str(role_value or "").strip().lower() in admin_roles
        if not (senior or dept or is_admin):
            continue
        people.append(
            Contact(
                user_id=user_id,
                email=email,
                name=str(name),
                title=str(traits.get("title") or seniority or ""),
                department=department or "",
                last_seen=seen,
                buyer=senior or dept or "",
                admin=is_admin,
            )
        )
    people.sort(key=lambda c: (not c.buyer, not c.email, c.email, c.user_id))
    return people
