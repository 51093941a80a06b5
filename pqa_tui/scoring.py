"""Explained scoring: run every detector on every account, weigh, decay, gate, and record.

Score = sum over an account's live signals of ``strength x weight x decay``, where decay
halves every ``scoring.half_life_days`` from the day of the evidence to the scoring day.
An account qualifies (is a PQA) when its score reaches ``scoring.threshold`` and it passes
every gate (old enough, not paid, not an internal domain, not on the denylist); a gated
account keeps its score and says which gate held it back.

:func:`compute_scores` reads and computes without writing (for replays and backtests with
another config); :func:`score_all` also saves signals, scores, score history and PQA moments
and returns what changed. Both read rollups only, so the cost follows accounts x days.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlite_utils

from . import store
from .config import Config, ConfigError
from .detectors.base import AccountUsage, Detector, Signal, UsageBatch, as_of_end
from .notify.outbox import enqueue_moment
from .plugins import Plugins
from .timestamps import now_ts

# Options of every detector that are not the detector's own.
COMMON_OPTIONS = ("enabled", "weight")


@dataclass
class DetectorSettings:
    """One detector as configured: its effective weight and options."""

    name: str
    detector: Detector
    plugin: str
    enabled: bool
    weight: float
    options: dict[str, Any]


@dataclass
class ScoredSignal:
    """A signal with its share of the score: ``points = strength x weight x decay``."""

    account_id: str
    detector: str
    plugin: str
    at: str
    strength: float
    weight: float
    decay: float
    points: float
    reason: str
    evidence: dict[str, Any]


@dataclass
class DetectorFailure:
    """A detector that raised (or returned something unusable) on one account."""

    detector: str
    plugin: str
    account_id: str
    error: str


@dataclass
class AccountScore:
    """One account's score as of a day, with everything needed to explain it."""

    account_id: str
    name: str | None
    domain: str | None
    score: float
    qualified: bool
    gate: str | None
    signals: list[ScoredSignal] = field(default_factory=list)
    errors: list[DetectorFailure] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        """Signal reasons, biggest share of the score first."""
        return [s.reason for s in self.signals]


@dataclass
class FailureSummary:
    """Failures of one detector in a run, counted over accounts."""

    detector: str
    plugin: str
    accounts: int
    error: str  # the first error seen
    example_account: str


