"""A progress bar on the terminal: counts, failures, time so far and time left (no extra dependency).

Written to standard error, redrawn in place on a terminal (at most a few times a second); when standard error is
not a terminal (CI logs, a Kubernetes pod) it prints a plain line every ``every`` items instead, so logs stay short.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 28  # characters of the bar


def _clock(seconds: float) -> str:
    s = int(max(seconds, 0) + 0.5)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class Progress:
    """Counts of a batch's items (areas × scenarios) as they finish.

    Parameters
    ----------
    total : items in the batch (those already done included).
    done : items already done before this run (skipped: counted, but not in the time-left estimate).
    stream : where to write (standard error by default).
    label : the bar's first word.
    """

    def __init__(self, total: int, done: int = 0, stream: TextIO | None = None, label: str = "batch") -> None:
        self.total, self.skipped, self.finished, self.failed = total, done, 0, 0
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.start = time.monotonic()
        self._last = 0.0
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = max(1, total // 20)

    @property
    def count(self) -> int:
        return self.skipped + self.finished + self.failed

    def eta_seconds(self) -> float | None:
        """Time left at the rate of this run's items so far (None before the first finishes)."""
        ran = self.finished + self.failed
        if not ran:
            return None
        return (time.monotonic() - self.start) / ran * (self.total - self.count)

    def line(self) -> str:
        frac = self.count / self.total if self.total else 1.0
        filled = int(round(WIDTH * frac))
        eta = self.eta_seconds()
        left = "–" if eta is None else _clock(eta)
        extra = (f", {self.skipped} already done" if self.skipped else "") + (
            f", {self.failed} failed" if self.failed else ""
        )
        return (
            f"{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {self.count}/{self.total}{extra}"
            f" | {_clock(time.monotonic() - self.start)} so far, {left} left"
        )

    def update(self, ok: int = 0, failed: int = 0) -> None:
        """Count ``ok`` items finished and ``failed`` failed, and redraw."""
        self.finished += ok
        self.failed += failed
        now = time.monotonic()
        if self._tty:
            if now - self._last >= 0.2 or self.count >= self.total:
                self.stream.write("\r" + self.line())
                self.stream.flush()
                self._last = now
        elif self.count % self.every == 0 or self.count >= self.total:
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def close(self) -> None:
        """End the bar's line (on a terminal)."""
        if self._tty:
            self.stream.write("\r" + self.line() + "\n")
            self.stream.flush()
