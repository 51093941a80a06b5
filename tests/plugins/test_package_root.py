"""What plugin authors import comes from the package root, and importing it stays light."""

from __future__ import annotations

import subprocess
import sys

import pqa_tui
from pqa_tui import hookspecs
from pqa_tui.detectors import base, counting
from pqa_tui.ingest import formats


def test_the_root_exports_the_plugin_api():
    assert pqa_tui.hookimpl is hookspecs.hookimpl
    for name in ("Detector", "Signal", "AccountUsage", "strength_over_bar", "counted"):
        assert getattr(pqa_tui, name) is getattr(base, name)
    assert pqa_tui.CountDetector is counting.CountDetector
    for name in ("InputFormat", "JsonLinesFormat", "Record", "Reject"):
        assert getattr(pqa_tui, name) is getattr(formats, name)
    assert all(hasattr(pqa_tui, name) for name in pqa_tui.__all__)


def test_importing_the_root_loads_no_face_and_no_database_library():
    code = (
        "import sys; from pqa_tui import hookimpl, Detector, CountDetector, Signal, AccountUsage;"
        "print(sorted({m.split('.')[0] for m in sys.modules}"
        " & {'textual', 'typer', 'click', 'rich', 'sqlite_utils'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
