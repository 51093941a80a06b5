"""Every script in benchmarks/ runs end to end at its smallest size, so none rots unnoticed.

``benchmarks/score.py`` failed for weeks after schema v2 dropped ``events.day`` because nothing
ran it. These runs time nothing and assert no speed: each script runs as a person runs it (a
new process, from the repository's code), writes into ``tmp_path`` and must print its table.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "benchmarks"
FLOORS = ROOT.parent / "shared" / "bench"  # where the scripts look for the floors


def run(script: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``python benchmarks/SCRIPT ARGS --out TMP`` with this checkout's pqa_tui first."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PQA_LOAD_PLUGINS": ""}
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args, "--out", str(tmp_path / "out")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def needs_floor(name: str) -> None:
    if not (FLOORS / name).exists():
        pytest.skip(f"the floor {FLOORS / name} is not on this machine")


def test_every_script_has_a_smoke_run():
    scripts = {p.name for p in BENCHMARKS.glob("*.py")}
    tested = {"ingest.py", "ingest_sql_only.py", "score.py", "tui.py", "backtest.py", "scale.py"}
    assert scripts == tested, "a new benchmark needs a smoke run here"


def test_score(tmp_path):
    result = run(
        "score.py", "--events", "2000", "--accounts", "30", "--days", "60", "--repeat", "1",
        tmp_path=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Scoring benchmark as of 2026-03-31")
    one_x = next(line.split() for line in lines if line.startswith("1x"))
    assert one_x[3] == "30"  # every account scored
    assert any(line.startswith("doubling events: score_all") for line in lines)
    assert len(list((tmp_path / "out").glob("score-*.db"))) == 2


def test_backtest(tmp_path):
    result = run("backtest.py", "--accounts", "20", "--repeat", "1", tmp_path=tmp_path)
    # Exit 1 means the speed target was missed, which a smoke run does not judge; a crash
    # shows as a traceback.
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr
    assert "accounts          20" in result.stdout
    assert "PQAs current/alt" in result.stdout
    assert (tmp_path / "out" / "backtest-demo-20.db").exists()


def test_ingest(tmp_path):
    needs_floor("ingest_floor.py")
    result = run(
        "ingest.py", "--events", "2000", "--accounts", "20", "--skip-sqlite-utils",
        tmp_path=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "2,000 Segment track events" in result.stdout
    for contender in ("floor", "pqa ingest", "pqa ingest (again, all duplicates)"):
        assert any(line.startswith(contender + " ") for line in result.stdout.splitlines())


def test_scale(tmp_path):
    needs_floor("ingest_floor.py")
    result = run(
        "scale.py", "--events", "3000", "--floor-events", "2000", "--note-events", "3000",
        tmp_path=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for shape in ("sessions", "uniform", "export"):
        assert any(line.startswith(f"floor ratio, {shape}") for line in lines), shape
    assert any(line.startswith("engines, 3,000 events: default") for line in lines)
    assert any(line.startswith("scoring: 2,000 events") for line in lines)
    assert any(line.startswith("notes during a 3,000-event ingest") for line in lines)
    assert any("load average before" in line for line in lines)


def test_ingest_sql_only(tmp_path):
    needs_floor("ingest_floor.py")
    result = run("ingest_sql_only.py", "--events", "2000", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "floor (parsing included)" in result.stdout
    assert "SQL only: total" in result.stdout


def test_tui(tmp_path):
    needs_floor("tui_floor.py")
    result = run("tui.py", "--accounts", "200", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "accounts=200 pqas=40 all_view_rows=200" in result.stdout
    assert "ratios: per_key/floor=" in result.stdout
