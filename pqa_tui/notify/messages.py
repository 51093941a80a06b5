"""What a notification says, and how it is written for chat, email and plain webhooks.

A message carries structured facts (:class:`AccountNews`) so a plugin notifier can build its
own payload (a CRM task), and renders them three ways for the built-in Apprise notifier.

Account names, domains, reasons and contacts come from outside, so every renderer keeps them
text: in chat markdown ``<``, ``>``, ``[``, ``]``, backticks and backslashes are escaped (no
``<!channel>``, no ``<https://evil|click>``, no ``[click](https://evil)``) and a leading ``@``
gets a word joiner (no ``@here`` ping); in HTML everything is escaped; a title never holds a
line break (no header added through an email subject).
"""

from __future__ import annotations

import html
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from ..config import Config
from ..contacts import Contact, account_contacts
from ..safe_text import clean

LABELS = {
    "new": "New PQA",
    "back": "Back in the queue",
    "stale_claim": "Claim gone stale",
    "digest": "In today's queue",
}
MAX_REASONS = 3

# "@here", "@channel", "@everyone", "@alice": an @ that starts a word (emails are left alone).
_MENTION = re.compile(r"(?<![\w.+-])([@!])(?=\w)")
_CHAT_SPECIAL = re.compile(r"([\\<>\[\]`])")
_TITLE_DROPPED = re.compile(r"[<>\[\]`]")


def no_mentions(text: str) -> str:
    """``text`` with every word-leading ``@`` / ``!`` unable to ping (a word joiner after it)."""
    return _MENTION.sub("\\1\u2060", text)


def plain(value: Any) -> str:
    """Untrusted text for a plain-text body: one line, controls visible, no pings."""
    return no_mentions(clean(value))


def chat(value: Any) -> str:
    """Untrusted text for a chat markdown body (Slack, Mattermost, Discord, Teams)."""
    return no_mentions(_CHAT_SPECIAL.sub(r"\\\1", clean(value)))


def markup(value: Any) -> str:
    """Untrusted text for an HTML body."""
    return html.escape(plain(value), quote=True)


def title_text(value: Any) -> str:
    """Untrusted text for a title or email subject: one line, no markup characters, no pings."""
    return _TITLE_DROPPED.sub("", plain(value))


@dataclass(frozen=True)
class AccountNews:
    """One account a message is about, with everything a rep needs to act on it."""

    event: str
    event_id: str
    account_id: str
    name: str | None
    domain: str | None
    score: float | None
    reasons: list[str] = field(default_factory=list)
    buyers: list[Contact] = field(default_factory=list)
    owner: str | None = None

    @property
    def show_command(self) -> str:
        return f"pqa show {shlex.quote(self.account_id)}"

    @property
    def claim_command(self) -> str:
        return f"pqa claim {shlex.quote(self.account_id)}"


@dataclass(frozen=True)
class Message:
    """One message for one channel: one account, or a digest of several."""

    channel: str
    event: str  # the event of a single-account message; "digest" for several
    event_ids: tuple[str, ...]
    accounts: tuple[AccountNews, ...]
    day: str = ""  # the day of a daily digest

    @property
    def event_id(self) -> str:
        """The stable id a receiver can drop a repeat by (several joined by commas)."""
        return ",".join(self.event_ids)

    def title(self) -> str:
        """One line, safe for a subject header."""
        if self.event == "digest" and self.day:
            return f"pqa digest {self.day}: {len(self.accounts)} in today's queue"
        if len(self.accounts) == 1:
            news = self.accounts[0]
            return f"{LABELS[news.event]}: {title_text(news.name or news.account_id)}"
        return f"pqa: {len(self.accounts)} accounts"

    def text(self) -> str:
        """Plain text (generic webhooks, anything without formatting)."""
        parts = [_account_lines(n, plain, "") for n in self.accounts] or [_EMPTY]
        return "\n\n".join(parts) + f"\n\nevent: {self.event_id}"

    def markdown(self) -> str:
        """Chat markdown (Apprise converts it to Slack mrkdwn, Discord, Teams, ...)."""
        parts = [_account_lines(n, chat, "**") for n in self.accounts] or [_EMPTY]
        return "\n\n".join(parts) + f"\n\nevent: {chat(self.event_id)}"

    def html(self) -> str:
        """An HTML body (email)."""
        blocks = [_account_html(n) for n in self.accounts] or [f"<p>{_EMPTY}</p>"]
        return "\n".join(blocks) + f"\n<p><small>event: {markup(self.event_id)}</small></p>"

    def to_json(self) -> dict[str, Any]:
        """The message as data (what ``pqa notify --dry-run --json`` shows)."""
        return {
            "channel": self.channel,
            "event": self.event,
            "event_id": self.event_id,
            "title": self.title(),
            "text": self.text(),
        }


