"""Archive search against a naive icontains page, on the database DATABASE_URL names.

    DATABASE_URL=postgres://USER@HOST/NAME .venv/bin/python bench/search_bench.py [--rounds 3]
    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python bench/search_bench.py

Fill the database first with ``manage.py generate_archive --articles N --seed S``. A fixed list
of 2-6 character queries (common, middling and rare terms of the generated text, plus four
commentator names, the rarest) runs with and without a cluster filter through:

- the search layer: the count (exact up to 1,000), the first page by date, the first page by
  relevance, the facets (cluster, year, commentator);
- the whole /search/ page, rendered by Django in this process (no HTTP server): results,
  count, facets, snippets; requests/s is one process working through requests back to back;
- a naive page: ``icontains`` over the same fields (title, kicker, subtitle, lead, section
  headings and text, commentator and credit names), its count and first 20 by date.

It also checks that search and the naive page find the same articles wherever the count is
exact (the naive page cannot normalise traditional forms or full-width letters, so the list
avoids them). Prints p50/p95 per operation and the ratio naive/search as a Markdown table.
"""

import argparse
import functools
import gc
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hengyang_cms.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Exists, OuterRef, Q  # noqa: E402
from django.test import Client  # noqa: E402

from articles.models import Article, Commentator, Credit, Section  # noqa: E402
from clusters.models import Cluster  # noqa: E402
from search.engine import (  # noqa: E402
    DEFAULT_LIMITS,
    Filters,
    capped_matches,
    facet_counts,
    run_search,
    search_queryset,
)
from search.query import parse_query  # noqa: E402

EXACT_LIMIT = DEFAULT_LIMITS.exact_limit  # the count is exact up to this many matches

QUERIES = [
    "衡阳",  # in most articles
    "发展",
    "产业",
    "园区",
    "项目建设",
    "有色金属",
    "油茶",
    "轨道交通",
    "营商环境",
    "乡村振兴",
    "千亿产业",
    "高质量发展",
    "招大引强",
    "雁峰区",
    "蒸湘区",
    "石鼓书院",
    "水口山",
    "中国五矿",
    "南华大学",
    "衡钢集团",
    "动力电池",
    "研学旅行",
    "胶轮有轨电车",
    "示范线工程",
    "5G",
    "亿元",
    "3.5%",
    "2019年3月",
    "12月26日",
    "签约仪式",
]


def naive_queryset(query: str, cluster=None):
    """What a CMS without a search index does: LIKE '%…%' over every field."""
    sections = Section.objects.filter(article=OuterRef("pk")).filter(
        Q(heading__icontains=query) | Q(body__icontains=query) | Q(commentator__name__icontains=query)
    )
    credits = Credit.objects.filter(article=OuterRef("pk"), contributor__name__icontains=query)
    qs = Article.objects.visible().filter(
        Q(title__icontains=query)
        | Q(kicker__icontains=query)
        | Q(subtitle__icontains=query)
        | Q(lead__icontains=query)
        | Exists(sections)
        | Exists(credits)
    )
    if cluster:
        qs = qs.filter(clusters=cluster)
    return qs


def naive_page(query: str, cluster=None):
    qs = naive_queryset(query, cluster)
    count = qs.count()
    first = list(qs.order_by("-published_at", "-pk").values_list("pk", flat=True)[:20])
    return count, first


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, result


