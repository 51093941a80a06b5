"""What history says about accounts as known on one day: conversions and reps' verdicts.

A fit learns from these labels, so they are read with a cutoff in the SQL itself: nothing
recorded after the cutoff is ever read (``pqa fit --until DATE`` means what it says).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlite_utils

from ..detectors.base import as_of_end
from ..stats import CONVERTED_OUTCOMES


@dataclass
class Labels:
    """Conversions (product data ``converted``, CRM or rep ``won``) and the latest verdict of
    each account, as known at ``cutoff`` (stored time)."""

    cutoff: str
    conversions: dict[str, str]  # account -> first conversion at
    verdicts: dict[str, str]  # account -> latest "good" / "bad"

    @classmethod
    def load(cls, db: sqlite_utils.Database, cutoff: str) -> Labels:
        marks = ",".join("?" for _ in CONVERTED_OUTCOMES)
        conversions = dict(
            db.conn.execute(
                f"select account_id, min(at) from outcomes where outcome in ({marks}) "
                "and at <= ? group by account_id",
                (*CONVERTED_OUTCOMES, cutoff),
            ).fetchall()
        )
        verdicts = dict(
            db.conn.execute(
                "select account_id, verdict from feedback where at <= ? order by at, id",
                (cutoff,),
            ).fetchall()
        )
        return cls(cutoff, conversions, verdicts)

    def label(self, account_id: str, step: date, horizon_days: int) -> bool | None:
        """Whether the account, as scored on ``step``, was a good lead.

        True when it converted within ``horizon_days`` after the step or a rep called it
        good; False when a rep called it bad (and it did not convert in time), or when the
        horizon has passed by the cutoff without a conversion; None when it is too soon to
        tell, or it had converted already (a paying account is no lead).
        """
        step_end = as_of_end(step)
        converted = self.conversions.get(account_id)
        if converted is not None and converted <= step_end:
            return None
        horizon_end = as_of_end(step + timedelta(days=horizon_days))
        if converted is not None and converted <= horizon_end:
            return True
        verdict = self.verdicts.get(account_id)
        if verdict in ("good", "bad"):
            return verdict == "good"
        if horizon_end <= self.cutoff:
            return False
        return None