_EMPTY = "Nothing new in the queue today."


def _headline(news: AccountNews, esc: Any) -> str:
    who = esc(news.name or news.account_id)
    domain = f" ({esc(news.domain)})" if news.domain else ""
    score = f", score {news.score:.1f}" if news.score is not None else ""
    return f"{LABELS[news.event]}: {who}{domain}{score}"


def _contact(c: Contact, esc: Any) -> str:
    about = ", ".join(x for x in (c.title, c.department) if x)
    parts = [esc(c.name) if c.name else "", esc(c.email), esc(about) if about else ""]
    return ", ".join(p for p in parts if p)


def _owner_line(news: AccountNews, esc: Any) -> str:
    if news.owner:
        return f"Owner: {esc(news.owner)}"
    return f"Owner: nobody yet ({esc(news.claim_command)})"


def _account_lines(news: AccountNews, esc: Any, bold: str) -> str:
    lines = [f"{bold}{_headline(news, esc)}{bold}"]
    lines += [f"- {esc(r)}" for r in news.reasons[:MAX_REASONS]]
    if news.buyers:
        lines += [f"Buyer: {_contact(c, esc)}" for c in news.buyers]
    else:
        lines.append("Buyer: none found yet")
    lines.append(_owner_line(news, esc))
    lines.append(f"Open: {esc(news.show_command)}")
    return "\n".join(lines)


def _account_html(news: AccountNews) -> str:
    reasons = "".join(f"<li>{markup(r)}</li>" for r in news.reasons[:MAX_REASONS])
    if news.buyers:
        buyers = "<br>".join(f"Buyer: {_contact(c, markup)}" for c in news.buyers)
    else:
        buyers = "Buyer: none found yet"
    return (
        f"<p><b>{_headline(news, markup)}</b></p>\n<ul>{reasons}</ul>\n"
        f"<p>{buyers}<br>{_owner_line(news, markup)}<br>"
        f"Open: <code>{markup(news.show_command)}</code></p>"
    )


def account_news(
    db: sqlite_utils.Database,
    config: Config,
    event: str,
    event_id: str,
    account_id: str,
    owner: str | None,
) -> AccountNews:
    """Read what a message says about one account: name, score, reasons and buyers (the
    buyer-persona members :func:`pqa_tui.contacts.account_contacts` lists, with an email)."""
    row = db.conn.execute(
        "select a.name, a.domain, s.score, s.reasons from (select 1) "
        "left join accounts a on a.account_id = :id left join scores s on s.account_id = :id",
        {"id": account_id},
    ).fetchone()
    name, domain, score, reasons = row
    return AccountNews(
        event=event,
        event_id=event_id,
        account_id=account_id,
        name=name,
        domain=domain,
        score=score,
        reasons=_loads(reasons, []),
        buyers=[c for c in account_contacts(db, config, account_id) if c.buyer and c.email],
        owner=owner,
    )


def _loads(text: str | None, empty: Any) -> Any:
    try:
        value = json.loads(text) if text else empty
    except ValueError:
        return empty
    return value if isinstance(value, type(empty)) else empty
