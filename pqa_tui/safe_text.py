"""Untrusted text (account names, event names, reasons, notes) made safe to show.

The one home of this rule for every face: the TUI uses :func:`safe` / :func:`clean`, the CLI
uses :func:`show_controls` for lines and files it writes to a terminal.

Everything shown in the TUI that came from an export or a teammate goes through :func:`safe`:
it becomes a :class:`rich.text.Text` (never parsed as markup) with control characters turned
into visible symbols, so ``[bold red]x[/]`` reads literally and an ESC sequence cannot move the
cursor, change colours or retitle the terminal.
"""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text

# C0 controls except newline, DEL, C1 controls, and the bidi overrides that can reorder what
# a reader sees.
_UNSAFE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char == "\t":
        return " "
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode "control pictures": ESC shows as ␛
    if code == 0x7F:
        return "\u2421"
    return f"\\u{code:04x}"


def clean(value: Any, *, multiline: bool = False) -> str:
    """``value`` as plain text with every control character made visible.

    Newlines are kept only when ``multiline`` (notes); elsewhere they become ``⏎`` so a name
    never breaks a table row.
    """
    if value is None:
        return ""
    text = _UNSAFE.sub(_visible, str(value))
    if not multiline:
        text = text.replace("\n", "\u23ce")
    return text


def safe(value: Any, style: str = "", *, multiline: bool = False) -> Text:
    """``value`` as a Text that is shown exactly as written (no markup, no escapes)."""
    return Text(clean(value, multiline=multiline), style=style, end="")


# Control characters but tab and line ends. Rich drops BEL and CR but passes ESC and the C1
# set, so a name holding ESC [ 31m or an OSC title/clipboard sequence would drive the terminal.
_TERMINAL_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def show_controls(text: str) -> str:
    """``text`` with terminal control characters written as ``\\xNN`` (tabs and newlines kept).

    For CLI output: the bytes a user sees are the bytes in the data, made inert.
    """
    return _TERMINAL_CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
