"""The `pqa` command line: a thin face over the core library."""

from __future__ import annotations

from . import (  # noqa: F401 - registers commands
    crm,
    daily,
    demo,
    fit,
    ingest,
    maintenance,
    notify,
    reports,
    setup,
    signals,
    triage,
    tui,
    warehouse,
)
from .app import app


def main() -> None:
    """Console-script entry point (errors become messages in :class:`.app.PqaGroup`)."""
    app()
