"""The `pqa` command line: a thin face over the core library."""

from __future__ import annotations

import sys

from ..errors import PqaError
from ..safe_text import show_controls
from . import (  # noqa: F401 - registers commands
    crm,
    demo,
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
from .app import app, err_console


def main() -> None:
    """Console-script entry point: known errors become a message and an exit code."""
    try:
        app(standalone_mode=True)
    except PqaError as e:
        err_console.print(f"Error: {show_controls(str(e))}", soft_wrap=True)
        sys.exit(e.exit_code)
