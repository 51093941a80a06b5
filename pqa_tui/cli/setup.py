"""`pqa init`: a starter config and an empty database."""

from __future__ import annotations

from pathlib import Path

import tomli_w
import typer

from ..config import Config, config_to_dict
from .app import CommandError, app, out, state


@app.command()
def init(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", help="Overwrite an existing config file."),
) -> None:
    """Write a starter config (./pqa.toml or --config) and create the database."""
    st = state(ctx)
    path: Path = st.config_path
    if path.exists() and not force:
        raise CommandError(f"{path} already exists; pass --force to overwrite it")
    path.write_text(
        "# pqa-tui config: see example.toml in the project for every setting, commented.\n"
        + tomli_w.dumps(config_to_dict(Config())),
        encoding="utf-8",
    )
    st.db  # noqa: B018 - opening creates the file and applies migrations
    out(f"Wrote {path} and created {st.db_path}")
