"""One broken plugin never takes the rest down: a plugin that fails to import, raises in a
hook, registers or returns the wrong type, raises in detect(), or hangs (time-boxed) is
reported by name and skipped, and every account is still scored by everything else."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date

import pytest
from reliability_data import segment_events

from pqa_tui.config import config_from_dict
from pqa_tui.ingest.pipeline import ingest_records
from pqa_tui.plugins import load_plugins
from pqa_tui.scoring import score_all

AS_OF = date(2026, 3, 6)
HEADER = """
from pqa_tui.detectors.base import Detector, Signal
from pqa_tui.hookspecs import hookimpl
"""
PLUGINS = {
    "fine": """
        class Fine(Detector):
            name = "fine"
            def detect(self, usage, options):
                return [Signal(at="2026-03-01", strength=1.0, reason="always fine")]
        @hookimpl
        def register_detectors(register):
            register(Fine())
    """,
    "fails_import": """
        import pqa_tui_module_that_does_not_exist
    """,
    "raises_in_hook": """
        @hookimpl
        def register_detectors(register):
            raise RuntimeError("licence server unreachable")
    """,
    "registers_nameless": """
        @hookimpl
        def register_detectors(register):
            register(object())
    """,
    "wrong_return": """
        class Dicts(Detector):
            name = "wrong_return"
            def detect(self, usage, options):
                return [{"strength": 1, "reason": "a dict is not a Signal"}]
        class NotIterable(Detector):
            name = "not_iterable"
            def detect(self, usage, options):
                return 42
        class TooStrong(Detector):
            name = "too_strong"
            def detect(self, usage, options):
                return [Signal(at="2026-03-01", strength=7, reason="out of range")]
        class BadTime(Detector):
            name = "bad_time"
            def detect(self, usage, options):
                return [Signal(at="last tuesday", strength=0.5, reason="no such time")]
        @hookimpl
        def register_detectors(register):
            for d in (Dicts(), NotIterable(), TooStrong(), BadTime()):
                register(d)
    """,
    "raises_in_detect": """
        class Boom(Detector):
            name = "boom"
            def detect(self, usage, options):
                raise KeyError(usage.account_id)
        @hookimpl
        def register_detectors(register):
            register(Boom())
    """,
    "hangs": """
        import threading
        RELEASE = threading.Event()
        CALLS = []
        class Hang(Detector):
            name = "hang"
            def detect(self, usage, options):
                CALLS.append(usage.account_id)
                RELEASE.wait()  # hangs until the test lets go
                return [Signal(at="2026-03-01", strength=1.0, reason="late")]
        @hookimpl
        def register_detectors(register):
            register(Hang())
    """,
}
LOAD_ERRORS = {"fails_import": "import", "raises_in_hook": "register_detectors",
               "registers_nameless": "register_detectors"}  # fmt: skip
DETECT_ERRORS = {
    "wrong_return": "TypeError: detect() yielded {'strength'",
    "not_iterable": "TypeError: 'int' object is not iterable",
    "too_strong": "ValueError: signal strength 7 is not within 0..1",
    "bad_time": "last tuesday",
    "boom": "KeyError",
    "hang": "TimeoutError: detect() ran for over 0.5 s",
}


def _write_plugins(folder, names) -> None:
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / f"{name}.py").write_text(HEADER + textwrap.dedent(PLUGINS[name]))


@pytest.fixture
def workspace(db):
    config = config_from_dict({"scoring": {"detector_timeout_seconds": 0.5}})
    ingest_records(db, config, segment_events(4_000, accounts=12), source="seed.ndjson")
    return db, config


def test_every_kind_of_broken_plugin_is_reported_and_the_rest_scores(
    workspace, tmp_path, monkeypatch, tally
):
    db, config = workspace
    folder = tmp_path / "plugins"
    _write_plugins(folder, PLUGINS)
    monkeypatch.setenv("PQA_LOAD_PLUGINS", ",".join(PLUGINS))
    plugins = load_plugins(folder)
    hangs = sys.modules["pqa_tui_plugin_hangs"]
    try:
        errors = {e.plugin: e for e in plugins.errors}
        assert {p: e.stage for p, e in errors.items()} == LOAD_ERRORS
        assert "pqa_tui_module_that_does_not_exist" in errors["fails_import"].error
        assert errors["raises_in_hook"].error == "RuntimeError: licence server unreachable"
        assert "has no string `name`" in errors["registers_nameless"].error

        started = time.monotonic()
        run = score_all(db, config, plugins, as_of=AS_OF)
        took = time.monotonic() - started
        assert took < 0.5 + 10  # the hang cost one time box, not one per account
        assert hangs.CALLS and len(hangs.CALLS) == 1  # given up on after its first account

        failures = {f.detector: f for f in run.failures}
        assert set(failures) == set(DETECT_ERRORS)
        for name, expected in DETECT_ERRORS.items():
            assert expected in failures[name].error, (name, failures[name].error)
            assert failures[name].accounts == run.accounts  # reported for every account
        assert failures["hang"].plugin == "hangs" and failures["boom"].plugin == "raises_in_detect"

        # Everything else was scored, for every account.
        scored = db.conn.execute("select count(*) from scores").fetchone()[0]
        assert scored == run.accounts == 12
        fired = {
            d: n
            for d, n in db.conn.execute(
                "select detector, count(distinct account_id) from signals group by detector"
            )
        }
        assert fired.get("fine") == 12
        assert not set(fired) & set(DETECT_ERRORS)
        assert set(fired) - {"fine"}, "built-in detectors fired too"
    finally:
        hangs.RELEASE.set()  # let the abandoned thread finish: it must change nothing
    time.sleep(0.3)
    assert db.conn.execute("select count(*) from signals where detector = 'hang'").fetchone() == (
        0,
    )
    tally.add("plugins", "broken plugins tried", len(PLUGINS) - 1 + 3)  # 4 wrong-return kinds
    tally.add("plugins", "accounts scored around them", run.accounts)


BUSY = """
class Spin(Detector):
    name = "spin"
    def detect(self, usage, options):
        while True:  # a busy hang: holds the GIL in slices, never returns
            pass
