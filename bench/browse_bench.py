"""Every kind of public page browsed across many URLs, against a reference page in the same rounds.

    .venv/bin/python bench/browse_bench.py --database postgres://…/filled_db
        [--anchor http://127.0.0.1:PORT/path/] [--rounds 3] [--duration 10] [--workers 2]

The database must already hold an archive (``generate_archive --articles 20000 --seed 1``, as the
page benchmarks and the side-by-side run make it). gunicorn serves it with production settings;
wrk (2 threads, 8 connections) loads, in turn and for several alternating rounds, each page kind
cycling through all its URLs from a random starting point — nothing is requested beforehand but
three URLs per kind to compile templates:

- article: a different article on every request (5,000 visible articles);
- article repeated: one article again and again;
- home: ``/?page=N`` over the home page's pages;
- issue: every issue's page; cluster: every cluster page and its pages; commentator: every
  commentator's page; tag: every tag's page;

and, when ``--anchor`` is given, that URL (e.g. a stock Wagtail article page served by gunicorn
with 2 workers on the same machine). It prints each kind's median requests/s, the app's CPU per
request, and the ratio to the anchor.
"""

import argparse
import os
import random
import shutil
import statistics
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
# A sibling script, not a package.
from pages_bench import (
    bench_env,
    load_with_python,
    load_with_wrk,
    measured_load,
    server_env,
    serving,
    shell_json,
    warm,
)

PICK_URLS = """
import json
from urllib.parse import quote
from django.core.paginator import Paginator
from articles.models import Article, Commentator
from articles.selectors import issues_with_visible_articles
from clusters.models import Cluster
from taggit.models import Tag
visible = Article.objects.visible()
count = visible.count()
home_pages = max(1, min(200, (count + 19) // 20))
print(json.dumps({
    "article": [f"/articles/{pk}/" for pk in visible.order_by("?").values_list("pk", flat=True)[:5000]],
    "article repeated": [visible.filter(page__isnull=False).order_by("-published_at").first().get_absolute_url()],
    "home": ["/"] + [f"/?page={n}" for n in range(2, home_pages + 1)],
    "issue": [f"/issues/{d.isoformat()}/" for d in issues_with_visible_articles().values_list("date", flat=True)],
    "cluster": [c.get_absolute_url() + (f"?page={n}" if n > 1 else "") for c in Cluster.objects.all() for n in range(1, 6)],
    "commentator": [f"/commentators/{pk}/" for pk in Commentator.objects.values_list("pk", flat=True)],
    "tag": [quote(f"/tags/{slug}/") for slug in Tag.objects.values_list("slug", flat=True)],
}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True, help="DATABASE_URL of a filled archive")
    parser.add_argument("--anchor", help="a reference page served by another server, measured in the same rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page kind and round")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", help="comma-separated page kinds")
    args = parser.parse_args()

    env = bench_env(args.database)
    urls = shell_json(env, PICK_URLS)
    if args.only:
        urls = {k: v for k, v in urls.items() if k in args.only.split(",")}
    print("URLs per kind: " + ", ".join(f"{k} {len(v)}" for k, v in urls.items()), file=sys.stderr)

    load = load_with_wrk if shutil.which("wrk") else load_with_python
    results: dict[str, list[dict]] = {}
    with serving(server_env(env), args.workers) as (server, base):
        for paths in urls.values():
            warm(base, paths[:3], timeout=60)
        for round_number in range(1, args.rounds + 1):
            if args.anchor:
                parts = urlsplit(args.anchor)
                anchor = load(f"{parts.scheme}://{parts.netloc}", [parts.path or "/"], args.duration, args.connections)
                anchor["cpu_ms"] = None
                results.setdefault("anchor", []).append(anchor)
                print(f"round {round_number} anchor: {anchor['rps']:.0f} req/s", file=sys.stderr)
            for kind, paths in urls.items():
                start = random.randrange(len(paths))
                rotated = paths[start:] + paths[:start]
                result = measured_load(server, base, rotated, args.duration, args.connections)
                results.setdefault(kind, []).append(result)
                print(
                    f"round {round_number} {kind}: {result['rps']:.0f} req/s, app CPU {result['cpu_ms']:.2f} ms/request,"
                    f" errors {result['errors']}",
                    file=sys.stderr,
                )

    anchor_rps = statistics.median(r["rps"] for r in results["anchor"]) if "anchor" in results else None
    load_average = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(
        f"\n{args.rounds} rounds × {args.duration} s, gunicorn {args.workers} workers, {args.connections} connections;"
        f" load average after: {load_average}\n"
    )
    print("| page | URLs | requests/s (median) | app CPU ms/request | against the anchor | errors |")
    print("|---|---|---|---|---|---|")
    for kind, runs in results.items():
        rps = statistics.median(r["rps"] for r in runs)
        cpu = [r["cpu_ms"] for r in runs if r["cpu_ms"] is not None]
        ratio = f"{rps / anchor_rps:.2f}×" if anchor_rps and kind != "anchor" else "—"
        count = len(urls[kind]) if kind in urls else 1
        cpu_text = f"{statistics.median(cpu):.2f}" if cpu else "—"
        errors = sum(r["errors"] for r in runs)
        print(f"| {kind} | {count} | {rps:.0f} | {cpu_text} | {ratio} | {errors} |")


if __name__ == "__main__":
    main()
