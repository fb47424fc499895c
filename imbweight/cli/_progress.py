"""A progress bar for long work, on stderr."""

import sys
import time

__all__ = ["ProgressBar"]


class ProgressBar:
    """A one-line progress bar on stderr, redrawn in place.

    Called as ``bar(done, total)``; draws at most every 0.1 s, and always the
    first time ``done`` reaches ``total``, which ends the line.

    Parameters
    ----------
    label : str
        What is being done, before the bar.
    stream : file, default=None
        Where to draw; ``None`` is ``sys.stderr``.
    width : int, default=28
        Characters of the bar.
    unit : str, default="fits"
        What ``done`` and ``total`` count.
    scale : float, default=1
        ``done`` and ``total`` are shown divided by it (one decimal unless it
        is 1): 1e6 with ``unit="MB"`` for bytes.
    """

    def __init__(self, label, stream=None, width=28, unit="fits", scale=1):
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.width = width
        self.unit, self.scale = unit, scale
        self.start = time.perf_counter()
        self.last_drawn = -1.0
        self.finished = False

    def _count(self, value):
        return f"{value}" if self.scale == 1 else f"{value / self.scale:.1f}"

    def __call__(self, done, total):
        now = time.perf_counter()
        if self.finished or (done < total and now - self.last_drawn < 0.1):
            return
        self.last_drawn = now
        self.finished = done == total
        filled = round(self.width * done / total)
        bar = "#" * filled + "-" * (self.width - filled)
        end = "\n" if self.finished else ""
        self.stream.write(
            f"\r{self.label} [{bar}] {self._count(done)}/{self._count(total)} "
            f"{self.unit}, {now - self.start:.1f} s{end}"
        )
        self.stream.flush()
