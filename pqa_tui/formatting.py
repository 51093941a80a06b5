"""Numbers as the reports show them, in the CLI and the TUI alike: a missing value is a dash."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

MISSING = "–"


def pct(x: float | None) -> str:
    """A share as a percentage with one decimal (``0.667`` → ``66.7%``)."""
    return MISSING if x is None else f"{x * 100:.1f}%"


def num(x: float | None, digits: int = 2) -> str:
    """A number with ``digits`` decimals."""
    return MISSING if x is None else f"{x:.{digits}f}"


def interval(ci: Sequence[float | None] | None, fmt: Callable[[float | None], str] = num) -> str:
    """A confidence interval as ``low–high``, or a dash when either end is missing."""
    if not ci or ci[0] is None or ci[1] is None:
        return MISSING
    return f"{fmt(ci[0])}–{fmt(ci[1])}"


def fit_line(fit: dict[str, Any] | None) -> str:
    """Where the fitted weights come from, and what they would change."""
    if fit is None:
        return "fitted weights: not computed from stored signals (run `pqa report` or `pqa fit`)"
    if "error" in fit:
        return f"fitted weights: none yet: {fit['error']}"
    cur, new = fit["current"], fit["fitted"]
    return (
        f"fitted weights: `pqa fit` on history up to {fit['until']}; on the held-out weeks "
        f"precision of PQAs {pct(cur['precision'])} -> {pct(new['precision'])}, recall of "
        f"converters {pct(cur['recall'])} -> {pct(new['recall'])}, threshold "
        f"{num(cur['threshold'])} -> {num(new['threshold'])}; `pqa fit --out FILE` writes them"
    )


def count(n: int | None) -> str:
    """A count with thousands separators (``2000`` → ``2,000``)."""
    return MISSING if n is None else f"{n:,}"


P_FLOOR = 0.0001  # below this a p-value reads as "< 0.0001", not as a misleading 0.0000


def p_value(p: float | None, label: str = "p") -> str:
    """A p-value to four places, ``p<0.0001`` when it rounds to nothing; with ``label=""``
    just the value (``<0.0001``, ``0.0312``) for a table column headed "p"."""
    if p is None:
        return MISSING
    if p < P_FLOOR:
        return f"{label}<{P_FLOOR}"
    return f"{label}={p:.4f}" if label else f"{p:.4f}"
