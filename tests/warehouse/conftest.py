"""Fixtures for the warehouse path: demo events as Segment NDJSON, the default ingest of them,
and a real PostgreSQL server (``PQA_TEST_POSTGRES_DSN``, else a throwaway one)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from pqa_tui.config import Config
from pqa_tui.demo.event_files import write_event_file
from pqa_tui.ingest.pipeline import ingest_paths
from pqa_tui.plugins import load_plugins
from pqa_tui.store import open_db

EVENTS = 6_000
ACCOUNTS = 24


@pytest.fixture(scope="session")
def segment_file(tmp_path_factory) -> Path:
    """Demo events written as Segment NDJSON (small: the proof is the sameness)."""
    path = tmp_path_factory.mktemp("events") / "segment.ndjson"
    write_event_file(path, events=EVENTS, accounts=ACCOUNTS, seed=7)
    return path


@pytest.fixture(scope="session")
def default_db(segment_file, tmp_path_factory):
    """The workspace the default (event) ingest makes of ``segment_file``."""
    db = open_db(tmp_path_factory.mktemp("default") / "pqa.db")
    ingest_paths(db, Config(), load_plugins(entry_points_too=False), [segment_file])
    yield db
    db.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _binary(name: str) -> str | None:
    found = shutil.which(name) or (
        f"/usr/local/bin/{name}" if os.path.exists(f"/usr/local/bin/{name}") else None
    )
    return found


@pytest.fixture(scope="session")
def postgres_dsn():
    """A DSN of a PostgreSQL server: .ci/run's, or one started here and stopped after."""
    dsn = os.environ.get("PQA_TEST_POSTGRES_DSN")
    if dsn:
        yield dsn
        return
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("no PQA_TEST_POSTGRES_DSN and no initdb/pg_ctl to start a PostgreSQL")
    # PostgreSQL refuses to run as root: as root, run it as the postgres user.
    as_user: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        as_user = ["runuser", "-u", "postgres", "--"]
    folder = tempfile.mkdtemp(prefix="pqa-pg-")
    if as_user:
        shutil.chown(folder, "postgres")
    data = os.path.join(folder, "data")
    port = _free_port()
    run = {"check": True, "capture_output": True}
    try:
        subprocess.run([*as_user, initdb, "-D", data, "-A", "trust", "-U", "postgres"], **run)
        subprocess.run(
            [*as_user, pg_ctl, "-D", data, "-l", os.path.join(folder, "log"), "-w", "-o",
             f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start"],
            **run,
        )  # fmt: skip
    except (subprocess.CalledProcessError, OSError) as e:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"could not start PostgreSQL: {e}")
    try:
        yield f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", data, "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
