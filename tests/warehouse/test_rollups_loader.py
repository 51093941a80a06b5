"""`pqa ingest --rollups DIR`: formats, exact replacement, idempotence, rejects, one transaction."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pqa_tui.cli import app
from pqa_tui.store import open_db

runner = CliRunner()


def write_csv(path: Path, header: str, *rows: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n")


def ingest(db_path: Path, folder: Path, *extra: str):
    return runner.invoke(app, ["--db", str(db_path), "ingest", "--rollups", str(folder), *extra])


def rollups(db_path: Path) -> list[tuple]:
    db = open_db(db_path)
    try:
        return db.conn.execute("select * from rollups order by 1, 2, 3").fetchall()
    finally:
        db.close()


def test_csv_and_ndjson_tables_load(tmp_path):
    folder = tmp_path / "out"
    write_csv(folder / "rollups.csv", "account_id,day,metric,value",
              "acme,2026-05-01,events,3", "acme,2026-05-01,value,2.5")  # fmt: skip
    (folder / "users.ndjson").write_text(
        json.dumps({"user_id": "u1", "email": "a@acme.io", "company_size": "51-200",
                    "title": "VP Sales", "first_seen": "2026-05-01T10:00:00Z",
                    "last_seen": "2026-05-01 11:00:00"}) + "\n"
    )  # fmt: skip
    db_path = tmp_path / "pqa.db"
    result = ingest(db_path, folder)
    assert result.exit_code == 0, result.output
    assert rollups(db_path) == [
        ("acme", "2026-05-01", "events", 3.0),
        ("acme", "2026-05-01", "value", 2.5),
    ]
    db = open_db(db_path)
    user = db.conn.execute(
        "select email, company_size, first_seen, last_seen, traits from users"
    ).fetchone()
    assert user[:4] == ("a@acme.io", 200, "2026-05-01T10:00:00.000000Z",
                        "2026-05-01T11:00:00.000000Z")  # fmt: skip
    assert json.loads(user[4])["title"] == "VP Sales"


def test_a_load_replaces_exactly_the_days_it_covers_and_is_idempotent(tmp_path):
    db_path = tmp_path / "pqa.db"
    first = tmp_path / "first"
    write_csv(first / "rollups.csv", "account_id,day,metric,value",
              "acme,2026-05-01,events,1", "acme,2026-05-02,events,1", "acme,2026-05-05,events,1",
              "beta,2026-05-02,events,9")  # fmt: skip
    assert ingest(db_path, first).exit_code == 0
    # A later export of acme's 2nd..3rd of May: its 2nd changes, the 1st and 5th stay, and
    # beta (not in the file) stays whole.
    second = tmp_path / "second"
    write_csv(second / "rollups" / "part-1.csv", "account_id,day,metric,value",
              "acme,2026-05-02,events,7")  # fmt: skip
    write_csv(second / "rollups" / "part-2.csv", "account_id,day,metric,value",
              "acme,2026-05-03,events,4")  # fmt: skip
    for _ in range(2):  # the same load twice changes nothing more
        result = ingest(db_path, second)
        assert result.exit_code == 0, result.output
        assert rollups(db_path) == [
            ("acme", "2026-05-01", "events", 1.0),
            ("acme", "2026-05-02", "events", 7.0),
            ("acme", "2026-05-03", "events", 4.0),
            ("acme", "2026-05-05", "events", 1.0),
            ("beta", "2026-05-02", "events", 9.0),
        ]


def test_bad_rows_are_rejects_and_the_rest_loads(tmp_path):
    folder = tmp_path / "out"
    write_csv(folder / "rollups.csv", "account_id,day,metric,value",
              "acme,2026-05-01,events,3", ",2026-05-01,events,1", "acme,May 1st,events,1",
              "acme,2026-05-02,events,lots")  # fmt: skip
    db_path = tmp_path / "pqa.db"
    result = ingest(db_path, folder, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["tables"]["rollups"] == {"read": 4, "loaded": 1, "rejected": 3}
    assert summary["rejected"] == 3
    assert rollups(db_path) == [("acme", "2026-05-01", "events", 3.0)]
    listed = runner.invoke(app, ["--db", str(db_path), "rejects", "--json"])
    lines = sorted((r["line"], r["reason"]) for r in json.loads(listed.output))
    assert [line for line, _ in lines] == [2, 3, 4]
    assert lines[0][1] == "rollups: no account_id"
    assert all(r["source"].endswith("rollups.csv") for r in json.loads(listed.output))


def test_a_table_missing_a_key_column_loads_nothing(tmp_path):
    folder = tmp_path / "out"
    write_csv(folder / "rollups.csv", "account_id,day,metric,value", "acme,2026-05-01,events,3")
    write_csv(folder / "users.csv", "email", "a@acme.io")
    db_path = tmp_path / "pqa.db"
    result = ingest(db_path, folder)
    assert result.exit_code == 1
    assert "users needs the column(s) user_id" in result.output
    assert rollups(db_path) == []


def test_an_empty_folder_is_an_error(tmp_path):
    (tmp_path / "out").mkdir()
    result = ingest(tmp_path / "pqa.db", tmp_path / "out")
    assert result.exit_code == 1
    assert "no rollup tables" in result.output


def test_stats_names_the_mode_of_each_source(tmp_path):
    folder = tmp_path / "out"
    write_csv(folder / "rollups.csv", "account_id,day,metric,value", "acme,2026-05-01,events,3")
    db_path = tmp_path / "pqa.db"
    assert ingest(db_path, folder).exit_code == 0
    result = runner.invoke(app, ["--db", str(db_path), "stats", "--json"])
    assert json.loads(result.output)["sources"] == [
        {"source": str(folder), "mode": "rollups", "runs": 1}
    ]
    text = runner.invoke(app, ["--db", str(db_path), "stats"]).output
    assert "source (rollups)" in text
