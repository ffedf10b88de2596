"""Error logging that records a repeated failure at most once per interval."""

from __future__ import annotations

import logging
import threading
from typing import Callable

#: Shortest time between two records of one repeated failure, in seconds.
INTERVAL_SECONDS = 60.0


class RateLimitedLog:
    """Logs an error at most once per interval, and counts the records left out.

    The next record that is written says how many were left out before it, so a
    failure that repeats on every request is neither lost nor flooding the log.
    """

    def __init__(self, logger: logging.Logger, clock: Callable[[], float]) -> None:
        self.logger = logger
        self.clock = clock
        self.lock = threading.Lock()
        self.last = float("-inf")
        self.suppressed = 0

    def error(self, message: str, *args: object) -> None:
        now = self.clock()
        with self.lock:
            if now - self.last < INTERVAL_SECONDS:
                self.suppressed += 1
                return
            suppressed, self.suppressed, self.last = self.suppressed, 0, now
        if suppressed:
            self.logger.error(
                "%s (%d similar errors were not logged since the last record)",
                message % args,
                suppressed,
            )
        else:
            self.logger.error(message, *args)
