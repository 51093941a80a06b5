"""Reports that close the loop: did the PQAs we surfaced convert, and which signals carry weight?

Everything here reads the database and returns plain, JSON-ready dicts: the CLI prints them as
charts or tables, the TUI's Reports screen renders them, and ``--json`` hands them to scripts.
Nothing here writes.

Definitions used throughout (documented in docs/reports.md):

- An account *converted* when it has an outcome ``converted`` (product data, recorded at
  ingest) or ``won`` (recorded by a rep). Its conversion time is the first such outcome.
- An account was *surfaced* when it had a PQA moment before it converted (or never converted):
  surfacing an account that already pays proves nothing.
- A detector *fired* on an account when a stored signal of that detector, or the reasons of one
  of its PQA moments, name the detector with evidence from before the account converted.
- A rep's *verdict* on an account is its latest feedback: good or bad.
- *Precision* of a detector is good / (good + bad) among the accounts it fired on that have a
  verdict, with a Wilson 95% interval. *Lift* is the conversion rate of the accounts it fired on
  divided by that of the accounts it did not fire on, with a Katz 95% interval and a two-sided
  Fisher exact p-value, so a small sample does not look like a discovery.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from .backtest import ReplayData, default_window, replay, weekly_steps
from .config import Config, detector_settings
from .fit import FitError, run_fit
from .stats import (
    CONVERTED_OUTCOMES,
    fisher_exact,
    median,
    rate,
    risk_ratio,
    risk_ratio_interval,
    round_or_none,
    wilson_interval,
)

QUALIFIED_OUTCOMES = ("qualified", "won", "converted")
# Triage states that imply a stage of the funnel was reached (a later state implies the earlier).
CONTACTED_STATES = frozenset({"contacted", "meeting", "qualified", "won", "lost", "no_response"})
QUALIFIED_STATES = frozenset({"qualified", "won"})
WON_STATES = frozenset({"won"})
# Seniority answers that mean someone who can buy is in the account: the buyer_persona
# detector's default list, overridden by its `seniorities` option when the config sets one.
BUYER_SENIORITIES = (
    "director", "head", "vp", "vice president", "chief", "c-level", "ceo", "cto", "cfo", "coo",
    "cio", "cmo", "founder", "co-founder", "owner", "president",
)  # fmt: skip
# The actor triage records for what the system does on its own (pqa_tui.triage.SYSTEM_ACTOR).
SYSTEM_ACTOR = "pqa"


# ---------------------------------------------------------------------------------------------
# Reading the history once


def week_of(ts: str) -> str:
    """The Monday (``YYYY-MM-DD``) of the ISO week a stored time or day falls in."""
    d = date.fromisoformat(ts[:10])
    return (d - timedelta(days=d.weekday())).isoformat()


def _hours_between(start: str, end: str) -> float:
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
    return (datetime.strptime(end, fmt) - datetime.strptime(start, fmt)).total_seconds() / 3600


def _detectors_in_reasons(raw: str | None) -> set[str]:
    """Detector names in a moment's ``reasons`` JSON (strings, or objects with ``detector``)."""
    try:
        items = json.loads(raw or "[]")
    except ValueError:
        return set()
    names: set[str] = set()
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str):
            names.add(item)
        elif isinstance(item, dict) and isinstance(item.get("detector"), str):
            names.add(item["detector"])
    return names


