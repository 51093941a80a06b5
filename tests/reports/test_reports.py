"""Reports on a hand-built history whose right answers are worked out here, by hand.

The story is told in conftest.py (fixture `story`): ten accounts a0..a9.

- a0, a1, a2, a3 had PQA moments in January; a4's moment came after it had already converted.
- a0 converted (product data) and a1 was won by a rep, both after surfacing; a4 and a5
  converted without ever being surfaced first.
- Reps said a0 and a1 were good, a2 bad (after first saying good), a3 bad.
- seat_count fired on a0, a1, a2 and on a4 before it converted.
- paywall fired on a2, a6, a7, on a3 (named only in its moment's reasons) and on a0 *after*
  a0 converted (which must not count).
"""

from __future__ import annotations

import math

import pytest

from pqa_tui.config import Config
from pqa_tui.reports import build_report
from pqa_tui.stats import fisher_exact, risk_ratio_interval, wilson_interval


def by_detector(report):
    return {row["detector"]: row for row in report["detectors"]}


def test_surfaced_vs_not_surfaced(db, story):
    sv = build_report(db, Config())["surfaced_vs_not"]
    # surfaced before converting: a0 a1 a2 a3 (a4 surfaced only after paying): 2 of 4 converted
    assert sv["surfaced"] == {"accounts": 4, "converted": 2, "rate": 0.5}
    # the other six: a4 and a5 converted
    assert sv["not_surfaced"] == {"accounts": 6, "converted": 2, "rate": round(2 / 6, 4)}
    assert sv["lift"] == pytest.approx(0.5 / (2 / 6), abs=1e-4)
    # Hypergeometric table [[2,2],[2,4]]: every other table is at most as likely, so p = 1.
    assert sv["p_value"] == pytest.approx(1.0)


def test_detector_precision_and_lift(db, story):
    rows = by_detector(build_report(db, Config()))
    seat = rows["seat_count"]
    # fired before converting on a0 a1 a2 a4; good a0 a1, bad a2 (latest verdict)
    assert (seat["fired"], seat["good"], seat["bad"], seat["converted"]) == (4, 2, 1, 3)
    assert seat["precision"] == pytest.approx(2 / 3, abs=1e-4)
    # converted 3/4 where it fired, 1/6 (a5) where it did not
    assert seat["lift"] == pytest.approx((3 / 4) / (1 / 6), abs=1e-4)
    p, n, z = 2 / 3, 3, 1.959963984540054
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert seat["precision_ci"] == pytest.approx([centre - half, centre + half], abs=1e-4)

    paywall = rows["paywall"]
    # a2 a6 a7 by signal, a3 by its moment's reasons; a0's signal came after it converted
    assert (paywall["fired"], paywall["good"], paywall["bad"], paywall["converted"]) == (4, 0, 2, 0)
    assert paywall["precision"] == 0.0
    assert paywall["lift"] == 0.0
    # seat_count converts better than paywall
    assert rows["seat_count"]["lift"] > rows["paywall"]["lift"]


def test_json_detectors_have_the_promised_keys(db, story):
    for row in build_report(db, Config())["detectors"]:
        assert {"detector", "fired", "good", "bad", "precision"} <= set(row)


def test_funnel_counts_and_first_touch(db, story):
    f = build_report(db, Config())["funnel"]
    assert f["accounts"] == 10
    # five moments; a0 a1 a2 claimed; a0 a1 contacted; a0 converted and a1 won after surfacing
    assert (f["pqa_moments"], f["claimed"], f["contacted"], f["qualified"], f["won"]) == (
        5,
        3,
        2,
        2,
        2,
    )
    # first touches 2 h, 6 h, 24 h after the moment: median 6 h
    assert f["median_hours_to_first_touch"] == 6.0
    weeks = {w["week"]: w for w in f["weeks"]}
    assert weeks["2026-01-05"]["pqa_moments"] == 2 and weeks["2026-01-05"]["won"] == 2
    assert weeks["2026-01-12"]["pqa_moments"] == 2 and weeks["2026-01-12"]["claimed"] == 1
    assert weeks["2026-02-09"]["pqa_moments"] == 1 and weeks["2026-02-09"]["claimed"] == 0


def test_kpis(db, story):
    r = build_report(db, Config())
    # activated: a0 and a1; their pricing views after activation: 3 + 2 + 4
    assert r["monetization"]["activated_accounts"] == 2
    assert r["monetization"]["pricing_views"] == 9
    assert r["monetization"]["pricing_views_per_activated"] == 4.5
    # surfaced a0..a4; a buyer (director, owner) in a0 and a3
    assert r["buyer_coverage"] == {"pqas": 5, "with_buyer": 2, "share": 0.4}
    # six free accounts plus four that converted from free: 4 of 10
    assert r["free_to_paid"]["free_accounts"] == 10
    assert r["free_to_paid"]["converted"] == 4
    mix = {row["plan"]: row for row in r["package_mix"]}
    assert mix["pro"]["accounts"] == 3 and mix["pro"]["paid"] is True
    assert mix["free"]["accounts"] == 6 and mix["free"]["paid"] is False
    assert r["package_mix"][0]["plan"] == "pro"


def test_since_limits_the_window(db, story):
    r = build_report(db, Config(), since="2026-01-12T00:00:00.000000Z")
    f = r["funnel"]
    assert f["pqa_moments"] == 3  # a2, a3, a4
    # a2's bad verdict and a3's are in the window; a0's and a1's are not
    assert r["feedback"] == {"good": 0, "bad": 2}


def test_statistics_against_known_values():
    # Fisher's tea-tasting table: two-sided p = 0.4857 (Fisher 1935)
    assert fisher_exact(3, 1, 1, 3) == pytest.approx(0.4857, abs=1e-4)
    assert wilson_interval(0, 0) is None
    lo, hi = wilson_interval(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    lo, hi = risk_ratio_interval(20, 100, 10, 100)
    assert lo < 2.0 < hi and lo == pytest.approx(0.9866, abs=1e-3)
