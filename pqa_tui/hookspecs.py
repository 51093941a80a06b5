"""The plugin author's reference: every hook pqa-tui calls.

A plugin is a module (or object) with functions marked ``@hookimpl`` whose names match the
specs below. Built-in detectors, input formats and exporters use exactly these hooks.

Each hook receives a ``register`` callable rather than returning a value, so one plugin can
contribute several things, and one that fails is isolated: pqa-tui calls each plugin's hook on
its own and reports a failure by plugin name while the others carry on.
"""

from __future__ import annotations

from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("pqa_tui")
hookimpl = HookimplMarker("pqa_tui")


@hookspec
def register_detectors(register):
    """Call ``register(detector)`` for each :class:`pqa_tui.Detector` you provide.

    A detector has ``name`` (its ``[detectors.NAME]`` table), ``description``, ``options``
    (the config keys it accepts, with defaults), ``default_weight``, ``intent`` (whether its
    signals show buying intent, for ``scoring.require_intent``) and ``detect(usage,
    options)``, which yields :class:`~pqa_tui.Signal` objects for one account. It reads the
    daily rollups through :class:`~pqa_tui.AccountUsage`, never raw events. A count over a
    window against a bar is a :class:`pqa_tui.CountDetector` of a few lines. A detector that
    raises is reported by name and the rest of scoring runs. Guide and worked
    example: docs/plugins.md.
    """


@hookspec
def register_formats(register):
    """Call ``register(fmt)`` for each :class:`pqa_tui.InputFormat` you provide."""


@hookspec
def register_exporters(register):
    """Call ``register(exporter)`` for each :class:`pqa_tui.exporters.base.Exporter` you provide."""


@hookspec
def register_notifiers(register):
    """Call ``register(notifier)`` for each channel notifier you provide (``pqa notify``).

    A notifier has ``name``, ``schemes`` (the URL schemes of ``[[notify.channels]]`` it
    delivers to, e.g. ``("crmtask",)``) and ``send(url, message)``, which delivers a
    :class:`pqa_tui.notify.messages.Message` or raises. The built-in Apprise notifier handles
    every scheme no notifier claims.
    """
