"""Per-sender rate limits: a token bucket per sender name (in each server process)."""

from __future__ import annotations

import math
import threading
import time


class RateLimiter:
    """Token buckets (Turner's leaky bucket as a meter): ``rate`` envelopes a second on
    average, bursts up to ``burst``. `take` returns 0 when allowed, else the seconds to
    wait (the ``Retry-After`` value)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> int:
        """Spend one token of ``key``'s bucket; 0 if there was one, else whole seconds
        until there will be."""
        if self.rate <= 0:
            return 0
        moment = time.monotonic() if now is None else now
        with self.lock:
            tokens, last = self.buckets.get(key, (float(self.burst), moment))
            tokens = min(float(self.burst), tokens + (moment - last) * self.rate)
            if tokens >= 1.0:
                self.buckets[key] = (tokens - 1.0, moment)
                return 0
            self.buckets[key] = (tokens, moment)
            return max(1, math.ceil((1.0 - tokens) / self.rate))
