"""docs/plugins.md stays true: every hook is documented and the worked example really runs."""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

import pytest

from pqa_tui import hookspecs
from pqa_tui.config import config_from_dict
from pqa_tui.plugins import load_plugins
from pqa_tui.testing import AccountBuilder

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "plugins.md").read_text()
README = (ROOT / "README.md").read_text()
EXAMPLE = ROOT / "plugins" / "integration_connected.py"
HOOKS = [
    name
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, "pqa_tui_spec")
]


def python_block(heading: str, text: str = GUIDE) -> str:
    """The first ```python block after ``heading`` in the guide (or ``text``)."""
    found = re.search(re.escape(heading) + r".*?```python\n(.*?)```", text, re.DOTALL)
    assert found, f"no python block after {heading!r}"
    return found.group(1)


def test_hooks_are_found():
    assert {"register_detectors", "register_formats", "register_exporters"} <= set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_in_the_guide(hook):
    signature = f"{hook}{inspect.signature(getattr(hookspecs, hook))}"
    assert f"`{signature}`" in GUIDE, f"docs/plugins.md does not document `{signature}`"


def test_the_guide_shows_the_example_plugin_as_it_is_in_plugins():
    source = EXAMPLE.read_text()
    body = source[source.index("from typing import Any") :]
    assert python_block("### 2. Write the detector") == body, (
        "the detector in docs/plugins.md differs from plugins/integration_connected.py"
    )


def test_the_guide_example_loads_as_a_plugin_and_its_tests_pass(tmp_path, monkeypatch):
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "integration_connected.py").write_text(python_block("### 2. Write the detector"))
    monkeypatch.setenv("PQA_LOAD_PLUGINS", "integration_connected")
    plugins = load_plugins(folder)
    assert plugins.errors == []
    assert plugins.owners[("detector", "integration_connected")] == "integration_connected"

    # The guide's tests import the plugin module by name, as in the author's own folder.
    monkeypatch.syspath_prepend(str(folder))
    namespace: dict = {}
    try:
        code = compile(python_block("## Testing a detector"), "docs/plugins.md", "exec")
        exec(code, namespace)
        tests = [fn for name, fn in namespace.items() if name.startswith("test_")]
        assert len(tests) == 2
        for n, test in enumerate(tests):
            (tmp_path / f"run{n}").mkdir()
            test(tmp_path / f"run{n}")
    finally:
        sys.modules.pop("integration_connected", None)


def test_the_readme_example_runs_and_reads_as_the_readme_says(db, tmp_path, monkeypatch):
    (tmp_path / "readme_example.py").write_text(python_block("## Writing a plugin", README))
    monkeypatch.setenv("PQA_LOAD_PLUGINS", "readme_example")
    plugins = load_plugins(tmp_path)
    assert plugins.errors == []
    config = config_from_dict({"events": {"integration": ["Integration Connected"]}})
    acct = AccountBuilder(db, config=config, created="2026-01-01")
    acct.track("u1", "Integration Connected", "2026-03-20", count=2)
    (signal,) = acct.run(plugins.detectors["integration_connected"], as_of="2026-03-31")
    assert signal.reason == "2 connected integrations in the last 28 days (bar: 1)"
    assert signal.reason in " ".join(README.split())
