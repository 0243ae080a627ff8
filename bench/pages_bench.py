"""Public pages under load: gunicorn (debug off) serving 20,000 generated articles.

    .venv/bin/python bench/pages_bench.py [--articles 20000] [--postgres URL] [--sqlite URL]
                                          [--skip-sqlite] [--skip-postgres] [--reuse]
                                          [--duration 10] [--connections 8] [--workers 2]

For each database the script makes a fresh, migrated database, fills it with
``generate_archive --articles N --seed 1``, starts gunicorn with production settings on a loopback
port, and loads each page with wrk (Debian's ``wrk`` package; a small threaded Python client is
used when wrk is missing) for a fixed time: the home page, one article, one cluster, one issue,
and "archive browsing" (a different article on every request, so the page cache rarely helps).
It prints requests per second and p50/p99 latency per page as a Markdown table. The PostgreSQL
database named in the URL is dropped and recreated (unless --reuse: then both databases are used
as they are, already filled by an earlier run or by generate_archive).

Measured the way DESIGN.md measured Wagtail: 2 gunicorn workers, 8 connections, same machine.
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from proc_cpu import cpu_seconds, with_children

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WRK_SCRIPT = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def run(args, env, **kwargs):
    return subprocess.run(args, cwd=ROOT, env=env, check=True, **kwargs)


def manage(env, *args, capture=False):
    result = run([PYTHON, "manage.py", *args], env, capture_output=capture, text=True)
    return result.stdout if capture else None


def bench_env(database_url: str) -> dict:
    """This environment without the project's own settings, on ``database_url``, debugging (for
    manage.py commands; the server gets server_env)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    return {**env, "DATABASE_URL": database_url, "DJANGO_DEBUG": "1"}


def shell_json(env, code: str):
    """What ``code`` prints last in ``manage.py shell``, read as JSON."""
    return json.loads(manage(env, "shell", "-c", code, capture=True).strip().splitlines()[-1])


def analyze(env):
    """Table statistics, as autovacuum keeps them on PostgreSQL and ANALYZE (or PRAGMA optimize)
    after a bulk load does on SQLite; without them both planners guess."""
    manage(env, "shell", "-c", "from django.db import connection; connection.cursor().execute('ANALYZE')")


def server_env(env, **extra) -> dict:
    """``env`` with production settings (debug off) for a server on the loopback address."""
    return dict(
        env,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-" + os.urandom(16).hex(),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_LOG_LEVEL="ERROR",
        **extra,
    )


