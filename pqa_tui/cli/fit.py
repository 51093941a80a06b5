"""`pqa fit`: weights and a threshold learnt from what converted, tested on later weeks.

Thin: the numbers come from :func:`pqa_tui.fit.run_fit`; the file ``--out`` writes from
:func:`pqa_tui.fit.fitted_config_toml`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ..formatting import num, pct
from ..timestamps import parse_day_option
from .app import app, is_terminal, print_json, state
from .reports import Printer

ROWS = (
    ("threshold", "threshold", num),
    ("PQAs", "pqas", str),
    ("PQAs with a label", "labelled", str),
    ("precision of PQAs", "precision", pct),
    ("precision of the top 10", "precision_top10", pct),
    ("recall of converters", "recall", pct),
    ("median days to conversion", "median_days_to_conversion", lambda x: num(x, 1)),
)


@app.command()
def fit(
    ctx: typer.Context,
    until: str = typer.Option(
        None, "--until", help="Learn from history up to this day only (default: the latest data)."
    ),
    out_file: Path = typer.Option(
        None, "--out", help="Write the whole config with the fitted weights to this TOML file."
    ),
    horizon_days: int = typer.Option(
        90, "--horizon-days", min=1, help="A lead not converted this many days on is a bad one."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the fit as JSON."),
) -> None:
    """Learn detector weights and a threshold from conversions and verdicts; test them on
    later weeks against the current config."""
    from ..fit import fitted_config_toml, run_fit

    st = state(ctx)
    day = parse_day_option(until, "--until") if until else None
    result = run_fit(st.db, st.config, st.plugins, until=day, horizon_days=horizon_days)
    if out_file is not None:
        out_file.write_text(fitted_config_toml(st.config, result), encoding="utf-8")
        result["out"] = str(out_file)
    if as_json:
        print_json(result)
        return
    print_fit(result, Printer(is_terminal()))


def print_fit(data: dict[str, Any], p: Printer) -> None:
    """Current against fitted on the held-out weeks, then the weights side by side."""
    t, h = data["trained"], data["held_out"]
    p.heading(
        f"Fitted on {t['from']} to {t['to']} ({t['weeks']} weeks, {t['positive_accounts']} "
        f"good and {t['negative_accounts']} bad leads); tested on {h['from']} to {h['to']} "
        f"({h['weeks']} weeks, {data['seconds']:.1f} s)"
    )
    cur, new = data["current"], data["fitted"]
    p.table(
        ["held-out weeks", "current", "fitted"],
        [[label, fmt(cur[key]), fmt(new[key])] for label, key, fmt in ROWS],
    )
    p.line(
        f"conversions in the held-out weeks: {cur['conversions']}; a lead is bad when not "
        f"converted within {data['horizon_days']} days"
    )
    for name, why in data["skipped_detectors"].items():
        p.line(f"Warning: detector {name} was left out of the replay: {why}")
    p.heading("Weights")
    p.table(
        ["detector", "configured", "fitted", "coefficient"],
        [
            [d["detector"], num(d["configured"]), num(d["fitted"]), num(d["coefficient"], 3)]
            for d in data["detectors"]
        ],
    )
    if data.get("out"):
        p.line(f"Wrote {data['out']}: try it with `pqa backtest {data['out']}`")
