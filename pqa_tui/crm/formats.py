"""What a CRM export's columns mean: one :class:`CrmFormat` per CRM, and how a row reads.

Headers are compared normalised (lower case, letters and digits only, no ``__c``), so a report's
labels (``PQA Account Id``), a Data Loader export's API names (``PQA_ACCOUNT_ID__C``) and
HubSpot's labels (``PQA Account ID``) all find the same column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
TRUE = ("true", "1", "yes", "y", "checked", "x")


def normalise_header(text: str) -> str:
    text = text.strip().lower()
    text = text.removesuffix("__c")
    return _NON_ALNUM.sub("", text.replace("__c.", "."))


@dataclass(frozen=True)
class CrmFormat:
    """The normalised header names each fact may come from, first match wins, and the stages
    (normalised the same way) that mean closed-won and closed-lost."""

    name: str
    account_id: tuple[str, ...]
    domain: tuple[str, ...]
    owner: tuple[str, ...]
    stage: tuple[str, ...]
    record: tuple[str, ...]
    label: tuple[str, ...]
    closed_at: tuple[str, ...]
    won_flag: tuple[str, ...]
    closed_flag: tuple[str, ...]
    won_stages: tuple[str, ...]
    lost_stages: tuple[str, ...]

    def columns(self, header: list[str]) -> dict[str, int]:
        """fact -> column index, for the facts this header has."""
        index: dict[str, int] = {}
        for i, name in enumerate(header):
            index.setdefault(normalise_header(name), i)
        found = {}
        for fact in ("account_id", "domain", "owner", "stage", "record", "label", "closed_at",
                     "won_flag", "closed_flag"):  # fmt: skip
            for name in getattr(self, fact):
                if name in index:
                    found[fact] = index[name]
                    break
        return found

    def outcome(self, stage: str, won: str | None, closed: str | None) -> str:
        """``won``, ``lost`` or ``open``: from the won / closed flags when the export has
        them, else from the stage name."""
        if won is not None and won.strip().lower() in TRUE:
            return "won"
        if closed is not None and won is not None:
            return "lost" if closed.strip().lower() in TRUE else "open"
        key = normalise_header(stage)
        if key in self.won_stages:
            return "won"
        if key in self.lost_stages:
            return "lost"
        return "open"


def parse_close_date(text: str) -> datetime | None:
    """A close date written ``YYYY-MM-DD`` (optionally with a time), else None: report exports
    in a locale's format (``3/4/2026``) cannot be read without guessing day from month."""
    raw = text.strip()
    if not re.match(r"\d{4}-\d{2}-\d{2}", raw):
        return None
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time(), tzinfo=UTC)
        dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# pqa's own plain CSV export, and any sheet with simple column names.
CSV = CrmFormat(
    name="csv",
    account_id=("pqaaccountid", "externalid", "accountid"),
    domain=("domain", "website", "companydomainname"),
    owner=("crmowner", "owner"),
    stage=("stage", "status", "outcome"),
    record=("recordid", "crmid", "dealid", "opportunityid"),
    label=("name", "accountname", "dealname"),
    closed_at=("closedat", "closedate", "closedon"),
    won_flag=("won", "iswon"),
    closed_flag=("closed", "isclosed"),
    won_stages=("won", "closedwon", "customer"),
    lost_stages=("lost", "closedlost"),
)
