"""A plain text progress bar for management commands (no dependency, works in any terminal)."""

import time


class ProgressBar:
    def __init__(self, total: int, stream, *, label: str, enabled: bool = True, width: int = 30):
        self.total = max(total, 0)
        self.stream = stream
        self.label = label
        self.enabled = enabled
        self.width = width
        self.done = 0
        self.started = time.perf_counter()

    def advance(self, count: int) -> None:
        self.done += count
        if not self.enabled:
            return
        fraction = min(1.0, self.done / self.total) if self.total else 1.0
        filled = int(fraction * self.width)
        elapsed = time.perf_counter() - self.started
        rate = self.done / elapsed if elapsed else 0
        bar = "█" * filled + "░" * (self.width - filled)
        self.stream.write(
            f"\r{self.label} {bar} {self.done}/{self.total} ({fraction:.0%}, {rate:.0f}/秒)",
            ending="",
        )
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("")