@dataclass
class ScoreRun:
    """What :func:`score_all` did: the numbers and what changed."""

    as_of: date
    scored_at: str
    accounts: int
    qualified: int
    new_pqas: list[AccountScore]
    fell_out: list[AccountScore]
    failures: list[FailureSummary]
    seconds: float
    latest_data_day: str | None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary (what ``pqa score --json`` prints)."""
        return {
            "as_of": self.as_of.isoformat(),
            "scored_at": self.scored_at,
            "accounts": self.accounts,
            "qualified": self.qualified,
            "new_pqas": [_brief(s) for s in self.new_pqas],
            "fell_out": [_brief(s) for s in self.fell_out],
            "errors": [asdict(f) for f in self.failures],
            "seconds": round(self.seconds, 3),
            "latest_data_day": self.latest_data_day,
        }


def _brief(s: AccountScore) -> dict[str, Any]:
    return {
        "account": s.account_id,
        "name": s.name,
        "score": round(s.score, 2),
        "gate": s.gate,
        "reasons": s.reasons,
    }


# -- config -------------------------------------------------------------------------------


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _same_type(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, list):
        return isinstance(value, list) and (
            not default or all(_same_type(v, default[0]) for v in value)
        )
    return isinstance(value, type(default))


def _check_option(path: str | None, key: str, value: Any, default: Any) -> Any:
    if not _same_type(value, default):
        expected = _kind(default)
        if isinstance(default, list) and default:
            expected = f"a list of {_kind(default[0])}s"
        raise ConfigError(path, key, f"expected {expected} (default {default!r}), got {value!r}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if key.endswith("_days") and value < 1:
            raise ConfigError(path, key, f"expected a window of 1 day or more, got {value!r}")
        if value < 0:
            raise ConfigError(path, key, f"expected 0 or more, got {value!r}")
        if isinstance(default, float):
            return float(value)
    return value


def detector_settings(config: Config, plugins: Plugins) -> list[DetectorSettings]:
    """Check ``[detectors.*]`` against the loaded detectors and return each one's settings.

    Raises :class:`ConfigError` naming the file and key: unknown detector, unknown option,
    wrong type (compared with the option's default), negative number or window under 1 day.
    """
    path = config.path
    for name in config.detectors:
        if name not in plugins.detectors:
            hint = ""
            if plugins.errors:
                broken = ", ".join(sorted({e.plugin for e in plugins.errors}))
                hint = f" (plugins that failed to load: {broken}; see `pqa plugins`)"
            choices = ", ".join(sorted(plugins.detectors))
            raise ConfigError(
                path, f"detectors.{name}", f"unknown detector; expected one of: {choices}{hint}"
            )
    settings = []
    for name, detector in plugins.detectors.items():
        table = config.detectors.get(name, {})
        defaults = dict(getattr(detector, "options", {}) or {})
        options = dict(defaults)
        enabled = True
        weight = float(getattr(detector, "default_weight", 1.0))
        for key, value in table.items():
            dotted = f"detectors.{name}.{key}"
            if key == "enabled":
                enabled = _check_option(path, dotted, value, True)
            elif key == "weight":
                weight = _check_option(path, dotted, value, 1.0)
            elif key in defaults:
                options[key] = _check_option(path, dotted, value, defaults[key])
            else:
                known = ", ".join([*COMMON_OPTIONS, *sorted(defaults)])
                raise ConfigError(path, dotted, f"unknown option; expected one of: {known}")
        plugin = plugins.owners.get(("detector", name), "?")
        settings.append(DetectorSettings(name, detector, plugin, enabled, weight, options))
    return settings


def check_config(config: Config, plugins: Plugins) -> None:
    """Validate everything that needs the plugins loaded (``pqa config check``)."""
    detector_settings(config, plugins)


def lookback_days(config: Config, settings: list[DetectorSettings]) -> int:
    """How many days of usage a run reads: enough for every window and the one before it."""
    longest = max(
        (
            2 * sum(v for k, v in s.options.items() if k.endswith("_days"))
            for s in settings
            if s.enabled
        ),
        default=0,
    )
    return max(config.scoring.max_signal_age_days, int(math.ceil(longest)), 1)


# -- computing ----------------------------------------------------------------------------


def today() -> date:
    return datetime.now(UTC).date()


def decay(age_days: float, half_life_days: float) -> float:
    """The share of a signal left after ``age_days``: halves every ``half_life_days``."""
    return 0.5 ** (max(0.0, age_days) / half_life_days)


def _candidates(db: sqlite_utils.Database, first_day: str, as_of: date) -> list[str]:
    """Accounts active within the lookback, plus those whose last score needs clearing."""
    rows = db.conn.execute(
        "select distinct account_id from rollups where metric = 'events' and day >= ? and day <= ?",
        (first_day, as_of.isoformat()),
    )
    ids = {r[0] for r in rows}
    ids.update(
        r[0] for r in db.conn.execute("select account_id from scores where score > 0 or qualified")
    )
    return sorted(ids)


def accounts_by_id(db: sqlite_utils.Database, ids: list[str]) -> dict[str, dict[str, Any]]:
    wanted = set(ids)
    cur = db.conn.execute(
        "select account_id, name, domain, plan, created_at, first_seen, last_seen, traits "
        "from accounts"
    )
    cols = [c[0] for c in cur.description]
    found = {}
    for row in cur:
        if row[0] in wanted:
            account = dict(zip(cols, row, strict=True))
            account["traits"] = json.loads(account["traits"] or "{}")
            found[row[0]] = account
    for account_id in wanted - found.keys():  # usage seen before any group call
        found[account_id] = {
            "account_id": account_id,
            "name": None,
            "domain": None,
            "plan": None,
            "created_at": None,
            "first_seen": None,
            "last_seen": None,
            "traits": {},
        }
    return found


def born_day(db: sqlite_utils.Database, account: dict[str, Any]) -> date | None:
    """When the account started: created_at, first_seen, else its first day of usage."""
    born = account.get("created_at") or account.get("first_seen")
    if born:
        return date.fromisoformat(born[:10])
    row = db.conn.execute(
        "select min(day) from rollups where account_id = ?", (account["account_id"],)
    ).fetchone()
    return date.fromisoformat(row[0]) if row and row[0] else None


def plans_as_of(db: sqlite_utils.Database, config: Config, as_of_ts: str) -> dict[str, str]:
    """Account -> plan as it was at ``as_of_ts``, from recorded plan changes."""
    plans: dict[str, str] = {}
    rows = db.conn.execute(
        "select entity_id, old_value, new_value, ts from trait_changes "
        "where entity = 'account' and trait = ? order by entity_id, ts, id",
        (config.plans.trait,),
    )
    for account_id, old, new, ts in rows:
        if ts <= as_of_ts:
            plans[account_id] = new or ""
        elif account_id not in plans:
            plans[account_id] = old or ""  # first change came later: the plan before it
    return plans


def gate_for(
    config: Config, account: dict[str, Any], plan: str, born: date | None, as_of: date
) -> str | None:
    """Why this account may not surface (None when it may)."""
    s = config.scoring
    name, domain = account.get("name") or "", (account.get("domain") or "").lower()
    denied = {d.lower() for d in s.denylist}
    for value in (account["account_id"], name, domain):
        if value and value.lower() in denied:
            return f"denylist: {value!r} is in scoring.denylist"
    for excluded in s.exclude_domains:
        excluded = excluded.lower()
        if domain and (domain == excluded or domain.endswith("." + excluded)):
            return f"internal domain: {domain} (scoring.exclude_domains)"
    free = {p.lower() for p in config.plans.free_plans}
    if s.exclude_paid and plan.lower() not in free:
        return f"paid: plan {plan!r} (scoring.exclude_paid)"
    if born is None or (as_of - born).days < s.min_account_age_days:
        age = "unknown age" if born is None else f"{(as_of - born).days} days old"
        return f"too new: {age} (min {s.min_account_age_days} days)"
    return None


def detect_safely(
    setting: DetectorSettings, usage: AccountUsage
) -> tuple[list[Signal], str | None]:
    try:
        signals = list(setting.detector.detect(usage, dict(setting.options)) or ())
        for signal in signals:
            if not isinstance(signal, Signal):
                raise TypeError(f"detect() yielded {signal!r}, not a Signal")
            if not isinstance(signal.strength, (int, float)) or not (0 <= signal.strength <= 1):
                raise ValueError(f"signal strength {signal.strength!r} is not within 0..1")
            if not isinstance(signal.reason, str) or not signal.reason:
                raise ValueError("signal has no reason")
            signal.at = signal.at_ts  # validates the time; later reads are free
    except Exception as e:  # noqa: BLE001 - one detector never takes scoring down
        return [], f"{type(e).__name__}: {e}"
    return signals, None


def compute_scores(
    db: sqlite_utils.Database,
    config: Config,
    plugins: Plugins,
    as_of: date | None = None,
    *,
    account_ids: list[str] | None = None,
) -> list[AccountScore]:
    """Score accounts as of a day (default today, UTC) using only data up to that day.

    Reads, never writes. ``account_ids`` limits the run; by default every account with usage
    in the lookback, plus any whose saved score needs clearing. A detector that raises is
    recorded in the account's ``errors`` and the rest of the run completes.
    """
    as_of = as_of or today()
    settings = [s for s in detector_settings(config, plugins) if s.enabled]
    lookback = lookback_days(config, settings)
    first_day = (as_of - timedelta(days=lookback - 1)).isoformat()
    ids = account_ids if account_ids is not None else _candidates(db, first_day, as_of)
    accounts = accounts_by_id(db, ids)
    batch = UsageBatch(db, config, as_of, ids, lookback)
    plans = plans_as_of(db, config, batch.as_of_ts)
    s = config.scoring

    def score_one(account_id: str, box: TimeBox) -> AccountScore | None:
        account = accounts[account_id]
        usage = AccountUsage(batch, account)
        scored: list[ScoredSignal] = []
        errors: list[DetectorFailure] = []
        for setting in settings:
            skipped = box.skipped.get(setting.name)
            if skipped:
                errors.append(DetectorFailure(setting.name, setting.plugin, account_id, skipped))
                continue
            box.started(setting)
            signals, error = detect_safely(setting, usage)
            if not box.finished():
                return None  # this call overran its time box and the run went on without it
            if error:
                errors.append(DetectorFailure(setting.name, setting.plugin, account_id, error))
            for signal in signals:
                at = signal.at_ts  # already stored text: returned as is
                age = (as_of - date.fromisoformat(at[:10])).days
                if age > s.max_signal_age_days:
                    continue
                share = decay(age, s.half_life_days)
                strength = float(signal.strength)
                scored.append(
                    ScoredSignal(
                        account_id=account_id,
                        detector=setting.name,
                        plugin=setting.plugin,
                        at=at,
                        strength=strength,
                        weight=setting.weight,
                        decay=share,
                        points=strength * setting.weight * share,
                        reason=signal.reason,
                        evidence=signal.evidence,
                    )
                )
        scored.sort(key=lambda x: -x.points)
        score = sum(x.points for x in scored)
        plan = plans.get(account_id, account.get("plan") or "")
        gate = gate_for(config, account, plan, born_day(db, account), as_of)
        return AccountScore(
            account_id=account_id,
            name=account.get("name"),
            domain=account.get("domain"),
            score=score,
            qualified=score >= s.threshold and gate is None and score > 0,
            gate=gate,
            signals=scored,
            errors=errors,
        )

    return TimeBox(s.detector_timeout_seconds).run(ids, score_one)


class TimeBox:
    """Runs the accounts of a scoring run on a worker thread and gives up on a hung detector.

    Python cannot stop a thread, so a ``detect()`` call that overruns the time box is left
    where it hangs (on a daemon thread that no longer counts), the detector is skipped for the
    rest of the run with a failure naming it, and a fresh worker carries on from the account it
    hung on. The cost for well-behaved detectors is two attribute writes per call.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.skipped: dict[str, str] = {}  # detector name -> the failure recorded for it
        self._lock = threading.Lock()
        self._current: tuple[DetectorSettings, float] | None = None
        self._abandoned = False

    def started(self, setting: DetectorSettings) -> None:
        self._current = (setting, time.monotonic())

    def finished(self) -> bool:
        """False when the call just made was given up on: the worker must stop."""
        self._current = None
        return not self._abandoned

    def run(
        self, ids: list[str], score_one: Callable[[str, TimeBox], AccountScore | None]
    ) -> list[AccountScore]:
        results: list[AccountScore] = []
        position = 0
        while position < len(ids):
            box = TimeBox(self.seconds)
            box.skipped = self.skipped
            done: list[AccountScore] = []
            failure: list[BaseException] = []

            def work(
                box: TimeBox = box, done: list = done, failure: list = failure, start=position
            ) -> None:
                try:
                    for account_id in ids[start:]:
                        result = score_one(account_id, box)
                        with box._lock:
                            if box._abandoned or result is None:
                                return
                            done.append(result)
                except BaseException as e:  # noqa: BLE001 - handed to the calling thread
                    failure.append(e)

            worker = threading.Thread(target=work, name="pqa-scoring", daemon=True)
            worker.start()
            while worker.is_alive():
                worker.join(timeout=min(0.25, self.seconds / 4))
                current = box._current
                if current is None or time.monotonic() - current[1] <= self.seconds:
                    continue
                with box._lock:
                    box._abandoned = True
                setting = current[0]
                self.skipped[setting.name] = (
                    f"TimeoutError: detect() ran for over {self.seconds:g} s on "
                    f"{ids[position + len(done)]}; skipped for the rest of this run "
                    "(scoring.detector_timeout_seconds)"
                )
                break
            if failure:
                raise failure[0]
            results.extend(done)
            position += len(done)
            if not box._abandoned:
                break
        return results


def summarize_failures(scores: list[AccountScore]) -> list[FailureSummary]:
    """Detector failures of a run, one line per detector with the count of accounts."""
    summary: dict[str, FailureSummary] = {}
    for s in scores:
        for f in s.errors:
            if f.detector in summary:
                summary[f.detector].accounts += 1
            else:
                summary[f.detector] = FailureSummary(f.detector, f.plugin, 1, f.error, s.account_id)
    return list(summary.values())


def latest_data_day(db: sqlite_utils.Database) -> str | None:
    """The most recent day with any usage (to warn when scoring far past the data)."""
    row = db.conn.execute("select max(day) from rollups where metric = 'events'").fetchone()
    return row[0] if row else None


# -- saving -------------------------------------------------------------------------------


def score_all(
    db: sqlite_utils.Database, config: Config, plugins: Plugins, *, as_of: date | None = None
) -> ScoreRun:
    """Compute scores as of a day and save them; return what changed.

    Saves the live signals, each account's score (and gate), one ``score_history`` row per
    account for the scoring day, and PQA moments: a new moment when an account crosses the
    bar, ``ended_at`` set when it falls out. Moments are kept forever.
    """
    started = time.perf_counter()
    as_of = as_of or today()
    scores = compute_scores(db, config, plugins, as_of)
    scored_at = now_ts()
    # Moments of a replay are dated at the end of the replayed day, not at the wall clock.
    moment_at = scored_at if as_of >= today() else as_of_end(as_of)
    new_pqas: list[AccountScore] = []
    fell_out: list[AccountScore] = []
    with store.write(db) as conn:
        open_moments = dict(
            conn.execute("select account_id, id from pqa_moments where ended_at is null")
        )
        conn.execute("delete from signals")
        conn.executemany(
            "insert into signals (account_id, detector, at, strength, weight, points, reason, "
            "evidence, scored_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    x.account_id,
                    x.detector,
                    x.at,
                    x.strength,
                    x.weight,
                    x.points,
                    x.reason,
                    json.dumps({**x.evidence, "plugin": x.plugin, "decay": x.decay}, default=str),
                    scored_at,
                )
                for s in scores
                for x in s.signals
            ],
        )
        conn.executemany(
            "insert or replace into scores (account_id, score, qualified, gate, reasons, "
            "scored_at, as_of) values (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    s.account_id,
                    s.score,
                    int(s.qualified),
                    s.gate,
                    json.dumps(s.reasons),
                    scored_at,
                    as_of.isoformat(),
                )
                for s in scores
            ],
        )
        conn.executemany(
            "insert or replace into score_history (account_id, day, score, qualified) "
            "values (?, ?, ?, ?)",
            [(s.account_id, as_of.isoformat(), s.score, int(s.qualified)) for s in scores],
        )
        for s in scores:
            if s.qualified and s.account_id not in open_moments:
                cur = conn.execute(
                    "insert into pqa_moments (account_id, at, score, reasons) values (?, ?, ?, ?)",
                    (s.account_id, moment_at, s.score, json.dumps(s.reasons)),
                )
                enqueue_moment(conn, config, int(cur.lastrowid or 0), s.account_id, moment_at)
                new_pqas.append(s)
            elif not s.qualified and s.account_id in open_moments:
                conn.execute(
                    "update pqa_moments set ended_at = ? where id = ?",
                    (moment_at, open_moments[s.account_id]),
                )
                fell_out.append(s)
    return ScoreRun(
        as_of=as_of,
        scored_at=scored_at,
        accounts=len(scores),
        qualified=sum(s.qualified for s in scores),
        new_pqas=sorted(new_pqas, key=lambda s: -s.score),
        fell_out=sorted(fell_out, key=lambda s: -s.score),
        failures=summarize_failures(scores),
        seconds=time.perf_counter() - started,
        latest_data_day=latest_data_day(db),
    )
