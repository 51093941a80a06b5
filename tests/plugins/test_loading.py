"""Plugins load from a folder and from an entry point; broken ones are reported, not fatal."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pqa_tui.cli import app
from pqa_tui.plugins import load_plugins

REPO_PLUGINS = Path(__file__).resolve().parents[2] / "plugins"

DETECTOR = """
from pqa_tui import Detector, hookimpl


class Quiet(Detector):
    name = "{name}"

    def detect(self, usage, options):
        return []


@hookimpl
def register_detectors(register):
    register(Quiet())
"""


def test_repo_example_plugins_load_from_the_folder(monkeypatch):
    monkeypatch.setenv("PQA_LOAD_PLUGINS", "integration_connected,pipedrive_export")
    plugins = load_plugins(REPO_PLUGINS)
    assert plugins.errors == []
    info = plugins.infos["integration_connected"]
    assert info.source == str(REPO_PLUGINS / "integration_connected.py")
    assert info.detectors == ["integration_connected"]
    assert plugins.owners[("detector", "integration_connected")] == "integration_connected"
    assert "pipedrive_export" in plugins.infos


def test_plugin_from_an_entry_point(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    (site / "pqa_ep_demo.py").write_text(DETECTOR.format(name="from_entry_point"))
    dist = site / "pqa_ep_demo-1.2.3.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: pqa-ep-demo\nVersion: 1.2.3\n")
    (dist / "entry_points.txt").write_text("[pqa_tui]\nep_demo = pqa_ep_demo\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PQA_LOAD_PLUGINS", "ep_demo")
    plugins = load_plugins(None)
    assert plugins.errors == []
    info = plugins.infos["ep_demo"]
    assert (info.source, info.version) == ("entry point pqa-ep-demo", "1.2.3")
    assert info.detectors == ["from_entry_point"]
    assert "from_entry_point" in plugins.detectors
    monkeypatch.setenv("PQA_LOAD_PLUGINS", "")  # the hermetic default keeps it out
    assert "from_entry_point" not in load_plugins(None).detectors


def test_broken_plugins_are_reported_by_name_and_the_rest_load(tmp_path, monkeypatch):
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "fine.py").write_text(DETECTOR.format(name="fine"))
    (folder / "syntax.py").write_text("def oops(:\n")
    (folder / "typo.py").write_text(
        "from pqa_tui.hookspecs import hookimpl\n\n@hookimpl\ndef register_detector(register):\n"
        "    pass\n"
    )
    (folder / "raises.py").write_text(
        "from pqa_tui.hookspecs import hookimpl\n\n@hookimpl\ndef register_detectors(register):\n"
        "    raise RuntimeError('cannot reach licence server')\n"
    )
    monkeypatch.setenv("PQA_LOAD_PLUGINS", "fine,syntax,typo,raises")
    plugins = load_plugins(folder)
    assert "fine" in plugins.detectors and "seat_count" in plugins.detectors
    errors = {e.plugin: e for e in plugins.errors}
    assert set(errors) == {"syntax", "typo", "raises"}
    assert errors["syntax"].stage == "import" and "SyntaxError" in errors["syntax"].error
    assert "register_detector" in errors["typo"].error  # misspelled hook: an error, not silence
    assert errors["raises"].stage == "register_detectors"
    assert errors["raises"].error == "RuntimeError: cannot reach licence server"


def test_pqa_plugins_json_and_table(tmp_path, monkeypatch):
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "fine.py").write_text(DETECTOR.format(name="fine"))
    (folder / "broken.py").write_text("import not_a_module_anywhere\n")
    (tmp_path / "pqa.toml").write_text('plugins_dir = "plugins"\n')
    monkeypatch.setenv("PQA_LOAD_PLUGINS", "fine,broken")
    runner = CliRunner()
    base = ["--db", str(tmp_path / "pqa.db"), "--config", str(tmp_path / "pqa.toml")]
    result = runner.invoke(app, [*base, "plugins", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["fine"]["source"] == str(folder / "fine.py")
    assert rows["fine"]["detectors"] == ["fine"]
    assert rows["pqa_tui.detectors.seat_count"]["source"] == "builtin"
    assert rows["pqa_tui.detectors.seat_count"]["detectors"] == ["seat_count"]
    assert "ModuleNotFoundError" in rows["broken"]["error"]
    table = runner.invoke(app, [*base, "plugins"])
    assert table.exit_code == 0
    assert "FAILED plugin broken" in table.stdout
    assert "detectors: fine" in table.stdout


def test_every_hook_is_used_by_the_builtins():
    """The built-ins go through the same hooks as plugins: each hook has contributions."""
    from pqa_tui import hookspecs

    plugins = load_plugins(None)
    hooks = {name for name in dir(hookspecs) if name.startswith("register_")}
    assert hooks == {
        "register_detectors",
        "register_formats",
        "register_exporters",
        "register_notifiers",
    }
    assert plugins.detectors and plugins.formats and plugins.exporters and plugins.notifiers
    sources = {info.source for info in plugins.infos.values()}
    assert sources == {"builtin"}


def test_a_name_taken_twice_keeps_the_first_and_reports_the_second(tmp_path, monkeypatch):
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "copycat.py").write_text(
        DETECTOR.format(name="seat_count").replace(
            "register(Quiet())", "register(Quiet())\n    register(Other())"
        )
        + "\n\nclass Other(Quiet):\n    name = 'other'\n"
    )
    (folder / "shapeless.py").write_text(
        "from pqa_tui.hookspecs import hookimpl\n\nclass NoDetect:\n    name = 'nodetect'\n\n"
        "@hookimpl\ndef register_detectors(register):\n    register(NoDetect())\n"
    )
    monkeypatch.setenv("PQA_LOAD_PLUGINS", "copycat,shapeless")
    plugins = load_plugins(folder)
    assert plugins.owners[("detector", "seat_count")] == "pqa_tui.detectors.seat_count"
    assert "other" in plugins.detectors  # the rest of the plugin still registers
    errors = {e.plugin: e.error for e in plugins.errors}
    assert errors["copycat"] == (
        "detector 'seat_count' is already registered by pqa_tui.detectors.seat_count; ignored"
    )
    assert "needs a detect() method" in errors["shapeless"]
    assert "nodetect" not in plugins.detectors
