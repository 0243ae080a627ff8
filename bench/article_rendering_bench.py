"""The article page before and after storing its rendering, side by side, interleaved.

    .venv/bin/python bench/article_rendering_bench.py --database postgres://postgres@127.0.0.1:5432/fastpages
                                                     [--old-tree DIR] [--rounds 2] [--duration 8]

The database must be migrated and filled (``generate_archive --articles 20000 --seed 1``). Each
variant is a gunicorn with 2 workers and production settings (debug off, no REDIS_URL: the
per-process memory cache); wrk (2 threads, 8 connections) loads it. ``--old-tree`` is a copy of
the project with the previous article page (the per-process cache of whole responses); without
it only the current code runs. Scenarios, in this order per round and variant:

- ``browse_first``: a different article on every request across 5,000 ids, with no stored
  rendering and an empty memory cache (the stored renderings are deleted and gunicorn restarted
  first): every request renders its article — "nothing cached beforehand".
- ``browse_stored``: the first 2,000 of those ids, each viewed once before (a 20 s pass): each rendered once (the current code's
  steady state for an archive; for the previous code the memory cache holds only 300 pages).
- ``one_article``: one article again and again.
- ``home``, ``issues``, ``clusters``, ``commentators``, ``tags``: the list pages across many URLs.

Besides requests/s it prints CPU milliseconds per request: gunicorn's processes and the
PostgreSQL backends serving them (from /proc), the figure to compare on a busy machine.
"""

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import psycopg
from proc_cpu import cpu_seconds, with_children

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
WRK_LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function() i = i %% #paths + 1; return wrk.format("GET", paths[i]) end
"""


def backends(conn, dbname: str) -> list[int]:
    rows = conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [dbname]
    ).fetchall()
    return [r[0] for r in rows]


def start(tree: Path, env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            GUNICORN,
            "hengyang_cms.wsgi:application",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=tree,
        env={**env, "PYTHONPATH": str(tree)},
        stdout=subprocess.DEVNULL,
        stderr=open(tempfile.gettempdir() + f"/rendering-bench-{port}.err", "a"),
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return process
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn in {tree} did not start")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(30)


def wrk(port: int, paths: list[str], duration: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(paths) + "\n")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_LUA % listing.name)
    out = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{duration}s", "--latency", "-s", script.name, f"http://127.0.0.1:{port}/"],
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "requests": total, "errors": int(non2xx.group(1)) if non2xx else 0}


def scenario_paths(conn) -> dict[str, list[str]]:
    rng = random.Random(1)
    articles = [
        f"/articles/{pk}/"
        for (pk,) in conn.execute("SELECT id FROM articles_article WHERE status = 'published' ORDER BY id")
    ]
    rng.shuffle(articles)
    issues = [f"/issues/{d:%Y-%m-%d}/" for (d,) in conn.execute("SELECT date FROM articles_issue")]
    clusters = [f"/clusters/{s}/" for (s,) in conn.execute("SELECT slug FROM clusters_cluster")]
    commentators = [f"/commentators/{pk}/" for (pk,) in conn.execute("SELECT id FROM articles_commentator")]
    tags = [f"/tags/{quote(s)}/" for (s,) in conn.execute("SELECT slug FROM taggit_tag")]
    pages = [f"?p={n}" for n in range(1, 6)]
    return {
        "browse": articles[:5000],
        "one_article": articles[:1],
        "home": [f"/{p}" for p in pages],
        "issues": issues,
        "clusters": [c + p for c in clusters for p in pages],
        "commentators": [c + p for c in commentators for p in pages[:2]],
        "tags": [t + p for t in tags for p in pages],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--old-tree", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--lists", action="store_true", help="also the list pages")
    args = parser.parse_args()
    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.pop("REDIS_URL", None)
    dbname = args.database.rsplit("/", 1)[1]
    conn = psycopg.connect(args.database, autocommit=True)
    paths = scenario_paths(conn)
    variants = [("new", ROOT)] + ([("old", args.old_tree)] if args.old_tree else [])
    print(f"load average before: {os.getloadavg()}", flush=True)
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    port = 18471
    for round_ in range(args.rounds):
        for name, tree in variants if round_ % 2 == 0 else variants[::-1]:
            conn.execute("DELETE FROM articles_articlerendering")
            process = start(tree, env, port)
            try:
                scenarios = [
                    ("browse_first", paths["browse"]),
                    ("browse_stored", paths["browse"][:2000]),
                    ("one_article", paths["one_article"]),
                ]
                if args.lists:
                    scenarios += [(k, paths[k]) for k in ("home", "issues", "clusters", "commentators", "tags")]
                for scenario, urls in scenarios:
                    if scenario == "browse_stored":  # every page of the list viewed once before
                        wrk(port, urls, max(args.duration * 2, 20))
                    elif scenario != "browse_first":
                        wrk(port, urls, 2)  # warm-up
                    pids = with_children([process.pid]) + backends(conn, dbname)
                    before = cpu_seconds(pids)
                    result = wrk(port, urls, args.duration)
                    cpu = cpu_seconds(pids) - before
                    ms = 1000 * cpu / max(result["requests"], 1)
                    results.setdefault((scenario, name), []).append((result["rps"], ms))
                    print(
                        f"round {round_ + 1} {name:4s} {scenario:14s} {result['rps']:8.1f} req/s "
                        f"{ms:6.2f} CPU ms/request (app + database) errors={result['errors']}",
                        flush=True,
                    )
            finally:
                stop(process)
    print(f"load average after: {os.getloadavg()}")
    print("\n| scenario | variant | requests/s (median) | CPU ms/request (median) |\n|---|---|---|---|")
    for (scenario, name), values in results.items():
        rps = sorted(v[0] for v in values)[len(values) // 2]
        ms = sorted(v[1] for v in values)[len(values) // 2]
        print(f"| {scenario} | {name} | {rps:.0f} | {ms:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
