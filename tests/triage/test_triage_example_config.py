"""The [triage] part of example.toml shows the real defaults, and its routing example works."""

from __future__ import annotations

from pathlib import Path

from pqa_tui.config import Config, RoutingRule, config_from_dict, load_config, tomllib

EXAMPLE = Path(__file__).resolve().parents[2] / "example.toml"


def test_example_triage_is_the_defaults():
    assert load_config(EXAMPLE, required=True).triage == Config().triage


def test_commented_routing_rules_load_when_uncommented():
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = lines.index("# [[triage.routing]]")
    block = []
    for line in lines[start:]:
        if not line.startswith("#"):
            break
        block.append(line.removeprefix("#").removeprefix(" "))
    config = config_from_dict(tomllib.loads("\n".join(block)))
    assert config.triage.routing == [
        RoutingRule(owner="ann", company_size_at_least=500),
        RoutingRule(owner="bob", domain_suffix=".edu"),
        RoutingRule(owner="bob", plan="team"),
    ]
