"""End to end through the CLI: ingest a Segment file, score, then queue, show and config check."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from pqa_tui.cli import app

END = date(2026, 3, 31)


def _segment_file(path):
    """Acme: 9 active users, a VP, pricing views. Tiny: one user. Evil: markup in its name,
    8 users and pricing views (intent, so it is a PQA under scoring.require_intent)."""
    calls = []

    def add(**call):
        calls.append({"messageId": f"m{len(calls)}", **call})

    accounts = {
        "acme": ("Acme Corp", "acme.io", 9),
        "tiny": ("Tiny", "tiny.io", 1),
        "evil": ("[bold red]Evil[/] \x1b[31mCo", "evil.io", 8),
    }
    for account, (name, domain, n_users) in accounts.items():
        add(type="group", groupId=account, userId=f"{account}-u1",
            traits={"name": name, "domain": domain, "plan": "free"},
            timestamp="2026-01-05T09:00:00Z")  # fmt: skip
        for i in range(1, n_users + 1):
            user = f"{account}-u{i}"
            traits = {"email": f"{user}@{domain}"}
            if account == "acme" and i == 2:
                traits.update(seniority="VP", department="Finance")
            add(type="identify", userId=user, traits=traits, timestamp="2026-01-05T09:00:00Z")
            for back in range(0, 20, 3):
                day = END - timedelta(days=back)
                add(type="track", userId=user, event="Document Created",
                    context={"groupId": account}, timestamp=f"{day}T10:00:00Z")  # fmt: skip
    for back in (1, 2):
        day = END - timedelta(days=back)
        add(type="page", userId="acme-u2", name="Pricing", context={"groupId": "acme"},
            properties={"path": "/pricing"}, timestamp=f"{day}T11:00:00Z")  # fmt: skip
        add(type="page", userId="evil-u1", name="Pricing", context={"groupId": "evil"},
            properties={"path": "/pricing"}, timestamp=f"{day}T11:00:00Z")  # fmt: skip
    path.write_text("\n".join(json.dumps(c) for c in calls) + "\n")


@pytest.fixture
def cli(tmp_path):
    runner = CliRunner()
    base = ["--db", str(tmp_path / "pqa.db"), "--config", str(tmp_path / "pqa.toml")]
    (tmp_path / "pqa.toml").write_text("[scoring]\nexclude_domains = []\n")

    def run(*args, code=0):
        result = runner.invoke(app, [*base, *args])
        assert result.exit_code == code, result.output
        return result

    return run


def test_ingest_score_queue_show(cli, tmp_path):
    _segment_file(tmp_path / "events.ndjson")
    cli("ingest", str(tmp_path / "events.ndjson"))
    scored = cli("score", "--as-of", END.isoformat())
    assert "New PQAs (2):" in scored.stdout
    assert "Acme Corp" in scored.stdout

    queue = json.loads(cli("queue", "--json").stdout)
    assert [row["account"] for row in queue] == ["acme", "evil"]
    acme = queue[0]
    assert acme["score"] >= 10 and acme["qualified"] is True
    assert "9 active users in the last 28 days (bar: 7)" in acme["reasons"]
    assert any(r.startswith("buyer in the account: acme-u2@acme.io (VP") for r in acme["reasons"])
    assert json.loads(cli("queue", "--json", "--limit", "1").stdout)[0]["account"] == "acme"

    shown = json.loads(cli("show", "acme.io", "--json").stdout)
    assert shown["account"] == "acme" and shown["qualified"] is True
    detectors = {s["detector"]: s for s in shown["signals"]}
    assert {"seat_count", "buyer_persona", "pricing_views", "usage_volume"} <= set(detectors)
    seat = detectors["seat_count"]
    assert seat["reason"] == "9 active users in the last 28 days (bar: 7)"
    assert seat["points"] == pytest.approx(seat["strength"] * seat["weight"] * seat["decay"])
    assert len(seat["evidence"]["users"]) == 9
    assert shown["score"] == pytest.approx(sum(s["points"] for s in shown["signals"]))
    assert [m["ended_at"] for m in shown["pqa_moments"]] == [None]
    assert len(shown["users"]) == 9

    text = cli("show", "Acme Corp").stdout
    assert "score" in text and "seat_count" in text and "PQA moment 2026-03-31" in text

    # Tiny is scored but not in the queue; scoring again the same day changes nothing.
    assert "No changes." in cli("score", "--as-of", END.isoformat()).stdout
    tiny = json.loads(cli("show", "tiny", "--json").stdout)
    assert tiny["qualified"] is False and tiny["score"] < 10


def test_untrusted_names_are_printed_inert(cli, tmp_path):
    _segment_file(tmp_path / "events.ndjson")
    cli("ingest", str(tmp_path / "events.ndjson"))
    cli("score", "--as-of", END.isoformat())
    out = cli("queue").stdout
    assert "[bold red]Evil[/]" in out  # markup shown as typed, not interpreted
    assert "\x1b" not in out and "\\x1b[31mCo" in out


def test_show_unknown_and_ambiguous(cli, tmp_path):
    _segment_file(tmp_path / "events.ndjson")
    cli("ingest", str(tmp_path / "events.ndjson"))
    assert "no account matches 'nope'" in cli("show", "nope", code=1).output
    ambiguous = cli("show", "io", code=1).output
    assert "'io' matches 3 accounts: acme (Acme Corp, acme.io);" in ambiguous
    assert "\x1b" not in ambiguous


def test_config_check(cli, tmp_path):
    assert cli("config", "check").stdout.startswith(f"OK: {tmp_path / 'pqa.toml'}")
    (tmp_path / "pqa.toml").write_text("[detectors.seat_count]\nwindow_days = -7\n")
    result = cli("config", "check", code=2)
    assert f"{tmp_path / 'pqa.toml'}: detectors.seat_count.window_days: expected a window" in (
        result.output
    )
    (tmp_path / "pqa.toml").write_text("[detectors.seats]\nmin_users = 3\n")
    assert "detectors.seats: unknown detector" in cli("config", "check", code=2).output
    (tmp_path / "pqa.toml").write_text("[scoring]\nthreshold = 'high'\n")
    assert "scoring.threshold: expected a number" in cli("config", "check", code=2).output


def test_score_reports_a_bad_as_of(cli):
    assert "not a date" in cli("score", "--as-of", "31/03/2026", code=2).output


def test_score_reports_a_raising_plugin_detector_and_still_scores(cli, tmp_path, monkeypatch):
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "flaky.py").write_text(
        "from pqa_tui.detectors.base import Detector\n"
        "from pqa_tui.hookspecs import hookimpl\n\n"
        "class Flaky(Detector):\n"
        "    name = 'flaky'\n\n"
        "    def detect(self, usage, options):\n"
        "        if usage.account_id == 'tiny':\n"
        "            raise KeyError('plan')\n"
        "        return []\n\n"
        "@hookimpl\n"
        "def register_detectors(register):\n"
        "    register(Flaky())\n"
    )
    (tmp_path / "pqa.toml").write_text('plugins_dir = "plugins"\n[scoring]\nexclude_domains = []\n')
    monkeypatch.setenv("PQA_LOAD_PLUGINS", "flaky")
    _segment_file(tmp_path / "events.ndjson")
    cli("ingest", str(tmp_path / "events.ndjson"))
    out = cli("score", "--as-of", END.isoformat()).stdout
    assert "Error: detector flaky (plugin flaky) failed on 1 account(s), e.g. tiny: KeyError" in (
        out
    )
    assert "New PQAs (2):" in out
    summary = json.loads(cli("score", "--as-of", END.isoformat(), "--json").stdout)
    assert summary["errors"][0]["detector"] == "flaky"
    assert summary["errors"][0]["accounts"] == 1


def test_score_refuses_a_bad_detector_table(cli, tmp_path):
    (tmp_path / "pqa.toml").write_text("[detectors.velocity]\nmin_growth = 'fast'\n")
    out = cli("score", code=2).output
    assert "pqa.toml: detectors.velocity.min_growth: expected a number (default 0.5)" in out


def test_queue_sort_reverse_and_search(cli, tmp_path):
    _segment_file(tmp_path / "events.ndjson")
    cli("ingest", str(tmp_path / "events.ndjson"))
    cli("score", "--as-of", END.isoformat())

    def accounts(*args):
        return [row["account"] for row in json.loads(cli("queue", "--json", *args).stdout)]

    by_score = accounts()
    assert by_score == ["acme", "evil"]
    assert accounts("--reverse") == by_score[::-1]
    # Names sort A to Z: "Acme Corp" before "[bold red]Evil..." ("A" < "[").
    assert accounts("--sort", "name") == ["acme", "evil"]
    assert accounts("--sort", "name", "--reverse") == ["evil", "acme"]
    assert accounts("--search", "acme.io") == ["acme"]
    refused = cli("queue", "--sort", "bogus", code=2)
    assert "--sort 'bogus' is not a sort" in refused.output and "active_users" in refused.output
