"""`pqa warehouse sql` and the ingest options' usage errors, through the CLI."""

from __future__ import annotations

from typer.testing import CliRunner

from pqa_tui.cli import app

runner = CliRunner()


def test_sql_prints_every_table_in_the_dialect(tmp_path):
    args = ["warehouse", "sql", "--dialect", "bigquery", "--table", "tracks=seg.tracks"]
    result = runner.invoke(app, ["--db", str(tmp_path / "x.db"), *args])
    assert result.exit_code == 0, result.output
    for name in ("rollups", "user_days", "users", "accounts", "memberships", "trait_changes",
                 "conversions"):  # fmt: skip
        assert f"-- {name}\n" in result.output
    assert "`seg`.`tracks`" in result.output  # BigQuery quoting, the renamed table
    assert not (tmp_path / "x.db").exists()  # generating SQL opens no database


def test_sql_follows_the_config(tmp_path):
    config = tmp_path / "pqa.toml"
    config.write_text('[events]\nexport = ["Report Exported"]\n[pages]\ndocs = ["/docs/*"]\n')
    result = runner.invoke(app, ["--config", str(config), "warehouse", "sql"])
    assert result.exit_code == 0, result.output
    assert "'Report Exported'" in result.output
    assert "'page:docs'" in result.output and "'/docs/%'" in result.output
    assert "'Document Created'" not in result.output  # the default kinds were replaced


def test_usage_errors(tmp_path):
    db = ["--db", str(tmp_path / "x.db")]
    cases = [
        (["warehouse", "sql", "--dialect", "oracle"], "--dialect 'oracle' is not one of"),
        (["warehouse", "sql", "--source", "heap"], "--source 'heap' is not one of"),
        (["warehouse", "sql", "--table", "tracks"], "expected NAME=TABLE"),
        (["ingest"], "give the export files"),
        (["ingest", "--engine", "duckdb"], "needs the Segment files"),
        (["ingest", "--engine", "spark", "a.ndjson"], "--engine 'spark' is not one of"),
        (["ingest", "--rollups", str(tmp_path), "a.ndjson"], "takes no files"),
    ]
    for args, message in cases:
        result = runner.invoke(app, [*db, *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, args
