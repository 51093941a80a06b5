"""Untrusted text stays text in every message: no pings, no links, no headers, no markup.

Each case goes through the real path: Apprise to a local server (webhook, Mattermost's
Slack-format webhook, SMTP), and the test reads what the server received.
"""

from __future__ import annotations

import re

from notify_data import NOW, config_with, surface

from pqa_tui.notify.delivery import notify
from pqa_tui.notify.messages import AccountNews, Message, chat
from pqa_tui.plugins import load_plugins

PING = "<!channel> @here @everyone"
LINK = "<https://evil.example|click> [click](https://evil.example)"
MARKUP = "<script>alert(1)</script><b>bold</b>"


def notifiers():
    return load_plugins(None, entry_points_too=False).notifiers


def hostile(db, config, **overrides):
    surface(
        db,
        config,
        "evil",
        name=overrides.get("name", f"Evil {PING}"),
        domain=overrides.get("domain", "evil.example"),
        reasons=[f"reason {LINK}", f"reason {MARKUP}"],
        buyer=("Mal <!here>", "mal@evil.example", "vp"),
    )


def test_slack_format_messages_cannot_ping_or_make_links(db, webhook):
    """Mattermost takes Slack-format webhooks: the text must hold no live mention or link."""
    config = config_with({"name": "chat", "url": webhook.url("mmost", "token")})
    hostile(db, config)

    assert notify(db, config, notifiers(), now=NOW).sent == 1

    (got,) = webhook.received
    assert got.path == "/hooks/token"
    text = got.body["text"]
    # Markdown reads a backslashed character literally: once those are taken out, no <, >, [
    # or ] is left to open a mention or a link.
    unescaped = re.sub(r"\\.", "", text, flags=re.S)
    assert not set("<>[]") & set(unescaped)
    assert "@here" not in text and "@everyone" not in text
    assert "@\u2060here" in text and "@\u2060everyone" in text  # still readable
    assert "\\<!\u2060channel\\>" in text  # shown as <!channel>, escaped as markdown
    assert "\\[click\\](https://evil.example)" in text
    assert "mal@evil.example" in text  # an email address is left alone


def test_the_slack_escaping_keeps_every_trick_literal():
    """What chat() writes for Slack: Apprise turns ``\\<`` into ``&lt;`` (no raw ``<`` left)."""
    for trick, escaped in (
        ("<!channel>", "\\<!\u2060channel\\>"),
        ("<https://evil|click>", "\\<https://evil|click\\>"),
        ("\\<!here>", "\\\\\\<!\u2060here\\>"),
        ("`<!here>`", "\\`\\<!\u2060here\\>\\`"),
        ("[click](https://evil)", "\\[click\\](https://evil)"),
        ("@here", "@\u2060here"),
        ("x@acme.io", "x@acme.io"),
        ("a\nb", "a\u23ceb"),
    ):
        assert chat(trick) == escaped


def test_json_webhooks_get_plain_text_without_pings(db, webhook):
    config = config_with({"name": "hook", "url": webhook.url()})
    hostile(db, config)
    notify(db, config, notifiers(), now=NOW)
    (got,) = webhook.received
    assert "@here" not in got.body["message"] and "@\u2060here" in got.body["message"]
    assert "<https://evil.example|click>" in got.body["message"]  # plain text stays as written
    assert "\n" not in got.body["title"] and "<" not in got.body["title"]


def test_an_email_subject_cannot_gain_headers_and_html_is_escaped(db, smtp):
    config = config_with({"name": "mail", "url": smtp.url()})
    hostile(db, config, name="Evil\r\nBcc: victim@example.com\r\nX-Evil: 1")

    run = notify(db, config, notifiers(), now=NOW)

    assert run.sent == 1, run.to_json()
    ((recipients, message),) = smtp.messages
    assert recipients == ["sales@example.com"]
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert "\n" not in message["Subject"] and "Evil" in message["Subject"]
    html_part = message.get_body(("html",)).get_content()
    assert "<script>" not in html_part and "&lt;script&gt;" in html_part
    assert "<b>bold</b>" not in html_part
    assert "Mal &lt;!\u2060here&gt;" in html_part
    assert "mal@evil.example" in html_part


def test_every_renderer_keeps_control_characters_visible():
    news = AccountNews("new", "new:1", "a\x1b[31m", "Name\x1b]0;pwned\x07", None, 1.0)
    message = Message("c", "new", ("new:1",), (news,))
    for body in (message.text(), message.markdown(), message.html(), message.title()):
        assert "\x1b" not in body and "\x07" not in body