def pct(values, q):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="times each search measurement is repeated")
    parser.add_argument("--naive-rounds", type=int, default=1, help="times each naive page is repeated")
    parser.add_argument("--cluster", default="nonferrous", help="slug of the cluster used as the filter")
    parser.add_argument(
        "--served",
        type=int,
        default=10,
        help="seconds of load on the search page served by gunicorn (0: skip)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for --served")
    parser.add_argument("--connections", type=int, default=8, help="connections for --served")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    articles = Article.objects.count()
    visible = Article.objects.visible().count()
    cluster = Cluster.objects.get(slug=args.cluster)
    queries = QUERIES + list(
        Commentator.objects.filter(sections__isnull=False).order_by("pk").values_list("name", flat=True).distinct()[:4]
    )
    print(
        f"# {connection.vendor}: {articles} articles ({visible} visible), {len(queries)} queries × 2 (no filter, cluster {cluster.name})"
    )

    samples: dict[str, list[float]] = {k: [] for k in ("count", "date", "relevance", "facets", "page", "naive")}
    mismatches = []
    exact_counts = []
    client = Client(HTTP_HOST="127.0.0.1")
    # Warm up: the first query pays for connections, caches and OpenCC's dictionaries.
    client.get("/search/", {"q": "衡阳"})
    gc.freeze()  # as hengyang_cms/wsgi.py does in a served process once the app is loaded
    first_page = functools.partial(run_search, staff=False, page_number=1, facets=False)
    for round_number in range(args.rounds):
        for query in queries:
            parsed = parse_query(query)
            for filt in (None, cluster):
                filters = Filters(cluster=filt)
                ms, probe = timed(capped_matches, parsed, filters, staff=False)
                samples["count"].append(ms)
                ms, _ = timed(first_page, parsed, filters, sort="-date")
                samples["date"].append(ms)
                ms, by_relevance = timed(first_page, parsed, filters, sort="")
                samples["relevance"].append(ms)
                # Facets over what the page counts them on: the relevance run's bounded set.
                ms, _ = timed(facet_counts, by_relevance.rows)
                samples["facets"].append(ms)
                params = {"q": query}
                if filt:
                    params["cluster"] = filt.slug
                ms, response = timed(client.get, "/search/", params)
                assert response.status_code == 200, (query, response.status_code)
                samples["page"].append(ms)
                if round_number == 0:
                    exact_counts.append((query, filt is not None, len(probe)))
    naive_total = 0.0
    for round_number in range(args.naive_rounds):
        for query in queries:
            for filt in (None, cluster):
                ms, (count, _first) = timed(naive_page, query, filt)
                samples["naive"].append(ms)
                naive_total += ms
                if round_number == 0:
                    parsed = parse_query(query)
                    found = search_queryset(parsed, Filters(cluster=filt), staff=False)
                    if count <= EXACT_LIMIT:
                        if set(found.values_list("pk", flat=True)) != set(
                            naive_queryset(query, filt).values_list("pk", flat=True)
                        ):
                            mismatches.append(query)
                    elif len(list(found.order_by().values_list("pk", flat=True)[: EXACT_LIMIT + 1])) <= EXACT_LIMIT:
                        mismatches.append(query)

    rows = [
        ("count (exact ≤ 1,000, else 1,000+)", "count"),
        ("first page by date (count included)", "date"),
        ("first page by relevance (count included)", "relevance"),
        ("facets (cluster, year, commentator)", "facets"),
        ("whole /search/ page", "page"),
        ("naive icontains page (count + first 20)", "naive"),
    ]
    print()
    print("| operation | p50 ms | p95 ms | naive p50 / this p50 | naive p95 / this p95 |")
    print("|---|---|---|---|---|")
    naive50, naive95 = pct(samples["naive"], 50), pct(samples["naive"], 95)
    for label, key in rows:
        p50, p95 = pct(samples[key], 50), pct(samples[key], 95)
        ratio = "" if key == "naive" or not samples["naive"] else f"{naive50 / p50:.0f}× | {naive95 / p95:.0f}×"
        print(f"| {label} | {p50:.1f} | {p95:.1f} | {ratio or '- | -'} |")
    page_mean = statistics.mean(samples["page"])
    print()
    print(f"whole page, one process back to back: {1000 / page_mean:.1f} requests/s (mean {page_mean:.1f} ms)")
    if naive_total:
        print(f"naive page: {1000 * len(samples['naive']) / naive_total:.2f} requests/s")
    common = sum(1 for _, _, n in exact_counts if n > EXACT_LIMIT)
    print(f"queries × filters with more than {EXACT_LIMIT} matches: {common} of {len(exact_counts)}")
    print(f"result sets differing from the naive page: {mismatches or 'none'}")
    if args.served:
        served = serve_and_load(queries, cluster, args)
        print(
            f"served by gunicorn ({args.workers} workers, {args.connections} connections, {args.served} s, "
            f"{served['tool']}): {served['rps']:.1f} requests/s, p50 {served['p50']:.1f} ms, "
            f"p99 {served['p99']:.1f} ms, app CPU {served['cpu_ms']:.1f} ms/request, {served['errors']} errors"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def serve_and_load(queries, cluster, args) -> dict:
    """The search page under load, measured as pages_bench.py measures pages (and DESIGN.md
    measured Wagtail): gunicorn with production settings, wrk cycling through every query
    with and without the filter, so each request is a different search."""
    import shutil
    from urllib.parse import urlencode

    from pages_bench import measured_load, server_env, serving, warm

    paths = []
    for query in queries:
        paths.append("/search/?" + urlencode({"q": query}))
        paths.append("/search/?" + urlencode({"q": query, "cluster": cluster.slug}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL"))}
    # A benchmark is one address asking many times: the per-address limit would answer 429.
    with serving(server_env(env, DJANGO_SEARCH_RATE_LIMIT=""), args.workers) as (server, base):
        warm(base, paths[:10])
        result = measured_load(server, base, paths, args.served, args.connections)
        result["tool"] = "wrk" if shutil.which("wrk") else "python client"
        return result


if __name__ == "__main__":
    main()
