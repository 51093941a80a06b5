"""`pqa score` hands new PQAs to triage: routing rules pre-assign them, due returns are logged."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from pqa_tui import triage
from pqa_tui.cli import app
from pqa_tui.config import Config
from pqa_tui.testing import AccountBuilder

CONFIG = """
[scoring]
exclude_domains = []
threshold = 1
require_intent = false  # any signal makes a PQA here: these tests are about routing

[triage]
team = ["ann", "bob"]

[[triage.routing]]
owner = "edu-desk"
domain_suffix = ".edu"
"""


def test_score_routes_new_pqas(db, db_path, tmp_path):
    for account_id, domain in (("uni", "cs.state.edu"), ("shop", "shop.io")):
        builder = AccountBuilder(db, account_id=account_id, name=account_id, domain=domain)
        builder.active(9, "2026-03-01", "2026-03-30").save()
    (tmp_path / "pqa.toml").write_text(CONFIG)
    base = ["--db", str(db_path), "--config", str(tmp_path / "pqa.toml")]

    result = CliRunner().invoke(app, [*base, "score", "--as-of", "2026-03-31"])
    assert result.exit_code == 0, result.output
    assert "Routed 1 new PQA(s) to edu-desk." in result.stdout

    live = {a: triage.live_state(db, Config(), a) for a in ("uni", "shop")}
    assert (live["uni"].state, live["uni"].owner) == ("new", "edu-desk")
    assert (live["shop"].state, live["shop"].owner) == ("new", None)
    mine = CliRunner().invoke(app, [*base, "--as", "edu-desk", "queue", "--mine", "--json"])
    assert [r["account"] for r in json.loads(mine.stdout)] == ["uni"]

    again = CliRunner().invoke(app, [*base, "score", "--as-of", "2026-03-31"])
    assert "Routed" not in again.stdout  # routed once
    assert [a["action"] for a in triage.history(db, "uni")] == ["route"]
