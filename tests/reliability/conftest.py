"""Reliability suite: bounded by default, longer with ``--long``; counts for docs/reliability.md.

Every test adds what it tried to the session's :class:`Tally` (records fuzzed, kills survived,
writes kept, strings tried). At the end the tally is printed and written as JSON to
``<pytest basetemp>/reliability-counts.json`` (or ``--counts-json PATH``), which is where the
numbers in docs/reliability.md come from.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pytest

TALLY_KEY = pytest.StashKey["Tally"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("reliability")
    group.addoption(
        "--long",
        action="store_true",
        default=False,
        help="Run the reliability suite longer: more fuzzed records, kills and events.",
    )
    group.addoption(
        "--counts-json",
        default=None,
        help="Also write the reliability counts to this JSON file.",
    )


class Tally:
    """Counts per promise, e.g. ``tally.add("fuzz", "records", 500)``."""

    def __init__(self, basetemp: Path) -> None:
        self.basetemp = basetemp
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, promise: str, what: str, n: int = 1) -> None:
        self.counts[promise][what] += n

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {p: dict(sorted(c.items())) for p, c in sorted(self.counts.items())}


def _long(config: pytest.Config) -> bool:
    # getoption with a default: when the whole tree is collected from the root, this conftest
    # is not an initial one and --long is unknown; PQA_LONG=1 works from anywhere.
    return bool(config.getoption("--long", default=False)) or os.environ.get("PQA_LONG") == "1"


@pytest.fixture(scope="session")
def long_run(pytestconfig: pytest.Config) -> bool:
    return _long(pytestconfig)


@pytest.fixture(scope="session")
def pick(long_run: bool):
    """``pick(short, long)``: the bounded value for CI, the longer one under ``--long``."""
    return lambda short, long: long if long_run else short


@pytest.fixture(scope="session")
def tally(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Tally:
    if TALLY_KEY not in pytestconfig.stash:
        pytestconfig.stash[TALLY_KEY] = Tally(tmp_path_factory.getbasetemp())
    return pytestconfig.stash[TALLY_KEY]


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    tally = config.stash.get(TALLY_KEY, None)
    if tally is None:
        return
    data = {"long": _long(config), "exitstatus": int(exitstatus), "counts": tally.as_dict()}
    text = json.dumps(data, indent=2)
    paths = [tally.basetemp / "reliability-counts.json"]
    if config.getoption("--counts-json", default=None):
        paths.append(Path(config.getoption("--counts-json")))
    for path in paths:
        path.write_text(text + "\n", encoding="utf-8")
    terminalreporter.section("reliability counts")
    for promise, counts in data["counts"].items():
        line = ", ".join(f"{what}={n:,}" for what, n in counts.items())
        terminalreporter.write_line(f"{promise}: {line}")
    terminalreporter.write_line(f"written to {', '.join(str(p) for p in paths)}")