@hookimpl
def register_detectors(register):
    register(Spin())
"""


def test_pqa_score_survives_a_busy_looping_detector(workspace, db_path, tmp_path, tally):
    """The real command in its own process: it reports the plugin by name and exits."""
    db, _ = workspace
    db.close()
    folder = tmp_path / "plugins"
    _write_plugins(folder, ["fine", "fails_import"])
    (folder / "spin.py").write_text(HEADER + BUSY)
    config = tmp_path / "pqa.toml"
    config.write_text(f'plugins_dir = "{folder}"\n[scoring]\ndetector_timeout_seconds = 1.0\n')
    env = {"PQA_LOAD_PLUGINS": "fine,fails_import,spin"}
    cmd = [sys.executable, "-m", "pqa_tui", "--db", str(db_path), "--config", str(config)]
    started = time.monotonic()
    proc = subprocess.run(
        [*cmd, "score", "--as-of", AS_OF.isoformat()],
        capture_output=True, text=True, timeout=60, env={**_base_env(), **env},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - started < 30
    out = " ".join(proc.stdout.split())
    assert "Scored 12 accounts" in out
    assert "Error: detector spin (plugin spin) failed on 12 account(s)" in out
    assert "TimeoutError: detect() ran for over 1 s" in out
    assert "fails_import" in proc.stderr and "failed in import" in proc.stderr

    listed = subprocess.run(
        [*cmd, "plugins", "--json"], capture_output=True, text=True, timeout=60,
        env={**_base_env(), **env},
    )  # fmt: skip
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert rows["fails_import"]["error"].startswith("import: ModuleNotFoundError")
    assert rows["spin"]["detectors"] == ["spin"] and rows["fine"]["detectors"] == ["fine"]
    tally.add("plugins", "broken plugins tried")


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "PQA_LOAD_PLUGINS"}


def test_time_box_costs_nothing_for_a_detector_that_answers(workspace, tmp_path, monkeypatch):
    """A slow but finishing detector (under the box) is not given up on."""
    db, config = workspace
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "slow.py").write_text(
        HEADER
        + textwrap.dedent("""
        import time
        class Slow(Detector):
            name = "slow"
            def detect(self, usage, options):
                time.sleep(0.02)
                return [Signal(at="2026-03-01", strength=1.0, reason="slow but sure")]
        @hookimpl
        def register_detectors(register):
            register(Slow())
        """)
    )
    monkeypatch.setenv("PQA_LOAD_PLUGINS", "slow")
    run = score_all(db, config, load_plugins(folder), as_of=AS_OF)
    assert not run.failures
    assert db.conn.execute("select count(*) from signals where detector = 'slow'").fetchone() == (
        12,
    )
    assert not [t for t in threading.enumerate() if t.name == "pqa-scoring"]
