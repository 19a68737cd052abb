"""Pacing requests to SCB: the sliding window of ``/config`` (``maxCallsPerTimeWindow`` calls per
``timeWindow`` seconds, shared by threads) and the waits a 429 answer asks for (``Retry-After``).
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """Sliding-window limiter: at most ``calls`` acquisitions per ``window`` seconds."""

    def __init__(self, calls: int, window: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.calls = max(1, int(calls))
        self.window = float(window)
        self.clock = clock
        self.sleep = sleep
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            while True:
                now = self.clock()
                while self._stamps and now - self._stamps[0] >= self.window:
                    self._stamps.popleft()
                if len(self._stamps) < self.calls:
                    self._stamps.append(now)
                    return
                # A small margin: the server stamps arrival, which is later than our send.
                self.sleep(self.window - (now - self._stamps[0]) + 0.05)


def retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())
