"""Finding and loading plugins: built-ins, entry points, and ``.py`` files in a folder.

Loading never raises: a plugin that fails to import, or whose hook raises, is recorded in
:attr:`Plugins.errors` by name and skipped, so one broken plugin never takes the queue down.

``PQA_LOAD_PLUGINS`` (comma-separated names, empty for none) limits which entry-point and
folder plugins load; the built-ins always load. Tests set it to keep runs hermetic.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy

from . import hookspecs
from .detectors import BUILTIN_MODULES as DETECTOR_MODULES
from .exporters import BUILTIN_MODULES as EXPORTER_MODULES
from .ingest import BUILTIN_MODULES as FORMAT_MODULES
from .notify import BUILTIN_MODULES as NOTIFIER_MODULES

DEFAULT_PLUGINS: tuple[str, ...] = (
    FORMAT_MODULES + DETECTOR_MODULES + EXPORTER_MODULES + NOTIFIER_MODULES
)
ENTRY_POINT_GROUP = "pqa_tui"


@dataclass
class PluginInfo:
    """One loaded plugin: what ``pqa plugins`` lists."""

    name: str
    source: str  # "builtin", "entry point <dist>", or the file path
    version: str | None = None
    detectors: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    exporters: list[str] = field(default_factory=list)
    notifiers: list[str] = field(default_factory=list)


@dataclass
class PluginFailure:
    """The record of a plugin that could not load or whose hook failed (not an exception:
    loading never raises, it lists these in :attr:`Plugins.errors`)."""

    plugin: str
    source: str
    stage: str  # "import", "register_detectors", ...
    error: str

    def __str__(self) -> str:
        return f"plugin {self.plugin} ({self.source}) failed in {self.stage}: {self.error}"


@dataclass
class Plugins:
    """The plugin manager plus everything the plugins registered."""

    pm: pluggy.PluginManager
    infos: dict[str, PluginInfo] = field(default_factory=dict)
    errors: list[PluginFailure] = field(default_factory=list)
    detectors: dict[str, Any] = field(default_factory=dict)
    formats: dict[str, Any] = field(default_factory=dict)
    exporters: dict[str, Any] = field(default_factory=dict)
    notifiers: dict[str, Any] = field(default_factory=dict)
    # Which plugin contributed each detector / format / exporter, by its name.
    owners: dict[tuple[str, str], str] = field(default_factory=dict)

    def _collect(self, hook_name: str, kind: str, target: dict[str, Any]) -> None:
        hook = getattr(self.pm.hook, hook_name)
        for impl in hook.get_hookimpls():  # registration order
            plugin = impl.plugin_name
            info = self.infos.get(plugin)

            def register(obj: Any, _plugin: str = plugin, _info: PluginInfo | None = info) -> None:
                name = getattr(obj, "name", None)
                if not isinstance(name, str) or not name:
                    raise TypeError(f"{kind} {obj!r} has no string `name`")
                if kind == "detector" and not (
                    callable(getattr(obj, "detect", None))
                    and isinstance(getattr(obj, "options", {}), dict)
                ):
                    raise TypeError(
                        f"detector {name!r} needs a detect() method and an options dict"
                    )
                if kind == "notifier" and not callable(getattr(obj, "send", None)):
                    raise TypeError(f"notifier {name!r} needs a send(url, message) method")
                if name in target:
                    # First come wins (built-ins load first): a name never changes meaning
                    # silently. The rest of this plugin's contributions still register.
                    owner = self.owners[(kind, name)]
                    source = _info.source if _info else "?"
                    message = f"{kind} {name!r} is already registered by {owner}; ignored"
                    self.errors.append(PluginFailure(_plugin, source, hook_name, message))
                    return
                target[name] = obj
                self.owners[(kind, name)] = _plugin
                if _info is not None:
                    getattr(_info, kind + "s").append(name)

            try:
                impl.function(register=register)
            except Exception as e:  # noqa: BLE001 - isolate every plugin
                source = info.source if info else "?"
                self.errors.append(PluginFailure(plugin, source, hook_name, _describe(e)))


def _describe(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


def _allowed() -> set[str] | None:
    raw = os.environ.get("PQA_LOAD_PLUGINS")
    if raw is None:
        return None
    return {p.strip() for p in raw.split(",") if p.strip()}


def load_plugins(
    plugins_dir: str | Path | None = None, *, entry_points_too: bool = True
) -> Plugins:
    """Build a plugin manager with the built-ins, entry points and the plugins folder loaded."""
    pm = pluggy.PluginManager("pqa_tui")
    pm.add_hookspecs(hookspecs)
    plugins = Plugins(pm)
    allowed = _allowed()

    for module_name in DEFAULT_PLUGINS:
        _register(plugins, module_name, "builtin", lambda m=module_name: importlib.import_module(m))

    if entry_points_too:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if allowed is not None and ep.name not in allowed:
                continue
            dist = ep.dist.name if ep.dist else "?"
            version = ep.dist.version if ep.dist else None
            _register(plugins, ep.name, f"entry point {dist}", ep.load, version=version)

    if plugins_dir is not None:
        folder = Path(plugins_dir)
        if folder.is_dir():
            for path in sorted(folder.glob("*.py")):
                if path.name.startswith(("_", "test_")):
                    continue
                name = path.stem
                if allowed is not None and name not in allowed:
                    continue
                _register(plugins, name, str(path), lambda p=path: _import_file(p))

    plugins._collect("register_formats", "format", plugins.formats)
    plugins._collect("register_detectors", "detector", plugins.detectors)
    plugins._collect("register_exporters", "exporter", plugins.exporters)
    plugins._collect("register_notifiers", "notifier", plugins.notifiers)
    return plugins


def _register(
    plugins: Plugins,
    name: str,
    source: str,
    load: Callable[[], Any],
    version: str | None = None,
) -> None:
    try:
        module = load()
        plugins.pm.register(module, name=name)
        plugins.pm.check_pending()
    except Exception as e:  # noqa: BLE001 - a broken plugin is reported, never fatal
        if plugins.pm.has_plugin(name):
            plugins.pm.unregister(name=name)
        plugins.errors.append(PluginFailure(name, source, "import", _describe(e)))
        return
    plugins.infos[name] = PluginInfo(name=name, source=source, version=version)


def _import_file(path: Path) -> Any:
    module_name = f"pqa_tui_plugin_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module
