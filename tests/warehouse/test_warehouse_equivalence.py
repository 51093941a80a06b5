"""The proof: event ingest, `--engine duckdb`, the DuckDB SQL by hand and the Postgres SQL on a
real server all give the same rollups row for row, and the same queue."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
import sqlglot
from typer.testing import CliRunner

from pqa_tui.cli import app
from pqa_tui.config import Config
from pqa_tui.plugins import load_plugins
from pqa_tui.scoring import score_all
from pqa_tui.store import open_db
from pqa_tui.warehouse.engine import connect, segment_tables
from pqa_tui.warehouse.sources import SOURCES
from pqa_tui.warehouse.sql import DIALECTS, statements

runner = CliRunner()


def last_day(db) -> date:
    (day,) = db.conn.execute("select max(day) from rollups where metric = 'events'").fetchone()
    return date.fromisoformat(day)


# Every table scoring reads, as comparable rows (traits JSON aside: the event ingest keeps
# every trait a call sent, the warehouse path the ones scoring reads).
QUERIES = {
    "rollups": "select account_id, day, metric, round(value, 6) from rollups order by 1, 2, 3",
    "user_days": "select account_id, day, user_id from user_days order by 1, 2, 3",
    "users": "select user_id, email, name, role, seniority, department, company_size, "
    "use_case, created_at, first_seen, last_seen, json_extract(traits, '$.title') "
    "from users order by 1",
    "accounts": "select account_id, name, domain, plan, created_at, first_seen, last_seen "
    "from accounts order by 1",
    "memberships": "select user_id, account_id, first_seen, last_seen from memberships "
    "order by 1, 2",
    "trait_changes": "select entity, entity_id, account_id, trait, old_value, new_value, ts "
    "from trait_changes order by 1, 2, 7",
    "conversions": "select account_id, at, outcome, source, detail from outcomes order by 1, 2",
}


def tables(db) -> dict[str, list[tuple]]:
    return {name: db.conn.execute(sql).fetchall() for name, sql in QUERIES.items()}


def queue(db, as_of) -> list[tuple]:
    """Score as of ``as_of``: accounts, scores to 0.01, qualified, gate and reasons."""
    score_all(db, Config(), load_plugins(entry_points_too=False), as_of=as_of)
    return db.conn.execute(
        "select account_id, round(score, 2), qualified, gate, reasons from scores "
        "order by score desc, account_id"
    ).fetchall()


def assert_same_workspace(expected_db, got_db) -> None:
    expected, got = tables(expected_db), tables(got_db)
    for name in QUERIES:
        assert got[name] == expected[name], name
    as_of = last_day(expected_db)
    want = queue(expected_db, as_of)
    assert queue(got_db, as_of) == want
    assert any(row[2] for row in want), "the demo data should qualify some accounts"


def invoke(db_path: Path, *args: str):
    result = runner.invoke(app, ["--db", str(db_path), *args])
    assert result.exit_code == 0, result.output
    return result


def test_duckdb_engine_matches_the_event_ingest(default_db, segment_file, tmp_path):
    db_path = tmp_path / "duck.db"
    invoke(db_path, "ingest", "--engine", "duckdb", str(segment_file))
    db = open_db(db_path)
    assert tables(default_db)["rollups"], "the demo file should make rollups"
    assert_same_workspace(default_db, db)
    # Raw events stay out of SQLite in this mode, and stats says how the source came in.
    assert db.conn.execute("select count(*) from events").fetchone() == (0,)
    stats = invoke(db_path, "stats", "--json").output
    assert '"mode": "duckdb"' in stats


def test_duckdb_sql_run_by_hand_and_loaded_from_parquet(default_db, segment_file, tmp_path):
    sql_dir, out = tmp_path / "sql", tmp_path / "parquet"
    invoke(tmp_path / "x.db", "warehouse", "sql", "--dialect", "duckdb", "--out", str(sql_dir))
    out.mkdir()
    con = connect()
    segment_tables(con, [str(segment_file)], Config())  # the events as Segment's tables
    for path in sorted(sql_dir.glob("*.sql")):
        query = path.read_text().strip().rstrip(";")
        con.execute(f"copy ({query}) to '{out / (path.stem + '.parquet')}' (format parquet)")
    db_path = tmp_path / "loaded.db"
    invoke(db_path, "ingest", "--rollups", str(out))
    assert_same_workspace(default_db, open_db(db_path))


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("dialect", [d for d in DIALECTS if d != "duckdb"])
def test_every_dialect_parses(source, dialect):
    found = statements(Config(), source, dialect)
    assert set(found) == {
        "rollups", "user_days", "users", "accounts", "memberships", "trait_changes",
        "conversions",
    }  # fmt: skip
    for sql in found.values():
        parsed = sqlglot.parse_one(sql, read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
        assert parsed.find(sqlglot.exp.Select) is not None


_PG_TYPES = {"VARCHAR": "text", "TIMESTAMP": "timestamp", "DOUBLE": "double precision"}


def test_postgres_output_runs_on_a_real_server(default_db, segment_file, postgres_dsn, tmp_path):
    psycopg = pytest.importorskip("psycopg")
    con = connect()
    segment_tables(con, [str(segment_file)], Config())
    names = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables "
            "where table_name not in ('raw', 'calls')"
        ).fetchall()
    ]
    assert {"tracks", "pages", "identifies", "groups"} <= set(names)
    sql_dir, out = tmp_path / "sql", tmp_path / "csv"
    invoke(tmp_path / "x.db", "warehouse", "sql", "--dialect", "postgres", "--out", str(sql_dir))
    out.mkdir()
    with psycopg.connect(postgres_dsn, autocommit=True) as pg:
        pg.execute("set timezone = 'UTC'")
        pg.execute("drop schema if exists pqa_test cascade")
        pg.execute("create schema pqa_test")
        pg.execute("set search_path = pqa_test")
        for name in names:
            cols = con.execute(f'describe "{name}"').fetchall()
            pg.execute(
                f'create table "{name}" ('
                + ", ".join(f'"{c[0]}" {_PG_TYPES[c[1]]}' for c in cols)
                + ")"
            )
            rows = con.execute(f'select * from "{name}"').fetchall()
            with pg.cursor() as cur:
                cur.executemany(
                    f'insert into "{name}" values ({", ".join(["%s"] * len(cols))})', rows
                )
        for path in sorted(sql_dir.glob("*.sql")):
            cur = pg.execute(path.read_text())
            with open(out / f"{path.stem}.csv", "w", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow([d.name for d in cur.description])
                for row in cur:
                    writer.writerow(["" if v is None else v for v in row])
        pg.execute("drop schema pqa_test cascade")
    db_path = tmp_path / "pg.db"
    invoke(db_path, "ingest", "--rollups", str(out))
    assert_same_workspace(default_db, open_db(db_path))
