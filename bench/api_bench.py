"""The read API's article detail against the HTML article page, on the same generated archive.

    .venv/bin/python bench/api_bench.py [--database-url URL] [--articles 5000] [--reuse]
                                        [--duration 10] [--connections 8] [--workers 2]

Fills a database with ``generate_archive --articles N --seed 1`` (a temporary SQLite file unless
--database-url names one; a PostgreSQL database named there is dropped and recreated unless
--reuse), starts gunicorn with production settings (debug off, the API's rate limit off: every
request comes from one address) on a loopback port, and loads it with wrk (Debian's ``wrk``;
a small threaded Python client where wrk is missing), 8 connections, for a fixed time per
scenario, the way DESIGN.md measured Wagtail:

- "one article": the same article again and again, page (/articles/ID/) and API
  (/api/v1/articles/ID): both keep their answer under a key of the article's version, so this
  is one small query and a cache read per request;
- "archive browsing": a different article on every request (the same shuffled 5,000 ids for
  both), with a fresh gunicorn so nothing is cached beforehand;
- the API's list (/api/v1/articles?limit=20) and its full form (full=true), for reference.

Each scenario runs on a freshly started gunicorn (the cache is per process). Prints requests/s,
p50/p99 latency and the app's CPU per request (user + system time of the gunicorn processes,
which does not depend on what else the machine runs) as a Markdown table.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The serving harness is the page benchmark's, so the API and the pages are measured alike.
from pages_bench import (
    analyze,
    bench_env,
    fresh_postgres,
    load_with_python,
    manage,
    parse_wrk,
    server_env,
    serving,
    shell_json,
    warm,
    workers_cpu_seconds,
)

WRK_SCRIPT = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local counter = 0
local started = false
setup = function(thread)
  thread:set("offset", (thread_count or 0))
  thread_count = (thread_count or 0) + 1
end
request = function()
  -- Threads take turns through the list, so no two requests ask for the same path until all
  -- have been asked for once.
  if not started then counter = offset; started = true end
  local path = paths[counter %% #paths + 1]
  counter = counter + %d
  return wrk.format("GET", path)
end
"""
PICK = """
import json
from django.db.models import Count
from articles.models import Article
visible = Article.objects.visible()
article = visible.filter(page__isnull=False).annotate(n=Count("sections")).order_by("-n", "-pk").first()
ids = list(visible.exclude(pk=article.pk).order_by("?").values_list("pk", flat=True)[:5000])
print(json.dumps({"article": article.pk, "sections": article.n, "ids": ids,
                  "articles": Article.objects.count(), "visible": visible.count()}))
"""


def load_with_wrk(base: str, paths: list[str], duration: int, connections: int) -> dict:
    threads = min(2, connections)
    with tempfile.TemporaryDirectory() as tmp:
        path_file = Path(tmp) / "paths.txt"
        path_file.write_text("\n".join(paths) + "\n")
        script = Path(tmp) / "paths.lua"
        script.write_text(WRK_SCRIPT % (path_file, threads))
        args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), base]
        output = subprocess.run(args, capture_output=True, text=True, check=True, timeout=duration + 60).stdout
    return parse_wrk(output)


def scenario(env, args, name: str, paths: list[str], warm_paths: list[str]) -> dict:
    """One scenario on a freshly started gunicorn: warm the workers on ``warm_paths``, then load ``paths``."""
    load = load_with_wrk if shutil.which("wrk") else load_with_python
    with serving(env, args.workers) as (server, base):
        warm(base, warm_paths * 10)  # in both workers
        cpu_before = workers_cpu_seconds(server.pid)
        result = load(base, paths, args.duration, args.connections)
        result["cpu_ms"] = (workers_cpu_seconds(server.pid) - cpu_before) * 1000 / max(result["requests"], 1)
    print(
        f"{name}: {result['rps']:.0f} req/s, p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, "
        f"app CPU {result['cpu_ms']:.2f} ms/request, errors {result['errors']}",
        file=sys.stderr,
    )
    return {"scenario": name, **result}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--reuse", action="store_true", help="use the database as it is (already generated)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per scenario")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--redis-url", help="a Redis cache shared by the workers (default: per-process memory)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="api-bench-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        env = bench_env(url)
        if not args.reuse:
            if url.startswith("postgres"):
                fresh_postgres(url)
            print(f"migrating, generating {args.articles} articles …", file=sys.stderr)
            manage(env, "migrate", "-v0")
            manage(env, "generate_archive", "--articles", str(args.articles), "--seed", "1", "--no-progress")
        analyze(env)
        picked = shell_json(env, PICK)
        print(
            f"{picked['articles']} articles ({picked['visible']} visible); "
            f"article {picked['article']} has {picked['sections']} sections",
            file=sys.stderr,
        )
        serving = server_env(env, DJANGO_API_RATE_LIMIT="")
        if args.redis_url:
            serving["REDIS_URL"] = args.redis_url
        one, ids = picked["article"], picked["ids"]
        pages = [f"/articles/{pk}/" for pk in ids]
        details = [f"/api/v1/articles/{pk}" for pk in ids]
        warm_page, warm_api = [f"/articles/{one}/"], [f"/api/v1/articles/{one}"]
        rows = [
            scenario(serving, args, "article page, one article", warm_page, warm_page),
            scenario(serving, args, "API detail, one article", warm_api, warm_api),
            scenario(serving, args, "article page, archive browsing", pages, warm_page),
            scenario(serving, args, "API detail, archive browsing", details, warm_api),
            scenario(serving, args, "API list, 20 per page", ["/api/v1/articles?limit=20"], ["/api/v1/articles"]),
            scenario(
                serving,
                args,
                "API list, 20 full articles",
                ["/api/v1/articles?limit=20&full=true"],
                ["/api/v1/articles"],
            ),
        ]
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    tool = "wrk" if shutil.which("wrk") else "python client"
    print(
        f"\n{database}, {picked['articles']} generated articles; gunicorn {args.workers} workers; {tool}, "
        f"{args.connections} connections, {args.duration} s per scenario\n"
    )
    print("| scenario | requests/s | p50 ms | p99 ms | app CPU ms/request | errors |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['scenario']} | {row['rps']:,.0f} | {row['p50']:.1f} | {row['p99']:.1f} | "
            f"{row['cpu_ms']:.2f} | {row['errors']} |"
        )


if __name__ == "__main__":
    main()
