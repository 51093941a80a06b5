"""CountDetector, the base of count-over-a-window detectors, as a plugin author subclasses it."""

from __future__ import annotations

import pytest

from pqa_tui import CountDetector
from pqa_tui.testing import AccountBuilder

AS_OF = "2026-03-31"
KINDS = {"export": ["Report Exported"], "share": ["Report Shared"]}


class Exports(CountDetector):
    name = "exports"
    options = {"window_days": 7, "min_exports": 4, "kind": "export"}
    bar_option, noun = "min_exports", "report export"


class ExportsAndShares(Exports):
    def metrics(self, options):
        return [options["kind"], "share"]


@pytest.fixture
def acct(db):
    return AccountBuilder(db, events=KINDS, created="2026-01-01")


@pytest.mark.parametrize("count, strength", [(3, None), (4, 0.5), (6, 0.75), (9, 1.0)])
def test_fires_at_the_bar_with_the_usual_strength_reason_and_evidence(acct, count, strength):
    acct.track("u1", "Report Exported", "2026-03-27", count=count)
    acct.track("u1", "Report Exported", "2026-03-20", count=50)  # before the 7-day window
    signals = acct.run(Exports(), AS_OF)
    if strength is None:
        assert signals == []
        return
    (signal,) = signals
    assert signal.strength == strength
    assert signal.reason == f"{count} report exports in the last 7 days (bar: 4)"
    assert signal.evidence == {"count": count, "window": ["2026-03-25", "2026-03-31"]}
    assert signal.at_ts == "2026-03-27T00:00:00.000000Z"  # the last day the count moved


def test_one_is_singular_and_a_zero_count_never_fires_even_with_a_bar_of_zero(acct):
    assert acct.run(Exports(), AS_OF, {"min_exports": 0}) == []
    acct.track("u1", "Report Exported", "2026-03-30")
    (signal,) = acct.run(Exports(), AS_OF, {"min_exports": 1})
    assert signal.reason == "1 report export in the last 7 days (bar: 1)"


def test_sums_every_metric_and_dates_the_signal_by_the_latest(acct):
    acct.track("u1", "Report Exported", "2026-03-26", count=2)
    acct.track("u1", "Report Shared", "2026-03-29", count=2)
    assert acct.run(Exports(), AS_OF) == []
    (signal,) = acct.run(ExportsAndShares(), AS_OF)
    assert signal.evidence["count"] == 4
    assert signal.at_ts.startswith("2026-03-29")


def test_the_window_is_an_option_and_nothing_after_as_of_counts(acct):
    acct.track("u1", "Report Exported", "2026-03-10", count=4)
    acct.track("u1", "Report Exported", "2026-04-01", count=40)
    assert acct.run(Exports(), AS_OF) == []
    (signal,) = acct.run(Exports(), AS_OF, {"window_days": 28})
    assert signal.evidence == {"count": 4, "window": ["2026-03-04", "2026-03-31"]}
