"""The Typer app, its global options, and what every command shares.

Commands live in the sibling modules (``ingest.py``, ``signals.py``, ``triage.py``, ...) and
only parse options, call the core library and print. Untrusted text (account names, event
names, notes) is printed with markup off: see :func:`out`.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import sqlite_utils
import typer
from rich.console import Console
from typer.core import TyperGroup

from ..config import Config, load_config
from ..errors import PqaError
from ..safe_text import clean, show_controls
from ..workspace import Workspace, resolve_actor

if TYPE_CHECKING:
    from ..plugins import Plugins

# markup/emoji off: anything printed may hold text from outside (names, events, notes).
console = Console(markup=False, emoji=False, highlight=False)
err_console = Console(stderr=True, markup=False, emoji=False, highlight=False)


class CommandError(PqaError):
    """A command refusing what it was asked (a wrong option, no terminal, a file in the way)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class PqaGroup(TyperGroup):
    """The root command: the one place a :class:`PqaError` from any command becomes a message.

    The library raises, only this face prints: commands never catch a PqaError themselves.
    The message goes to stderr as one ``Error: ...`` line, unwrapped (paths stay whole), with
    control characters shown as symbols: messages carry names, notes and paths from outside.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PqaError as e:
            err_console.print(f"Error: {clean(str(e))}", soft_wrap=True)
            raise typer.Exit(e.exit_code) from None


app = typer.Typer(
    name="pqa",
    cls=PqaGroup,
    help="Find product-qualified accounts in product-usage data and work them as a team.",
    rich_markup_mode="rich",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass
class State:
    """The global options, and the :class:`~pqa_tui.workspace.Workspace` made from them on
    first use (reading the config is the first thing a command can fail on)."""

    db_path: Path
    config_path: Path
    config_explicit: bool
    actor_option: str | None = None
    _db: sqlite_utils.Database | None = field(default=None, repr=False)

    @cached_property
    def workspace(self) -> Workspace:
        config = load_config(self.config_path, required=self.config_explicit)
        return Workspace(self.db_path, config, resolve_actor(self.actor_option, config))

    @property
    def config(self) -> Config:
        return self.workspace.config

    @property
    def db(self) -> sqlite_utils.Database:
        """The command's connection, opened once the config has been checked in full."""
        if self._db is None:
            self._db = self.workspace.open_db()
        return self._db

    @property
    def plugins(self) -> Plugins:
        return self.workspace.plugins

    @property
    def actor(self) -> str:
        return self.workspace.actor


def state(ctx: typer.Context) -> State:
    """The :class:`State` of the running command."""
    return ctx.find_root().obj


@app.callback()
def root(
    ctx: typer.Context,
    db: Path = typer.Option(
        Path("pqa.db"), "--db", envvar="PQA_DB", help="SQLite database file.", show_default=True
    ),
    config: Path = typer.Option(
        None,
        "--config",
        envvar="PQA_CONFIG",
        help="TOML config file (default ./pqa.toml; built-in defaults when it is absent).",
        show_default=False,
    ),
    as_: str = typer.Option(
        None, "--as", envvar="PQA_USER", help="Act as this person (recorded on every write)."
    ),
) -> None:
    explicit = config is not None
    ctx.obj = State(
        db_path=db,
        config_path=config if explicit else Path("pqa.toml"),
        config_explicit=explicit,
        actor_option=as_,
    )


def out(text: Any = "", **kwargs: Any) -> None:
    """Print to stdout with markup off and control characters in strings shown as ``\\xNN``
    (safe for untrusted text; build tables from cleaned cells)."""
    if isinstance(text, str):
        text = show_controls(text)
    console.print(text, **kwargs)


# json.dumps leaves DEL and the C1 controls raw, and some terminals act on U+009B (CSI) and
# U+009D (OSC) as on ESC. As \u escapes they are the same JSON value and inert on a screen.
C1_AS_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in range(0x7F, 0xA0)}


def print_json(data: Any) -> None:
    """Machine output: plain JSON on stdout, no colour, no wrapping, no raw control bytes."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write(text.translate(C1_AS_JSON_ESCAPES) + "\n")


def is_terminal() -> bool:
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


__all__ = [
    "app",
    "State",
    "state",
    "out",
    "print_json",
    "CommandError",
    "console",
    "err_console",
    "PqaError",
    "is_terminal",
]
