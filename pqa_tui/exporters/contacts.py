"""The people a rep should email, as CRM contacts: :func:`pqa_tui.contacts.account_contacts`
of each exported account (buyer-persona members, then admins). Members without an email are
left out: a contact nobody can write to is no help in a CRM.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from ..config import Config
from ..contacts import account_contacts


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


def collect_contacts(
    db: sqlite_utils.Database,
    config: Config,
    accounts: Sequence[tuple[str, str, str]],
) -> list[ExportContact]:
    """Contacts for ``accounts`` (``(account_id, external_id, domain)``, in export order):
    buyers first, then admins, each account's people by email."""
    contacts: list[ExportContact] = []
    for account_id, external_id, domain in accounts:
        for person in account_contacts(db, config, account_id):
            if not person.email:
                continue
            first, last = split_name(person.name, person.email)
            contacts.append(
                ExportContact(
                    external_id=contact_external_id(account_id, person.user_id),
                    account_id=account_id,
                    account_external_id=external_id,
                    account_domain=domain,
                    user_id=person.user_id,
                    email=person.email,
                    first_name=first,
                    last_name=last,
                    title=person.title,
                    department=person.department,
                    reasons=person.reasons,
                )
            )
    return contacts