@dataclass
class History:
    """What reports need from the database, read in a handful of queries."""

    accounts: dict[str, str | None] = field(default_factory=dict)  # account -> plan
    moments: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # -> [(at, reasons)]
    conversions: dict[str, str] = field(default_factory=dict)  # account -> first conversion at
    verdicts: dict[str, str] = field(default_factory=dict)  # account -> latest good/bad
    fired: dict[str, dict[str, str]] = field(default_factory=dict)  # detector -> account -> at
    activity: dict[str, list[tuple[str, str, str | None]]] = field(default_factory=dict)
    outcomes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def load_history(db: sqlite_utils.Database, *, since: str | None = None) -> History:
    """Read accounts, moments, conversions, verdicts, signals and triage, from ``since`` on."""
    h = History()
    conn = db.conn
    lower = since or ""
    for account_id, plan in conn.execute("select account_id, plan from accounts"):
        h.accounts[account_id] = plan
    for account_id, at, outcome, _source in conn.execute(
        "select account_id, at, outcome, source from outcomes order by at, id"
    ):
        h.outcomes.setdefault(account_id, []).append((at, outcome))
        if outcome in CONVERTED_OUTCOMES and account_id not in h.conversions:
            h.conversions[account_id] = at
    for account_id, at, reasons in conn.execute(
        "select account_id, at, reasons from pqa_moments where at >= ? order by at, id", [lower]
    ):
        h.moments.setdefault(account_id, []).append((at, reasons))
    for account_id, verdict in conn.execute(
        "select account_id, verdict from feedback where at >= ? order by at, id", [lower]
    ):
        h.verdicts[account_id] = verdict
    # Only people touch accounts: the system's own rows (surfacing, routing, returns from
    # sunset) are not a first touch.
    for account_id, at, action, to_state in conn.execute(
        "select account_id, at, action, to_state from activity where at >= ? and actor != ? "
        "order by at, id",
        [lower, SYSTEM_ACTOR],
    ):
        h.activity.setdefault(account_id, []).append((at, action, to_state))
    for detector, account_id, at in conn.execute(
        "select detector, account_id, min(at) from signals where at >= ? "
        "group by detector, account_id",
        [lower],
    ):
        _fire(h, detector, account_id, at)
    for account_id, moments in h.moments.items():
        for at, reasons in moments:
            for detector in _detectors_in_reasons(reasons):
                _fire(h, detector, account_id, at)
    return h


def _fire(h: History, detector: str, account_id: str, at: str) -> None:
    seen = h.fired.setdefault(detector, {})
    if account_id not in seen or at < seen[account_id]:
        seen[account_id] = at


def first_surfaced(h: History, account_id: str) -> str | None:
    """When the account was first surfaced before converting (None if it never was)."""
    moments = h.moments.get(account_id)
    if not moments:
        return None
    first = moments[0][0]
    converted = h.conversions.get(account_id)
    if converted is not None and converted <= first:
        return None
    return first


# ---------------------------------------------------------------------------------------------
# The parts of the report


def surfaced_vs_not(h: History) -> dict[str, Any]:
    """Conversion of surfaced accounts against accounts never surfaced, with the lift."""
    surfaced = {a for a in h.accounts if first_surfaced(h, a) is not None}
    others = set(h.accounts) - surfaced
    return _compare(surfaced, others, h.conversions, "surfaced", "not_surfaced")


def _compare(
    group: set[str], rest: set[str], conversions: dict[str, str], name: str, other: str
) -> dict[str, Any]:
    a = sum(1 for x in group if x in conversions)
    c = sum(1 for x in rest if x in conversions)
    n1, n2 = len(group), len(rest)
    ci = risk_ratio_interval(a, n1, c, n2)
    return {
        name: {"accounts": n1, "converted": a, "rate": rate(a, n1)},
        other: {"accounts": n2, "converted": c, "rate": rate(c, n2)},
        "lift": round_or_none(risk_ratio(a, n1, c, n2)),
        "lift_ci": [round_or_none(ci[0]), round_or_none(ci[1])] if ci else None,
        "p_value": round_or_none(fisher_exact(a, n1 - a, c, n2 - c), 6),
    }


