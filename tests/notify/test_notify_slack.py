"""Slack itself: Apprise's slack:// plugin posting to a local stand-in for hooks.slack.com.

Apprise passes ``<!channel>`` and ``<https://...|text>`` through a markdown body untouched, so
this is where an unescaped account name would ping a whole workspace.
"""

from __future__ import annotations

import re
import shutil

import pytest
from notify_data import NOW, config_with, surface
from servers import SlackStandIn

from pqa_tui.notify.delivery import notify
from pqa_tui.plugins import load_plugins

SLACK_URL = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7?verify=no"


@pytest.fixture
def slack(tmp_path, monkeypatch):
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate for the stand-in")
    server = SlackStandIn(tmp_path)
    monkeypatch.setenv("HTTPS_PROXY", server.proxy)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    yield server
    server.close()


# verify=no: the stand-in's certificate is self-signed, made for this test.
@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_slack_gets_mrkdwn_with_no_live_mention_or_link(db, slack):
    config = config_with({"name": "slack", "url": SLACK_URL})
    surface(
        db,
        config,
        "evil",
        name="Evil <!channel> @here",
        reasons=["see <https://evil.example|click> now", "`<!here>` and \\<!everyone>"],
        buyer=("Mal <@U0123>", "mal@evil.example", "vp"),
    )

    run = notify(db, config, load_plugins(None, entry_points_too=False).notifiers, now=NOW)

    assert run.sent == 1, run.to_json()
    assert slack.tunnels == ["hooks.slack.com:443"]
    (got,) = slack.received
    assert got.path == "/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"
    attachment = got.body["attachments"][0]
    assert got.body["mrkdwn"] is True
    text, title = attachment["text"], attachment["title"]
    # Slack reads <...> as a mention, a channel ping or a link: none may be left, in any field.
    assert "<" not in text and ">" not in text.replace("&gt;", "")
    assert "<" not in title
    assert "&lt;!\u2060channel&gt;" in text and "&lt;https://evil.example|click&gt;" in text
    assert "@here" not in text and "@here" not in title
    assert "*New PQA: Evil" in text  # bold headline: the markdown was converted, not dropped
    assert re.search(r"mal@evil\.example", text)
