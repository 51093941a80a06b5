"""Every module of the package can be read at once: none grows past about 600 lines."""

from __future__ import annotations

from pathlib import Path

import pqa_tui

PACKAGE = Path(pqa_tui.__file__).parent
MAX_LINES = 600


def long_modules(root: Path, limit: int) -> dict[str, int]:
    """Each module under ``root`` longer than ``limit`` lines, with its length."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            found[str(path.relative_to(root))] = lines
    return found


def test_the_check_finds_a_long_module(tmp_path):
    (tmp_path / "short.py").write_text("x = 1\n" * 3)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "long.py").write_text("x = 1\n" * 7)
    assert long_modules(tmp_path, 5) == {"pkg/long.py": 7}


def test_no_module_over_the_limit():
    too_long = long_modules(PACKAGE, MAX_LINES)
    assert not too_long, f"split these by responsibility (over {MAX_LINES} lines): {too_long}"