def detector_table(
    h: History,
    fired_at: dict[str, dict[str, str]],
    population: set[str],
    detectors: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Per detector: fired, good, bad, converted, precision (Wilson CI), lift (Katz CI), p.

    ``fired_at`` is detector -> account -> when it first fired; ``population`` the accounts
    compared (the lift sets those it fired on against the rest of them).
    """
    rows = []
    for detector in sorted(set(fired_at) | set(detectors or [])):
        fired = {
            a
            for a, at in fired_at.get(detector, {}).items()
            if a in population and (a not in h.conversions or at < h.conversions[a])
        }
        good = sum(1 for a in fired if h.verdicts.get(a) == "good")
        bad = sum(1 for a in fired if h.verdicts.get(a) == "bad")
        comparison = _compare(fired, population - fired, h.conversions, "fired", "not_fired")
        ci = wilson_interval(good, good + bad)
        rows.append(
            {
                "detector": detector,
                "fired": len(fired),
                "good": good,
                "bad": bad,
                "converted": comparison["fired"]["converted"],
                "precision": rate(good, good + bad),
                "precision_ci": [round_or_none(ci[0]), round_or_none(ci[1])] if ci else None,
                "conversion_rate": comparison["fired"]["rate"],
                "baseline_rate": comparison["not_fired"]["rate"],
                "lift": comparison["lift"],
                "lift_ci": comparison["lift_ci"],
                "p_value": comparison["p_value"],
                "verdict": _detector_verdict(comparison, ci),
            }
        )
    rows.sort(key=lambda r: (-(r["lift"] or 0), r["detector"]))
    return rows


def replayed_firings(
    db: sqlite_utils.Database, config: Config, plugins: Any, since: str | None
) -> tuple[dict[str, dict[str, str]], set[str], dict[str, str]] | None:
    """When each detector first fired on each account, replaying the current config weekly.

    The stored signals are only the last scoring run's; a weekly replay sees every account
    as it was before it converted, so a detector's lift is measured on all of them. Also
    returns the accounts that could surface and the detectors given up on (hung).
    """
    data = ReplayData.load(db)
    if data.last_day is None:
        return None  # no usage to replay
    first, last = default_window(data)
    if since:
        first = max(first, date.fromisoformat(since[:10]))
        if first > last:
            return None  # no usage since then to replay
    (rep,) = replay(db, [config], plugins, weekly_steps(first, last), data)
    fired = {
        detector: {a: rep.step_ts(i) for a, i in accounts.items()}
        for detector, accounts in rep.fired.items()
    }
    return fired, rep.eligible, rep.skipped


def _detector_verdict(comparison: dict[str, Any], precision_ci: tuple | None) -> str:
    """A word a founder can act on: carries weight, noise, or too little data to tell."""
    ci = comparison["lift_ci"]
    if ci is None or comparison["fired"]["accounts"] < 5:
        return "too little data"
    if ci[0] is not None and ci[0] > 1:
        return "carries weight"
    if ci[1] is not None and ci[1] < 1:
        return "works against"
    if comparison["p_value"] is not None and comparison["p_value"] >= 0.05:
        return "noise"
    return "unclear"


def funnel(h: History) -> dict[str, Any]:
    """Accounts → PQA moments → claimed → contacted → qualified → won, in total and per week."""
    weeks: dict[str, Counter] = defaultdict(Counter)
    totals: Counter = Counter()
    touch_hours: list[float] = []
    for account_id, moments in h.moments.items():
        acts = h.activity.get(account_id, [])
        outs = h.outcomes.get(account_id, [])
        for i, (at, _reasons) in enumerate(moments):
            end = moments[i + 1][0] if i + 1 < len(moments) else "~"
            after = [x for x in acts if at <= x[0] < end]
            outcomes = {o for t, o in outs if at <= t < end}
            states = {s for _t, _a, s in after if s}
            actions = {a for _t, a, _s in after}
            stages = {"pqa_moments"}
            won = bool(states & WON_STATES) or "won" in outcomes or "converted" in outcomes
            qualified = (
                won or bool(states & QUALIFIED_STATES) or bool(outcomes & set(QUALIFIED_OUTCOMES))
            )
            contacted = qualified or bool(states & CONTACTED_STATES) or "contacted" in actions
            claimed = contacted or "claimed" in states or "claim" in actions
            for stage, reached in (
                ("claimed", claimed),
                ("contacted", contacted),
                ("qualified", qualified),
                ("won", won),
            ):
                if reached:
                    stages.add(stage)
            if after:
                touch_hours.append(_hours_between(at, after[0][0]))
            wk = week_of(at)
            for stage in stages:
                weeks[wk][stage] += 1
                totals[stage] += 1
    order = ("pqa_moments", "claimed", "contacted", "qualified", "won")
    return {
        "accounts": len(h.accounts),
        **{stage: totals[stage] for stage in order},
        "surfaced_accounts": len(h.moments),
        "median_hours_to_first_touch": round_or_none(median(touch_hours), 1),
        "weeks": [{"week": wk, **{s: weeks[wk][s] for s in order}} for wk in sorted(weeks)],
    }


def free_to_paid(h: History, config: Config) -> dict[str, Any]:
    """Share of accounts that started free and converted, with conversions per week."""
    free = set(config.plans.free_plans)
    # An account converts from free only if it was free at some point: a conversion outcome
    # says so; an account with a paid plan and no conversion was paid before we saw it.
    started_free = {a for a, plan in h.accounts.items() if (plan or "") in free}
    started_free |= set(h.conversions) & set(h.accounts)
    converted = set(h.conversions) & started_free
    per_week = Counter(week_of(h.conversions[a]) for a in converted)
    return {
        "free_accounts": len(started_free),
        "converted": len(converted),
        "rate": rate(len(converted), len(started_free)),
        "weeks": [{"week": wk, "converted": per_week[wk]} for wk in sorted(per_week)],
    }


def package_mix(h: History, config: Config) -> list[dict[str, Any]]:
    """Accounts per known plan, paid plans first."""
    free = set(config.plans.free_plans)
    counts = Counter(plan for plan in h.accounts.values() if plan)
    total = sum(counts.values())
    rows = [
        {"plan": plan, "paid": plan not in free, "accounts": n, "share": rate(n, total)}
        for plan, n in counts.items()
    ]
    rows.sort(key=lambda r: (not r["paid"], -r["accounts"], r["plan"]))
    return rows


def monetization(db: sqlite_utils.Database, config: Config, since: str | None) -> dict[str, Any]:
    """Pricing-page views per activated account, overall and per week.

    An account is *activated* once it has done something of value (the ``value`` event kind);
    pricing views are the ``pricing`` event kind plus the ``page:pricing`` page group.
    """
    day_from = (since or "")[:10]
    metrics = [m for m in ("pricing", "page:pricing") if _metric_configured(config, m)]
    activation = "value" if "value" in config.events else "events"
    activated_at: dict[str, str] = {}
    for account_id, day in db.conn.execute(
        "select account_id, min(day) from rollups where metric = ? and value > 0 "
        "group by account_id",
        [activation],
    ):
        activated_at[account_id] = day
    views: Counter = Counter()
    weekly_views: Counter = Counter()
    if metrics:
        marks = ",".join("?" for _ in metrics)
        for account_id, day, value in db.conn.execute(
            f"select account_id, day, value from rollups where metric in ({marks}) and day >= ?",
            [*metrics, day_from],
        ):
            if account_id in activated_at and activated_at[account_id] <= day:
                views[account_id] += value
                weekly_views[week_of(day)] += value
    total_views = sum(views.values())
    weeks = []
    for wk in sorted(weekly_views):
        active = sum(1 for d in activated_at.values() if week_of(d) <= wk)
        weeks.append(
            {
                "week": wk,
                "pricing_views": weekly_views[wk],
                "per_activated": round_or_none(weekly_views[wk] / active if active else None),
            }
        )
    n_activated = len(activated_at)
    return {
        "activated_accounts": n_activated,
        "pricing_views": total_views,
        "pricing_views_per_activated": round_or_none(
            total_views / n_activated if n_activated else None
        ),
        "weeks": weeks,
    }


def _metric_configured(config: Config, metric: str) -> bool:
    if metric.startswith("page:"):
        return metric[5:] in config.pages
    return metric in config.events


def buyer_coverage(db: sqlite_utils.Database, config: Config, h: History) -> dict[str, Any]:
    """Share of surfaced accounts with someone of buying seniority among their users."""
    surfaced = set(h.moments)
    terms = config.detectors.get("buyer_persona", {}).get("seniorities", BUYER_SENIORITIES)
    senior = sorted({str(t).lower() for t in terms})
    marks = ",".join("?" for _ in senior)
    with_buyer = {
        account_id
        for (account_id,) in db.conn.execute(
            "select distinct m.account_id from memberships m join users u on u.user_id = m.user_id "
            f"where lower(u.seniority) in ({marks}) or lower(u.role) in ({marks})",
            senior + senior,
        )
        if account_id in surfaced
    }
    return {
        "pqas": len(surfaced),
        "with_buyer": len(with_buyer),
        "share": rate(len(with_buyer), len(surfaced)),
    }


def build_report(
    db: sqlite_utils.Database,
    config: Config,
    *,
    since: str | None = None,
    plugins: Any = None,
) -> dict[str, Any]:
    """The whole report as one JSON-ready dict (what ``pqa report --json`` prints).

    With ``plugins``, detector firings come from a weekly replay of the current config over
    the window (every account, as it was at the time); without, from the stored signals of
    the last scoring run and the PQA moments' reasons.
    """
    h = load_history(db, since=since)
    configured = [name for name, table in config.detectors.items() if table.get("enabled", True)]
    if plugins is not None:  # every enabled detector gets a row, with its weights
        configured = [s.name for s in detector_settings(config, plugins) if s.enabled]
    replayed = replayed_firings(db, config, plugins, since) if plugins is not None else None
    skipped: dict[str, str] = {}
    if replayed is not None:
        (fired, population, skipped), source = replayed, "replay"
    else:
        fired, population = h.fired, set(h.accounts) | set(h.moments)
        source = "stored signals"
    detectors = detector_table(h, fired, population, configured)
    fit = fitted_weights(db, config, plugins, detectors)
    return {
        "since": since[:10] if since else None,
        "funnel": funnel(h),
        "surfaced_vs_not": surfaced_vs_not(h),
        "detectors": detectors,
        "detectors_from": source,
        "detectors_skipped": skipped,
        "fit": fit,
        "monetization": monetization(db, config, since),
        "buyer_coverage": buyer_coverage(db, config, h),
        "free_to_paid": free_to_paid(h, config),
        "package_mix": package_mix(h, config),
        "feedback": {
            "good": sum(1 for v in h.verdicts.values() if v == "good"),
            "bad": sum(1 for v in h.verdicts.values() if v == "bad"),
        },
    }


def fitted_weights(
    db: sqlite_utils.Database, config: Config, plugins: Any, rows: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Set each detector row's ``weight`` (configured) and ``fitted_weight``; return the fit.

    With plugins (a replayed report), the fit is what ``pqa fit`` learns now from all the
    history (:func:`pqa_tui.fit.run_fit`): computed on demand, so it never describes an older
    workspace, and ``{"error": ...}`` when there is too little to fit on. Without (the fast
    report from stored signals), the weights are those of the last scoring run and no fit.
    """
    if plugins is None:
        used = dict(db.conn.execute("select detector, max(weight) from signals group by 1"))
        for row in rows:
            row["weight"], row["fitted_weight"] = used.get(row["detector"]), None
        return None
    weights = {s.name: s.weight for s in detector_settings(config, plugins) if s.enabled}
    try:
        fit = run_fit(db, config, plugins)
    except FitError as e:
        fit = {"error": str(e)}
    fitted = {d["detector"]: d["fitted"] for d in fit.get("detectors", [])}
    for row in rows:
        row["weight"] = weights.get(row["detector"])
        row["fitted_weight"] = fitted.get(row["detector"])
    if "error" in fit:
        return fit
    keys = ("until", "horizon_days", "trained", "held_out", "current", "fitted")
    return {k: fit[k] for k in keys}
