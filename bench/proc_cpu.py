"""CPU time of running processes, read from /proc: what a server spent on a benchmark's
requests, whatever else the machine ran meanwhile.

    .venv/bin/python bench/proc_cpu.py PID...   the seconds of those processes and their children
"""

import os
import sys
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def with_children(pids) -> list[int]:
    """The processes and their direct children (gunicorn's master and its workers, say)."""
    found = []
    for pid in pids:
        found.append(int(pid))
        try:
            found += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            pass
    return found


def cpu_seconds(pids) -> float:
    """User + system CPU seconds used so far by those of ``pids`` that are still running."""
    ticks = 0
    for pid in set(pids):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / TICK


if __name__ == "__main__":
    print(f"{cpu_seconds(with_children(sys.argv[1:])):.2f}")
