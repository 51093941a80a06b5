"""One detector never takes a run down: its errors are recorded and a hung call is given up on.

Scoring and the backtest replay both run plugin code (``detect()``) through these, so a
detector that raises, yields something that is not a :class:`~pqa_tui.detectors.base.Signal`
or hangs costs that detector's signals and nothing else.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..config import DetectorSettings
from ..detectors.base import AccountUsage, Signal

if TYPE_CHECKING:
    from .results import AccountScore


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
            value = signal.value
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float))
            ):
                raise ValueError(f"signal value {value!r} is not a number")
            signal.at = signal.at_ts  # validates the time; later reads are free
    except Exception as e:  # noqa: BLE001 - one detector never takes scoring down
        return [], f"{type(e).__name__}: {e}"
    return signals, None


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
