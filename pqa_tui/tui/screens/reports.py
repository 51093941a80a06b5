"""Reports: is the PQA definition any good? The funnel, surfaced vs not, which signals carry
weight, and the product KPIs.

The data is :func:`pqa_tui.reports.build_report` (the same dict ``pqa report --json`` prints),
read in a thread worker; this module only lays it out. Detector names and plans come from
plugins and product data, so they go through :func:`~pqa_tui.safe_text.safe`.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Sparkline, Static
from textual.worker import get_current_worker

from ... import reports
from ...formatting import count, fit_line, interval, num, p_value, pct
from ...safe_text import safe
from ...workspace import Workspace

BAR_WIDTH = 30
VERDICT_STYLES = {"carries weight": "green", "works against": "red", "noise": "yellow"}


def funnel_text(funnel: dict[str, Any]) -> Text:
    """One bar per stage, scaled to the PQA moments."""
    stages = [
        ("PQA moments", funnel["pqa_moments"]),
        ("claimed", funnel["claimed"]),
        ("contacted", funnel["contacted"]),
        ("qualified", funnel["qualified"]),
        ("won / converted", funnel["won"]),
    ]
    top = max(n for _s, n in stages) or 1
    text = Text(f"{count(funnel['accounts'])} accounts\n", end="")
    for stage, n in stages:
        text.append(f"{stage:<16}{count(n):>7}  ")
        text.append("█" * (round(n / top * BAR_WIDTH) if n else 0), style="cyan")
        text.append("\n")
    hours = funnel["median_hours_to_first_touch"]
    text.append(f"median time from PQA moment to first touch: {num(hours, 1)} h", style="dim")
    return text


def surfaced_text(sv: dict[str, Any]) -> Text:
    """Conversion of surfaced accounts against the rest, and the lift."""
    text = Text(end="")
    for label, key in (("surfaced", "surfaced"), ("not surfaced", "not_surfaced")):
        g = sv[key]
        text.append(
            f"{label:<14}{count(g['accounts']):>7} accounts {count(g['converted']):>7} converted "
        )
        text.append(f"{pct(g['rate']):>7}\n")
    text.append(f"lift {num(sv['lift'])}x", style="bold")
    text.append(f"  (95% CI {interval(sv['lift_ci'])}, Fisher {p_value(sv['p_value'])})")
    return text


def kpi_text(data: dict[str, Any]) -> Text:
    """Monetization awareness, buyer coverage, free-to-paid."""
    m, b, f = data["monetization"], data["buyer_coverage"], data["free_to_paid"]
    return Text(
        f"pricing-page views per activated account: {num(m['pricing_views_per_activated'])} "
        f"({m['pricing_views']:.0f} views, {m['activated_accounts']} activated)\n"
        f"buyer coverage: {pct(b['share'])} of PQAs ({b['with_buyer']} of {b['pqas']})\n"
        f"free-to-paid: {pct(f['rate'])} ({f['converted']} of {f['free_accounts']})",
        end="",
    )


class ReportsScreen(Screen[None]):
    """The report, read in a worker; ``r`` reads it again, Escape goes back.

    With ``replay``, detectors are judged by a weekly replay of the current config with the
    workspace's plugins (a few seconds on a large workspace); without, by the last scoring
    run's signals.
    """

    CSS_PATH = "reports.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("r", "reload", "Refresh"),
    ]

    def __init__(self, workspace: Workspace, *, replay: bool = False) -> None:
        super().__init__()
        self.workspace = workspace
        self.replay = replay

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="reports"):
            yield Static("Reading the history…", id="status")
            yield Label("Funnel", classes="section")
            yield Static(id="funnel")
            yield Label("PQA moments per week", classes="section")
            yield Sparkline([], id="moments-weekly")
            yield Label("Surfaced vs not surfaced: conversion to paid", classes="section")
            yield Static(id="surfaced")
            yield Label("Detectors: which signals carry weight", classes="section")
            yield DataTable(id="detectors", cursor_type="row", zebra_stripes=True)
            yield Static(id="fit")
            yield Label("Product KPIs", classes="section")
            yield Static(id="kpis")
            yield Label("Pricing views per activated account, per week", classes="section")
            yield Sparkline([], id="pricing-weekly")
            yield Label("Conversions per week", classes="section")
            yield Sparkline([], id="conversions-weekly")
            yield Label("Package mix", classes="section")
            yield DataTable(id="plans", cursor_type="none", show_cursor=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#detectors", DataTable).add_columns(
            "Detector", "Fired", "Good", "Bad", "Precision", "95% CI", "Converted", "Lift",
            "95% CI", "p", "Verdict", "Weight", "Fitted",
        )  # fmt: skip
        self.query_one("#plans", DataTable).add_columns("Plan", "Paid", "Accounts", "Share")
        self.reload()

    def reload(self) -> None:
        """Read the report again (in a thread: a replay may take seconds)."""
        self._fetch()

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()

    @work(thread=True, exclusive=True, exit_on_error=False, group="reports")
    def _fetch(self) -> None:
        ws = self.workspace
        plugins = ws.plugins if self.replay else None  # loaded here, in the worker, if not yet
        with ws.connect() as db:
            data = reports.build_report(db, ws.config, plugins=plugins)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show, data)

    def show(self, data: dict[str, Any]) -> None:
        """Lay out one report dict (what :func:`pqa_tui.reports.build_report` returns)."""
        fb = data["feedback"]
        self.query_one("#status", Static).update(
            Text(
                f"{fb['good']} good and {fb['bad']} bad verdicts from reps; detectors judged "
                f"from the {data['detectors_from']}",
                style="dim",
                end="",
            )
        )
        self.query_one("#funnel", Static).update(funnel_text(data["funnel"]))
        weeks = data["funnel"]["weeks"]
        self.query_one("#moments-weekly", Sparkline).data = [w["pqa_moments"] for w in weeks]
        self.query_one("#surfaced", Static).update(surfaced_text(data["surfaced_vs_not"]))
        table = self.query_one("#detectors", DataTable)
        table.clear()
        for d in data["detectors"]:
            table.add_row(
                safe(d["detector"]),
                str(d["fired"]),
                str(d["good"]),
                str(d["bad"]),
                pct(d["precision"]),
                interval(d["precision_ci"], pct),
                str(d["converted"]),
                num(d["lift"]),
                interval(d["lift_ci"]),
                p_value(d["p_value"], ""),
                Text(d["verdict"], style=VERDICT_STYLES.get(d["verdict"], ""), end=""),
                num(d["weight"]),
                num(d["fitted_weight"]),
            )
        self.query_one("#fit", Static).update(Text(fit_line(data["fit"]), style="dim", end=""))
        self.query_one("#kpis", Static).update(kpi_text(data))
        pricing = [w["per_activated"] or 0 for w in data["monetization"]["weeks"]]
        self.query_one("#pricing-weekly", Sparkline).data = pricing
        conversions = [w["converted"] for w in data["free_to_paid"]["weeks"]]
        self.query_one("#conversions-weekly", Sparkline).data = conversions
        plans = self.query_one("#plans", DataTable)
        plans.clear()
        for r in data["package_mix"]:
            plans.add_row(
                safe(r["plan"]), "yes" if r["paid"] else "no", count(r["accounts"]), pct(r["share"])
            )
