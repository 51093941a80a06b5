"""`pqa notify` and `pqa plugins` through the CLI: JSON, exit codes, ${VAR}, plugin notifiers,
and events queued by `pqa score` itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from notify_data import config_with, outbox_rows, surface
from servers import free_port
from typer.testing import CliRunner

from pqa_tui.cli import app
from pqa_tui.config import ConfigError, config_from_dict
from pqa_tui.testing import AccountBuilder

CRM_PLUGIN = """
import json
from pathlib import Path

from pqa_tui.hookspecs import hookimpl


class CrmTasks:
    name = "crm_tasks"
    schemes = ("crmtask",)

    def send(self, url, message):
        folder = Path(url.split("://", 1)[1])
        if not folder.is_dir():
            raise RuntimeError(f"no such folder {folder}")
        for news in message.accounts:
            task = {"account": news.account_id, "event_id": news.event_id, "owner": news.owner,
                    "buyers": [b.email for b in news.buyers]}
            (folder / (news.event_id.replace(":", "-") + ".json")).write_text(json.dumps(task))


@hookimpl
def register_notifiers(register):
    register(CrmTasks())
"""


def invoke(tmp_path, db_path, config_text: str, *args: str, env: dict | None = None):
    config_file = tmp_path / "pqa.toml"
    config_file.write_text(config_text)
    base = ["--db", str(db_path), "--config", str(config_file)]
    return CliRunner().invoke(app, [*base, *args], env=env)


def channel_toml(name: str, url: str, extra: str = "") -> str:
    return f'[[notify.channels]]\nname = "{name}"\nurl = "{url}"\n{extra}\n'


def test_json_shape_and_exit_1_when_a_message_failed(db, db_path, tmp_path, webhook):
    text = channel_toml("sales", webhook.url()) + channel_toml(
        "ops", f"json://127.0.0.1:{free_port()}/x"
    )
    config = config_from_dict({"notify": {"channels": [
        {"name": "sales", "url": webhook.url()}, {"name": "ops", "url": "json://x"}]}})  # fmt: skip
    surface(db, config, "acme", now=datetime.now(UTC))

    result = invoke(tmp_path, db_path, text, "notify", "--json")

    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert set(data) == {"sent", "failed", "pending", "messages"}
    assert (data["sent"], data["failed"], data["pending"]) == (1, 1, 1)
    sent, failed = sorted(data["messages"], key=lambda m: m["status"], reverse=True)
    assert sent == {"channel": "sales", "account": "acme", "event": "new", "status": "sent",
                    "error": None}  # fmt: skip
    assert (failed["channel"], failed["status"]) == ("ops", "failed") and failed["error"]

    again = invoke(tmp_path, db_path, text, "notify")
    assert again.exit_code == 1  # ops is still down
    assert "0 sent, 1 failed, 1 pending" in again.stdout


def test_dry_run_prints_the_messages_and_records_nothing(db, db_path, tmp_path, webhook):
    text = channel_toml("sales", webhook.url())
    surface(db, config_with({"name": "sales", "url": "json://x"}), "acme", now=datetime.now(UTC))

    result = invoke(tmp_path, db_path, text, "notify", "--dry-run")

    assert result.exit_code == 0, result.output
    assert "--- to sales (new:1): New PQA: Acme" in result.stdout
    assert "Buyer: Dana Boss, dana@acme.io, vp" in result.stdout
    assert "1 message(s) would be sent; nothing was sent or recorded." in result.stdout
    assert webhook.received == [] and outbox_rows(db)[0]["status"] == "pending"


def test_url_variables_come_from_the_environment(db, db_path, tmp_path, webhook):
    text = channel_toml("sales", "json://127.0.0.1:${HOOK_PORT}/${HOOK_PATH}")
    surface(db, config_with({"name": "sales", "url": "json://x"}), "acme", now=datetime.now(UTC))

    missing = invoke(tmp_path, db_path, text, "notify", "--json", env={"HOOK_PORT": None})
    assert missing.exit_code == 1
    (message,) = json.loads(missing.stdout)["messages"]
    assert "environment variable HOOK_PORT is not set" in message["error"]

    env = {"HOOK_PORT": str(webhook.port), "HOOK_PATH": "secret-path"}
    sent = invoke(tmp_path, db_path, text, "notify", env=env)
    assert sent.exit_code == 0, sent.output
    assert [r.path for r in webhook.received] == ["/secret-path"]


def test_a_plugin_notifier_gets_its_scheme_and_pqa_plugins_lists_it(db, db_path, tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "crm_tasks.py").write_text(CRM_PLUGIN)
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    text = channel_toml("crm", f"crmtask://{tasks}") + channel_toml(
        "broken", "crmtask://${TASKS}/missing"
    )
    config = config_with({"name": "crm", "url": "x://"}, {"name": "broken", "url": "x://"})
    surface(db, config, "acme", now=datetime.now(UTC))
    env = {"PQA_LOAD_PLUGINS": "crm_tasks", "TASKS": "/very/secret"}

    result = invoke(tmp_path, db_path, text, "notify", "--json", env=env)

    assert result.exit_code == 1
    by_channel = {m["channel"]: m for m in json.loads(result.stdout)["messages"]}
    assert by_channel["crm"]["status"] == "sent"
    task = json.loads((tasks / "new-1.json").read_text())
    assert task == {"account": "acme", "event_id": "new:1", "owner": None,
                    "buyers": ["dana@acme.io"]}  # fmt: skip
    error = by_channel["broken"]["error"]
    assert error == "crm_tasks: no such folder ***/missing"  # the secret is redacted
    assert "/very/secret" not in result.stdout

    listed = invoke(tmp_path, db_path, text, "plugins", env=env)
    assert "notifiers: crm_tasks" in listed.stdout and "notifiers: apprise" in listed.stdout
    rows = json.loads(invoke(tmp_path, db_path, text, "plugins", "--json", env=env).stdout)
    assert {r["name"]: r["notifiers"] for r in rows if r["notifiers"]} == {
        "pqa_tui.notify.apprise_notifier": ["apprise"],
        "crm_tasks": ["crm_tasks"],
    }


def test_pqa_score_queues_each_new_moment_once_per_listening_channel(db, db_path, tmp_path):
    AccountBuilder(db, account_id="shop", domain="shop.io").active(
        9, "2026-03-01", "2026-03-30"
    ).save()
    text = (
        "[scoring]\nexclude_domains = []\nthreshold = 1\nrequire_intent = false\n"
        + channel_toml("sales", "json://127.0.0.1/x")
        + channel_toml("returns-only", "json://127.0.0.1/y", 'on = ["back"]')
    )
    for _ in range(2):
        result = invoke(tmp_path, db_path, text, "score", "--as-of", "2026-03-31")
        assert result.exit_code == 0, result.output
    ((moment_id,),) = db.conn.execute("select id from pqa_moments").fetchall()
    assert [(r["event_id"], r["channel"], r["status"]) for r in outbox_rows(db)] == [
        (f"new:{moment_id}", "sales", "pending")
    ]


@pytest.mark.parametrize(
    ("channels", "key", "words"),
    [
        ([{"name": "a", "url": "json://x", "on": ["nwe"]}], "notify.channels[0].on", "'nwe'"),
        ([{"name": "a", "url": "json://x"}, {"name": "a", "url": "json://y"}],
         "notify.channels[1].name", "used twice"),
        ([{"name": "a"}], "notify.channels[0].url", "Apprise URL"),
        ([{"url": "json://x"}], "notify.channels[0].name", "expected a name"),
        ([{"name": "a", "url": "json://x", "digest": "yes"}], "notify.channels[0].digest",
         "true or false"),
    ],
)  # fmt: skip
def test_a_wrong_channel_table_is_named_in_the_error(channels, key, words):
    with pytest.raises(ConfigError) as raised:
        config_from_dict({"notify": {"channels": channels}})
    assert raised.value.key == key and words in str(raised.value)
