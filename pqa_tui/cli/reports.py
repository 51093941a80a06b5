"""`pqa report`, `pqa backtest`, `pqa suggest`: is the PQA definition any good?

Thin: the numbers come from :mod:`pqa_tui.reports`, :mod:`pqa_tui.backtest` and
:mod:`pqa_tui.suggest`. In a terminal they are drawn (bars, sparklines); piped, they are plain
aligned tables; ``--json`` prints the dicts as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from ..formatting import count, fit_line, interval, num, p_value, pct
from ..timestamps import format_ts, parse_day_option
from .app import app, is_terminal, out, print_json, state

SPARKS = "▁▂▃▄▅▆▇█"
BAR_WIDTH = 30


def sparkline(values: Sequence[float]) -> str:
    """One character per value, scaled between the smallest and largest."""
    if not values:
        return ""
    lo, hi = min(values), max(values)
    span = hi - lo
    return "".join(
        SPARKS[0 if span == 0 else round((v - lo) / span * (len(SPARKS) - 1))] for v in values
    )


def bar(value: float, top: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar of block characters, ``width`` long at ``top``."""
    if top <= 0 or value <= 0:
        return ""
    return "█" * max(1, round(value / top * width))


class Printer:
    """Draws sections as rich tables in a terminal, or as plain aligned text when piped."""

    def __init__(self, fancy: bool):
        self.fancy = fancy

    def heading(self, text: str) -> None:
        out()
        out(Text(text, style="bold") if self.fancy else f"## {text}", soft_wrap=not self.fancy)

    def line(self, text: str) -> None:
        # Piped output is for grep and friends: one record per line, never wrapped.
        out(text, soft_wrap=not self.fancy)

    def table(self, headers: list[str], rows: list[list[Any]], chart_col: int | None = None):
        """Rows of cells; ``chart_col`` is drawn only in a terminal (bars are not data)."""
        if not self.fancy:
            if chart_col is not None:
                headers = headers[:chart_col] + headers[chart_col + 1 :]
                rows = [r[:chart_col] + r[chart_col + 1 :] for r in rows]
            cells = [headers] + [[str(c) for c in r] for r in rows]
            widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
            for r in cells:
                self.line("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
            return
        t = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
        for i, h in enumerate(headers):
            t.add_column(h, justify="left" if i == 0 or i == chart_col else "right")
        for r in rows:
            t.add_row(
                *[Text(str(c), style="cyan" if i == chart_col else "") for i, c in enumerate(r)]
            )
        out(t)


def _since(value: str | None) -> str | None:
    """``--since`` as the stored time of that day's start."""
    day = _day(value, "--since")
    return format_ts(datetime.combine(day, time())) if day else None


@app.command()
def report(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    since: str = typer.Option(None, "--since", help="Only history from this day (YYYY-MM-DD)."),
    stored: bool = typer.Option(
        False,
        "--stored",
        help="Judge detectors by the last scoring run's signals only (fast) instead of a "
        "weekly replay of the current config.",
    ),
) -> None:
    """Funnel, surfaced vs not, per-detector precision and lift, and the product KPIs."""
    from ..reports import build_report

    st = state(ctx)
    plugins = None if stored else st.plugins
    data = build_report(st.db, st.config, since=_since(since), plugins=plugins)
    if as_json:
        print_json(data)
        return
    print_report(data, Printer(is_terminal()))


def print_report(data: dict[str, Any], p: Printer) -> None:
    """The report for people: charts in a terminal, aligned text when piped."""
    f = data["funnel"]
    p.heading("Funnel" + (f" since {data['since']}" if data["since"] else ""))
    stages = [
        ("accounts", f["accounts"]),
        ("PQA moments", f["pqa_moments"]),
        ("claimed", f["claimed"]),
        ("contacted", f["contacted"]),
        ("qualified", f["qualified"]),
        ("won / converted", f["won"]),
    ]
    top = max(n for _s, n in stages[1:]) if f["pqa_moments"] else 0
    p.table(
        ["stage", "count", ""],
        [[s, count(n), bar(n, top) if i else ""] for i, (s, n) in enumerate(stages)],
        chart_col=2,
    )
    p.line(
        f"median time from PQA moment to first touch: {num(f['median_hours_to_first_touch'], 1)} h"
    )
    if f["weeks"]:
        p.heading("PQA moments per week")
        top = max(w["pqa_moments"] for w in f["weeks"])
        p.table(
            ["week", "moments", "claimed", "contacted", "won", ""],
            [
                [w["week"], w["pqa_moments"], w["claimed"], w["contacted"], w["won"]]
                + [bar(w["pqa_moments"], top)]
                for w in f["weeks"]
            ],
            chart_col=5,
        )

    sv = data["surfaced_vs_not"]
    p.heading("Surfaced vs not surfaced: conversion to paid")
    p.table(
        ["group", "accounts", "converted", "rate"],
        [
            [name, count(g["accounts"]), count(g["converted"]), pct(g["rate"])]
            for name, g in (("surfaced", sv["surfaced"]), ("not surfaced", sv["not_surfaced"]))
        ],
    )
    p.line(
        f"lift {num(sv['lift'])}x (95% CI {interval(sv['lift_ci'])}, "
        f"Fisher {p_value(sv['p_value'])})"
    )

    p.heading("Detectors: which signals carry weight")
    dets = data["detectors"]
    if not dets:
        p.line("no detector has fired yet: run `pqa score` first")
    else:
        p.table(
            ["detector", "fired", "good", "bad", "precision", "95% CI", "converted", "lift"]
            + ["95% CI", "p", "verdict", "weight", "fitted"],
            [
                [
                    d["detector"],
                    d["fired"],
                    d["good"],
                    d["bad"],
                    pct(d["precision"]),
                    interval(d["precision_ci"], pct),
                    d["converted"],
                    num(d["lift"]),
                    interval(d["lift_ci"]),
                    p_value(d["p_value"], ""),
                    d["verdict"],
                    num(d["weight"]),
                    num(d["fitted_weight"]),
                ]
                for d in dets
            ],
        )
        p.line(fit_line(data["fit"]))
        for name, why in data["detectors_skipped"].items():
            p.line(f"Warning: detector {name} was left out of the replay: {why}")
        fb = data["feedback"]
        p.line(
            f"verdicts from reps: {fb['good']} good, {fb['bad']} bad; "
            f"firings from the {data['detectors_from']}"
        )

    p.heading("Product KPIs")
    m = data["monetization"]
    weekly = [w["per_activated"] or 0 for w in m["weeks"]]
    p.line(
        f"pricing-page views per activated account: {num(m['pricing_views_per_activated'])} "
        f"({m['pricing_views']:.0f} views, {m['activated_accounts']} activated accounts)"
        + (f"  weekly {sparkline(weekly)}" if p.fancy and weekly else "")
    )
    b = data["buyer_coverage"]
    p.line(
        f"buyer coverage: {pct(b['share'])} of PQAs have a buyer ({b['with_buyer']} of {b['pqas']})"
    )
    ftp = data["free_to_paid"]
    conv = [w["converted"] for w in ftp["weeks"]]
    p.line(
        f"free-to-paid conversion: {pct(ftp['rate'])} "
        f"({ftp['converted']} of {ftp['free_accounts']})"
        + (f"  weekly {sparkline(conv)}" if p.fancy and conv else "")
    )
    if data["package_mix"]:
        p.heading("Package mix")
        top = max(r["accounts"] for r in data["package_mix"])
        p.table(
            ["plan", "paid", "accounts", "share", ""],
            [
                [r["plan"], "yes" if r["paid"] else "no", count(r["accounts"]), pct(r["share"])]
                + [bar(r["accounts"], top)]
                for r in data["package_mix"]
            ],
            chart_col=4,
        )


def _day(value: str | None, option: str) -> date | None:
    return parse_day_option(value, option) if value else None


@app.command()
def backtest(
    ctx: typer.Context,
    config_file: str = typer.Argument(..., metavar="CONFIG", help="The alternative TOML config."),
    from_: str = typer.Option(None, "--from", help="First replayed day (default: 12 months back)."),
    to: str = typer.Option(None, "--to", help="Last replayed day (default: the latest data)."),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
) -> None:
    """Replay history week by week with another config and compare it with the current one."""
    from ..backtest import run_backtest
    from ..config import load_config

    st = state(ctx)
    alternative = load_config(config_file, required=True)
    data = run_backtest(
        st.db,
        st.config,
        alternative,
        st.plugins,
        start=_day(from_, "--from"),
        end=_day(to, "--to"),
    )
    if as_json:
        print_json(data)
        return
    print_backtest(data, Printer(is_terminal()))


ROWS = (
    ("threshold", "threshold", num),
    ("PQAs surfaced", "pqas", str),
    ("PQA moments", "moments", str),
    ("known good", "known_good", str),
    ("known bad", "known_bad", str),
    ("not yet judged", "unlabelled", str),
    ("precision", "precision", pct),
    ("conversions caught", "conversions_caught", str),
    ("share of conversions", "recall", pct),
    ("median days early", "median_days_early", lambda x: num(x, 1)),
)


def _change(a: Any, b: Any, fmt: Any) -> str:
    """The difference in the row's own unit (percentage points for rates)."""
    if a is None or b is None or a == b:
        return ""
    if fmt is pct:
        return f"{(b - a) * 100:+.1f} pp"
    if isinstance(a, int) and isinstance(b, int):
        return f"{b - a:+d}"
    return f"{b - a:+.1f}"


def print_backtest(data: dict[str, Any], p: Printer) -> None:
    """Current against alternative, side by side, with the accounts that differ."""
    cur, alt = data["current"], data["alternative"]
    p.heading(
        f"Backtest {data['from']} to {data['to']} ({data['steps']} weekly steps, "
        f"{data['seconds']:.1f} s)"
    )
    rows = []
    for label, key, fmt in ROWS:
        a, b = cur[key], alt[key]
        rows.append([label, "–" if a is None else fmt(a), "–" if b is None else fmt(b)])
        rows[-1].append(_change(a, b, fmt))
    p.table(["", "current", "alternative", "change"], rows)
    p.line(f"conversions in the window: {cur['conversions']}")
    for name, why in {**cur["skipped_detectors"], **alt["skipped_detectors"]}.items():
        p.line(f"Warning: detector {name} was left out of the replay: {why}")
    if p.fancy:
        p.line(f"new PQAs per week, current:     {sparkline([w['new'] for w in cur['weeks']])}")
        p.line(f"new PQAs per week, alternative: {sparkline([w['new'] for w in alt['weeks']])}")
    d = data["difference"]
    p.heading(
        f"Surfaced by both: {d['both']}; only current: {d['only_current']}; "
        f"only alternative: {d['only_alternative']}"
    )
    for title, key in (
        ("Only the alternative surfaces", "gained"),
        ("Only the current surfaces", "lost"),
    ):
        if d[key]:
            p.line(title + " (converted first, at most 20):")
            p.table(
                ["account", "verdict", "converted"],
                [[x["account"], x["verdict"] or "–", (x["converted"] or "–")[:10]] for x in d[key]],
            )


@app.command()
def suggest(
    ctx: typer.Context,
    from_: str = typer.Option(None, "--from", help="First replayed day (default: 12 months back)."),
    to: str = typer.Option(None, "--to", help="Last replayed day (default: the latest data)."),
    as_json: bool = typer.Option(False, "--json", help="Print the suggestions as JSON."),
) -> None:
    """Propose threshold and detector changes that keep good leads and drop bad ones."""
    from ..suggest import suggest as make_suggestions

    st = state(ctx)
    data = make_suggestions(
        st.db, st.config, st.plugins, start=_day(from_, "--from"), end=_day(to, "--to")
    )
    if as_json:
        print_json(data)
        return
    print_suggestions(data, Printer(is_terminal()))


def print_suggestions(data: dict[str, Any], p: Printer) -> None:
    """The trade-off table, the suggestion in words, and a config snippet to backtest."""
    cur, best = data["current"], data["suggested"]
    judged = data["labels"].replace("feedback", "reps' verdicts")
    p.heading(
        f"Thresholds replayed {data['from']} to {data['to']}, judged by {judged} "
        f"({data['good_leads']} good leads, {data['bad_leads']} bad)"
    )
    rows = []
    for r in data["thresholds"]:
        mark = []
        if r["threshold"] == cur["threshold"]:
            mark.append("current")
        if r["threshold"] == best["threshold"]:
            mark.append("suggested")
        rows.append(
            [
                num(r["threshold"]),
                r["pqas"],
                f"{r['good_kept']} ({pct(r['good_share'])})",
                f"{r['bad_kept']} ({pct(r['bad_share'])})",
                pct(r["precision"]),
                r["conversions_caught"],
                num(r["median_days_early"], 1),
                ", ".join(mark),
                bar((r["good_share"] or 0) * 100, 100, 20),
            ]
        )
    p.table(
        ["threshold", "PQAs", "good kept", "bad kept", "precision", "conversions", "days early"]
        + ["", "good kept"],
        rows,
        chart_col=8,
    )
    if best["threshold"] == cur["threshold"]:
        p.line(f"Keep the threshold at {num(cur['threshold'])}: no other does better.")
    else:
        verb = "Raise" if best["threshold"] > cur["threshold"] else "Lower"
        p.line(
            f"{verb} the threshold from {num(cur['threshold'])} to {num(best['threshold'])}: "
            f"keeps {best['good_kept']} of {data['good_leads']} good leads "
            f"(now {cur['good_kept']}) and {best['bad_kept']} bad ones (now {cur['bad_kept']}); "
            f"catches {best['conversions_caught']} conversions (now {cur['conversions_caught']})."
        )
    if data["detector_changes"]:
        p.heading("Detectors that look like noise, turned off one at a time")
        p.table(
            ["change", "lift", "PQAs", "good kept", "bad kept", "conversions"],
            [
                [
                    c["change"],
                    num(c["lift"]),
                    f"{c['pqas']} (now {cur['pqas']})",
                    c["good_kept"],
                    c["bad_kept"],
                    c["conversions_caught"],
                ]
                for c in data["detector_changes"]
            ],
        )
    both = data["combined"]
    if both:
        p.line(
            f"Together, with {', '.join(both['detectors_off'])} off and the threshold at "
            f"{num(both['threshold'])}: {both['pqas']} PQAs (now {cur['pqas']}), "
            f"{both['good_kept']} good and {both['bad_kept']} bad kept, "
            f"{both['conversions_caught']} conversions caught."
        )
    p.heading("Try it: save this in a copy of your config and run `pqa backtest FILE`")
    for line in data["config_snippet"].splitlines():
        p.line(line)
