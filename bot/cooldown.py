"""Per-user cooldown: one question every few seconds, so one person cannot hog the bot."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable


class Cooldown:
    """Remembers when each key last passed; `hit` says how long a key still has to wait."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: dict[Hashable, float] = {}

    def hit(self, key: Hashable) -> float:
        """0.0 and the use is recorded when `key` may go ahead; else the seconds left to wait."""
        if self.seconds <= 0:
            return 0.0
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self.seconds:
            return self.seconds - (now - last)
        self._last[key] = now
        if len(self._last) > 10_000:
            self._forget_before(now - self.seconds)
        return 0.0

    def _forget_before(self, cutoff: float) -> None:
        self._last = {k: t for k, t in self._last.items() if t >= cutoff}
