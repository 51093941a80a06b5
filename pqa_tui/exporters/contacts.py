"""The people a rep should email: each exported account's buyer-persona members and admins.

Buyers are found with the buyer-persona detector's own terms (config ``[detectors.
buyer_persona]`` or its defaults), admins by the role trait (config ``[roles]``), so a contact
in the CRM is the same person the account's reasons name. Members without an email are left
out: a contact nobody can write to is no help to a rep.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from ..config import Config
from ..detectors.buyer_persona import BuyerPersona, buyer_match

BUYER = "buyer persona"
ADMIN = "admin"


@dataclass(frozen=True)
class ExportContact:
    """One member of an exported account, as a CRM contact associated with that account."""

    external_id: str
    account_id: str
    account_external_id: str
    account_domain: str
    user_id: str
    email: str
    first_name: str
    last_name: str
    title: str
    department: str
    reasons: list[str]  # "buyer persona" (with the term matched) and/or "admin"


def contact_external_id(account_id: str, user_id: str) -> str:
    """Stable and short (CRM external-id fields hold 255 characters; ids may be long)."""
    digest = hashlib.sha256(f"{account_id}\x00{user_id}".encode()).hexdigest()[:20]
    return f"pqa-contact-{digest}"


def split_name(name: str, email: str) -> tuple[str, str]:
    """(first, last): CRMs want both, Salesforce insists on a last name (the email's local part
    when the profile has no name)."""
    parts = name.strip().rsplit(" ", 1)
    if len(parts) == 2 and parts[0].strip():
        return parts[0].strip(), parts[1]
    return "", parts[0] or email.split("@", 1)[0]


def _buyer_terms(config: Config) -> tuple[tuple[str, ...], tuple[str, ...]]:
    options = {**BuyerPersona.options, **config.detectors.get(BuyerPersona.name, {})}
    return tuple(options["seniorities"]), tuple(options["departments"])


def _traits(raw: str | None) -> dict[str, Any]:
    try:
        traits = json.loads(raw or "{}")
    except ValueError:
        return {}
    return traits if isinstance(traits, dict) else {}


def collect_contacts(
    db: sqlite_utils.Database,
    config: Config,
    accounts: Sequence[tuple[str, str, str]],
) -> list[ExportContact]:
    """Contacts for ``accounts`` (``(account_id, external_id, domain)``, in export order):
    buyers first, then admins, each account's people by email."""
    seniorities, departments = _buyer_terms(config)
    admin_roles = {r.lower() for r in config.roles.admin_roles}
    role_trait = config.roles.trait
    contacts: list[ExportContact] = []
    for account_id, external_id, domain in accounts:
        people = []
        for user_id, email, name, role, seniority, department, raw_traits in db.conn.execute(
            """select u.user_id, u.email, coalesce(u.name, ''), u.role, u.seniority,
                      u.department, u.traits
               from memberships m join users u on u.user_id = m.user_id
               where m.account_id = ? and coalesce(u.email, '') != ''
               order by u.email, u.user_id""",
            [account_id],
        ):
            traits = _traits(raw_traits)
            user = {"role": role, "seniority": seniority, "department": department,
                    "traits": traits}  # fmt: skip
            senior, dept = buyer_match(user, seniorities, departments)
            role_value = role if role_trait == "role" else traits.get(role_trait)
            is_admin = str(role_value or "").strip().lower() in admin_roles
            reasons = [f"{BUYER}: {senior or dept}"] if senior or dept else []
            if is_admin:
                reasons.append(ADMIN)
            if not reasons:
                continue
            first, last = split_name(str(name), email)
            title = traits.get("title") or seniority or ""
            people.append(
                ExportContact(
                    external_id=contact_external_id(account_id, user_id),
                    account_id=account_id,
                    account_external_id=external_id,
                    account_domain=domain,
                    user_id=user_id,
                    email=email,
                    first_name=first,
                    last_name=last,
                    title=str(title),
                    department=department or "",
                    reasons=reasons,
                )
            )
        people.sort(key=lambda c: not c.reasons[0].startswith(BUYER))  # stable: email order
        contacts.extend(people)
    return contacts
