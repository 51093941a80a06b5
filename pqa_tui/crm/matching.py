"""Which account a CRM row is about: by the account id pqa exported, else by website domain.

Domains are compared normalised (no scheme, ``www.``, path, port, case or trailing dot), so
``https://www.Acme.io/pricing`` in a CRM finds the account whose domain is ``acme.io``. A domain
several accounts share is ambiguous: the row is listed, never guessed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import sqlite_utils

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def normalise_domain(text: str | None) -> str:
    """``https://www.Acme.io:443/x?y`` -> ``acme.io``; an email gives its domain; "" stays ""."""
    host = (text or "").strip().lower()
    host = _SCHEME.sub("", host)
    host = re.split(r"[/?#]", host, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1]  # user@ in a URL, or an email address
    host = host.split(":", 1)[0].rstrip(".")
    return host.removeprefix("www.")


@dataclass(frozen=True)
class Match:
    """A row's account (``account_id`` and how it was found), or why there is none: ``reason``
    for an unmatched row, ``candidates`` for an ambiguous one."""

    account_id: str | None = None
    matched_by: str = ""  # "id" | "domain"
    reason: str = ""
    candidates: tuple[str, ...] = ()


class AccountIndex:
    """Every account by id and by normalised domain, read once per import."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.ids: set[str] = set()
        self.by_domain: dict[str, list[str]] = defaultdict(list)
        for account_id, domain in db.conn.execute(
            "select account_id, domain from accounts order by account_id"
        ):
            self.ids.add(account_id)
            key = normalise_domain(domain)
            if key:
                self.by_domain[key].append(account_id)

    def match(self, account_ref: str, domain: str) -> Match:
        ref = account_ref.strip()
        if ref in self.ids:
            return Match(ref, "id")
        key = normalise_domain(domain)
        found = self.by_domain.get(key, []) if key else []
        if len(found) == 1:
            return Match(found[0], "domain")
        if len(found) > 1:
            return Match(reason=f"{len(found)} accounts have domain {key}", candidates=tuple(found))
        if ref:
            extra = f" and none has domain {key}" if key else ""
            return Match(reason=f"no account {ref!r}{extra}")
        if key:
            return Match(reason=f"no account has domain {key}")
        return Match(reason="no PQA account id and no website on the row")
