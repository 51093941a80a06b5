"""`pqa warehouse sql`: the rollups as SQL for the warehouse the events already live in."""

from __future__ import annotations

from pathlib import Path

import typer

from ..warehouse.sources import SOURCES
from ..warehouse.sql import DIALECTS, statements
from .app import CommandError, app, out, state

warehouse_app = typer.Typer(help="Compute the rollups where the events live.", no_args_is_help=True)
app.add_typer(warehouse_app, name="warehouse")


def _pairs(values: list[str]) -> dict[str, str]:
    found = {}
    for value in values:
        name, sep, actual = value.partition("=")
        if not sep or not name or not actual:
            raise CommandError(
                f"--table {value!r}: expected NAME=TABLE (e.g. tracks=analytics.tracks)", 2
            )
        found[name.strip()] = actual.strip()
    return found


@warehouse_app.command("sql")
def sql_command(
    ctx: typer.Context,
    dialect: str = typer.Option("duckdb", "--dialect", help=f"SQL dialect: {', '.join(DIALECTS)}."),
    source: str = typer.Option(
        "segment", "--source", help=f"Whose warehouse tables: {', '.join(SOURCES)}."
    ),
    out_dir: Path = typer.Option(
        None, "--out", help="Write one TABLE.sql per rollup table here (default: print all)."
    ),
    table: list[str] = typer.Option(
        [], "--table", help="Rename a source table, NAME=TABLE (repeatable)."
    ),
    account: str = typer.Option(
        None,
        "--account",
        help="Segment: the column naming the account (context_group_id); others: the key "
        "path in the properties ($groups.company).",
    ),
) -> None:
    """Write the SQL computing every table scoring reads, from the config, in DIALECT."""
    if dialect not in DIALECTS:
        raise CommandError(f"--dialect {dialect!r} is not one of: {', '.join(DIALECTS)}", 2)
    if source not in SOURCES:
        raise CommandError(f"--source {source!r} is not one of: {', '.join(SOURCES)}", 2)
    try:
        found = statements(
            state(ctx).config, source, dialect, tables=_pairs(table), account=account
        )
    except ValueError as e:
        raise CommandError(str(e)) from None
    if out_dir is None:
        for name, sql in found.items():
            out(f"-- {name}\n{sql};\n", soft_wrap=True)
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, sql in found.items():
        (out_dir / f"{name}.sql").write_text(sql + ";\n", encoding="utf-8")
    out(f"Wrote {len(found)} statements ({dialect}, {source}) to {out_dir}", soft_wrap=True)