@contextlib.contextmanager
def serving(env: dict, workers: int):
    """gunicorn with ``workers`` workers on a free port, as (the process, its base URL) once it
    answers /healthz; stopped on leaving."""
    port = free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(PYTHON).parent)) or "gunicorn"
    server = subprocess.Popen(
        [gunicorn, "hengyang_cms.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz")
        yield server, base
    finally:
        server.terminate()
        server.wait(timeout=30)


def warm(base: str, paths: list[str], timeout: float = 30):
    """Ask for each path once (code loaded, templates compiled, connections open); each must answer 200."""
    for path in paths:
        with urllib.request.urlopen(base + path, timeout=timeout) as response:
            assert response.status == 200, (path, response.status)


def fresh_postgres(url: str):
    """Drop and recreate the database named in the URL, through the server's maintenance database."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    admin_url = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


PICK_PAGES = """
import json
from django.db.models import Count
from articles.models import Article, Issue
from articles.selectors import issues_with_visible_articles
visible = Article.objects.visible()
article = visible.filter(page__isnull=False).annotate(n=Count("sections")).order_by("-n", "-pk").first()
issue = issues_with_visible_articles().order_by("-date").first()
ids = list(visible.order_by("?").values_list("pk", flat=True)[:5000])
print(json.dumps({
    "article": article.get_absolute_url(), "sections": article.n,
    "issue": issue.get_absolute_url(),
    "archive": [f"/articles/{pk}/" for pk in ids],
    "counts": {"articles": Article.objects.count(), "visible": visible.count(), "issues": Issue.objects.count()},
}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def parse_wrk(output: str) -> dict:
    def latency_ms(label):
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rps,
        "requests": requests,
        "p50": latency_ms("50%"),
        "p99": latency_ms("99%"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def load_with_wrk(base: str, paths: list[str], duration: int, connections: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path_file = Path(tmp) / "paths.txt"
        path_file.write_text("\n".join(paths) + "\n")
        script = Path(tmp) / "paths.lua"
        script.write_text(WRK_SCRIPT % path_file)
        threads = min(2, connections)
        args = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(script),
            base,
        ]
        output = subprocess.run(args, capture_output=True, text=True, check=True, timeout=duration + 60).stdout
    return parse_wrk(output)


def load_with_python(base: str, paths: list[str], duration: int, connections: int) -> dict:
    """A plain keep-alive HTTP/1.1 client per connection; only used where wrk is not installed."""
    import http.client

    host, port = urlsplit(base).hostname, urlsplit(base).port
    latencies, errors, stop = [], [0], time.monotonic() + duration

    def worker(offset):
        conn = http.client.HTTPConnection(host, port, timeout=30)
        i = offset
        while time.monotonic() < stop:
            started = time.perf_counter()
            conn.request("GET", paths[i % len(paths)])
            response = conn.getresponse()
            response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status >= 400:
                errors[0] += 1
            i += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "requests": len(latencies),
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[int(len(latencies) * 0.99)],
        "errors": errors[0],
    }


def workers_cpu_seconds(master_pid: int) -> float:
    """User + system CPU time of gunicorn's master and its workers."""
    return cpu_seconds(with_children([master_pid]))


def measured_load(server, base: str, paths: list[str], duration: int, connections: int) -> dict:
    """Load ``paths`` (wrk, else the Python client) and add the app's CPU per request: unlike
    requests/s, it does not depend on what else the machine runs; 2 cores / cpu_ms is the rate
    the app alone could reach."""
    load = load_with_wrk if shutil.which("wrk") else load_with_python
    cpu_before = workers_cpu_seconds(server.pid)
    result = load(base, paths, duration, connections)
    result["cpu_ms"] = (workers_cpu_seconds(server.pid) - cpu_before) * 1000 / max(result["requests"], 1)
    return result


def bench_database(label: str, database_url: str, args) -> list[dict]:
    env = bench_env(database_url)
    if not args.reuse:
        print(
            f"[{label}] migrating, generating {args.articles} articles …",
            file=sys.stderr,
        )
        manage(env, "migrate", "-v0")
        started = time.perf_counter()
        count = str(args.articles)
        manage(env, "generate_archive", "--articles", count, "--seed", "1", "--no-progress")
        elapsed = time.perf_counter() - started
        print(f"[{label}] generated in {elapsed:.0f} s", file=sys.stderr)
    analyze(env)
    picked = shell_json(env, PICK_PAGES)
    print(
        f"[{label}] {picked['counts']}; article {picked['article']} has {picked['sections']} sections",
        file=sys.stderr,
    )

    pages = [
        ("home", ["/"]),
        ("article", [picked["article"]]),
        ("cluster", ["/clusters/rail-transit/"]),
        ("issue", [picked["issue"]]),
        ("archive browsing", picked["archive"]),
    ]
    rows = []
    with serving(server_env(env), args.workers) as (server, base):
        for name, paths in pages:
            warm(base, paths[:20])
            result = measured_load(server, base, paths, args.duration, args.connections)
            rows.append(
                {
                    "database": label,
                    "page": name,
                    "path": paths[0] if len(paths) == 1 else f"{len(paths)} articles",
                    **result,
                }
            )
            print(
                f"[{label}] {name}: {result['rps']:.0f} req/s, p50 {result['p50']:.1f} ms, "
                f"p99 {result['p99']:.1f} ms, app CPU {result['cpu_ms']:.1f} ms/request",
                file=sys.stderr,
            )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/site_pages_bench")
    parser.add_argument("--sqlite", help="SQLite database URL (default: a temporary file)")
    parser.add_argument("--reuse", action="store_true", help="use the databases as they are")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory(prefix="pages-bench-") as tmp:
        if not args.skip_sqlite:
            sqlite_url = args.sqlite or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            rows += bench_database("SQLite", sqlite_url, args)
        if not args.skip_postgres:
            if not args.reuse:
                fresh_postgres(args.postgres)
            rows += bench_database("PostgreSQL", args.postgres, args)

    tool = "wrk" if shutil.which("wrk") else "python client"
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(
        f"\n{args.articles} generated articles; gunicorn {args.workers} workers; {tool}, "
        f"{args.connections} connections, {args.duration} s per page; load average after: {load}\n"
    )
    print("| database | page | requests/s | p50 ms | p99 ms | app CPU ms/request | errors |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['database']} | {row['page']} | {row['rps']:.0f} | {row['p50']:.1f} | {row['p99']:.1f} | {row['cpu_ms']:.1f} | {row['errors']} |"
        )


if __name__ == "__main__":
    main()
