"""What happened during a fault run: per-interval status counts and latency from gunicorn's access
log, the probe's view of the outage and the recovery, and the worker timeouts gunicorn reported.

    python bench/faults/summarize.py WORKDIR [--interval 2]

WORKDIR holds events ("epoch_ms name" per fault injected), gunicorn*-access.log (deploy's format:
time taken in microseconds last), probe-*.txt ("epoch_ms status seconds") and gunicorn*.log.
"""

import argparse
import collections
import re
import sys
from datetime import datetime
from pathlib import Path

LINE = re.compile(r'\[(?P<time>[^\]]+)\] "(?P<request>[^"]*)" (?P<status>\d{3}) \S+ "[^"]*" (?P<micros>\d+)')


def read_events(work: Path) -> list[tuple[float, str]]:
    path = work / "events"
    if not path.exists():
        return []
    return [(int(ms) / 1000, name) for ms, name in (line.split(" ", 1) for line in path.read_text().splitlines())]


def read_access(work: Path) -> list[tuple[float, int, float, str]]:
    rows = []
    for path in sorted(work.glob("gunicorn*-access.log")):
        for line in path.read_text(errors="replace").splitlines():
            match = LINE.search(line)
            if not match:
                continue
            when = datetime.strptime(match["time"], "%d/%b/%Y:%H:%M:%S %z").timestamp()
            rows.append((when, int(match["status"]), int(match["micros"]) / 1000, match["request"]))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("work", type=Path)
    parser.add_argument("--interval", type=float, default=2.0)
    options = parser.parse_args()
    work = options.work
    events = read_events(work)
    access = read_access(work)
    if not access:
        print("no requests in the access log", file=sys.stderr)
        return 1
    # Time zero: the first probe (millisecond clock) or else the first logged request (whole seconds).
    first_probe = [
        int(line.split()[0]) / 1000
        for probe in work.glob("probe-*.txt")
        for line in probe.read_text().splitlines()[:1]
        if line.strip()
    ]
    start = min(first_probe) if first_probe else min(row[0] for row in access)
    print("Events (seconds from the first request):")
    for when, name in events:
        print(f"  {when - start:6.1f} s  {name}")
    print()
    print("| from s | requests | 2xx/3xx | 503 | other | max ms |")
    print("|---|---|---|---|---|---|")
    buckets = collections.defaultdict(list)
    for when, status, ms, _ in access:
        buckets[max(0, int((when - start) // options.interval))].append((status, ms))
    for index in sorted(buckets):
        rows = buckets[index]
        ok = sum(1 for s, _ in rows if s < 400)
        unavailable = sum(1 for s, _ in rows if s == 503)
        other = len(rows) - ok - unavailable
        print(
            f"| {index * options.interval:.0f} | {len(rows)} | {ok} | {unavailable} | {other} | {max(ms for _, ms in rows):.0f} |"
        )
    statuses = collections.Counter(status for _, status, _, _ in access)
    slowest_503 = max((ms for _, s, ms, _ in access if s == 503), default=0)
    print()
    print(f"Statuses: {dict(sorted(statuses.items()))}")
    print(f"Slowest 503: {slowest_503:.0f} ms; slowest response overall: {max(ms for *_, ms, _ in access):.0f} ms")
    for probe in sorted(work.glob("probe-*.txt")):
        samples = []
        for line in probe.read_text().splitlines():
            parts = line.split()
            if len(parts) == 3:
                samples.append((int(parts[0]) / 1000, parts[1], float(parts[2])))
        bad = [s for s in samples if s[1] not in {"200", "301", "302", "304"}]
        line = f"Probe {probe.stem[6:]}: {len(samples)} requests, {len(bad)} not 2xx/3xx"
        if bad:
            line += f" (statuses {sorted({s[1] for s in bad})}, from {bad[0][0] - start:.1f} s to {bad[-1][0] - start:.1f} s"
            recovered = [s for s in samples if s[0] > bad[-1][0] and s[1] == "200"]
            for when, name in events:
                if name.startswith(("start", "restart")) and recovered and recovered[0][0] >= when:
                    line += f"; first 200 {recovered[0][0] - when:.1f} s after '{name}'"
            line += ")"
        line += f"; slowest {max((s[2] for s in samples), default=0) * 1000:.0f} ms"
        print(line)
    timeouts = sum(p.read_text(errors="replace").count("WORKER TIMEOUT") for p in work.glob("gunicorn*.log"))
    print(f"Worker timeouts reported by gunicorn: {timeouts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
