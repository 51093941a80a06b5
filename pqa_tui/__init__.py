"""pqa-tui: find product-qualified accounts in product-usage data and work them as a team.

What a plugin author needs is importable from here (``from pqa_tui import hookimpl,
CountDetector``); the hooks are in :mod:`pqa_tui.hookspecs`, the guide in docs/plugins.md.
Exporters live in :mod:`pqa_tui.exporters.base`, which reads the triage state, so importing
this package stays light: no TUI, no CLI, no database work.
"""

from .detectors.base import AccountUsage, Detector, Signal, counted, strength_over_bar
from .detectors.counting import CountDetector
from .hookspecs import hookimpl
from .ingest.formats import InputFormat, JsonLinesFormat, Record, Reject

__version__ = "0.1.0"

__all__ = [
    "AccountUsage",
    "CountDetector",
    "Detector",
    "InputFormat",
    "JsonLinesFormat",
    "Record",
    "Reject",
    "Signal",
    "counted",
    "hookimpl",
    "strength_over_bar",
]
