"""`pqa backup FILE`: a consistent copy of the database while others keep working."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from ..backup import backup_db
from .app import app, out, print_json, state


@app.command()
def backup(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Where to write the copy (a new .db file)."),
    force: bool = typer.Option(False, "--force", help="Overwrite FILE if it exists."),
    json_: bool = typer.Option(False, "--json", help="Print what was written as JSON."),
) -> None:
    """Copy the database to FILE with SQLite's online backup (safe while others write)."""
    st = state(ctx)
    result = backup_db(st.db_path, file, overwrite=force)
    if json_:
        print_json(asdict(result))
        return
    counts = ", ".join(f"{n:,} {name}" for name, n in result.rows.items())
    out(
        f"Wrote {result.path}: {result.bytes:,} bytes, schema v{result.schema_version}, "
        f"integrity {result.integrity}, {result.seconds:.2f} s",
        soft_wrap=True,  # unwrapped: the path stays whole for scripts and copy-paste
    )
    out(f"It holds {counts}.", soft_wrap=True)
