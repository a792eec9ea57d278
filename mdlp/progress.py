"""A status line on the terminal while a long single solve runs (``mdlp solve``).

Row generation reports each round (:func:`solvers.rowgen.reporting`); :class:`ProgressLine`
turns the rounds into one line on stderr, rewritten in place::

    row generation: round 12, 3,456 rows added, largest violation 1.2e-03, 7.4 s

Nothing is shown for a solve that finishes within ``delay`` seconds, and the line is
rewritten at most once per ``interval`` seconds.  The clock is a parameter, so the
throttling is tested with a fake clock and no waiting.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


def format_progress(round_: int, rows_added: int, violation: float, elapsed: float) -> str:
    """The status text of one round of row generation."""
    return (
        f"row generation: round {round_}, {rows_added:,} rows added, "
        f"largest violation {violation:.1e}, {elapsed:.1f} s"
    )


class ProgressLine:
    """A ``progress`` callback for :func:`mdlp.run.solve` that draws one terminal line.

    ``delay``: seconds after creation before anything is shown; ``interval``: least
    seconds between two redraws; ``clock``: a monotonic clock in seconds.  Call
    :meth:`close` when the solve ends: it erases the line if one was drawn.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        delay: float = 3.0,
        interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.stream = sys.stderr if stream is None else stream
        self.delay = delay
        self.interval = interval
        self.clock = clock
        self.start = clock()
        self.rows_added = 0
        self.drawn: str | None = None
        self._last: float | None = None

    def __call__(self, entry: dict) -> None:
        self.rows_added += int(entry.get("added", 0))
        now = self.clock()
        elapsed = now - self.start
        if elapsed < self.delay:
            return
        if self._last is not None and now - self._last < self.interval:
            return
        self._last = now
        text = format_progress(
            int(entry["round"]), self.rows_added, float(entry["violation"]), elapsed
        )
        self._draw(text)

    def _draw(self, text: str) -> None:
        pad = max(0, len(self.drawn or "") - len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self.drawn = text

    def close(self) -> None:
        """Erase the line (if one was drawn) so that what follows starts clean."""
        if self.drawn is not None:
            self.stream.write("\r" + " " * len(self.drawn) + "\r")
            self.stream.flush()
            self.drawn = None
