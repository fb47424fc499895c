"""A progress bar for long work, on stderr."""

import sys
import time

__all__ = ["ProgressBar"]


class ProgressBar:
    """A one-line progress bar on stderr, redrawn in place."""

    def __init__(self, label, stream=None, width=28):
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.width = width
        self.start = time.perf_counter()
        self.last_drawn = -1.0

    def __call__(self, done, total):
        now = time.perf_counter()
        if done < total and now - self.last_drawn < 0.1:
            return
        self.last_drawn = now
        filled = round(self.width * done / total)
        bar = "#" * filled + "-" * (self.width - filled)
        end = "\n" if done == total else ""
        self.stream.write(
            f"\r{self.label} [{bar}] {done}/{total} fits, {now - self.start:.1f} s{end}"
        )
        self.stream.flush()
