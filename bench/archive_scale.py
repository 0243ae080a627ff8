"""How every cost grows with the archive: 50,000 / 200,000 / 1,000,000 articles.

    .venv/bin/python bench/archive_scale.py build   --database-url URL --articles N [--seed 42] --out FILE.json
    .venv/bin/python bench/archive_scale.py measure --database-url URL --out FILE.json [--served 15]
    .venv/bin/python bench/archive_scale.py report  FILE.json... [--plot docs/archive_scale.png]
    .venv/bin/python bench/archive_scale.py compare --database-url SMALLER --database-url LARGER --out FILE.json

``build`` makes the archive in a fresh database (a PostgreSQL database named in the URL is
created if missing; it must be empty): ``migrate``, ``generate_archive`` (which indexes as it
goes), ``rebuild_search_index`` again on the full archive, ``ANALYZE``; each step in its own
process, timed, with its peak resident memory (from ``wait4``). Then the sizes of the tables.

``measure`` runs, in this process through Django's test client (as search_bench.py's "whole
page"), each public page kind, the admin's article list and the sitemap files with the page
cache and the kept pages cleared before every request, so each figure is the cost of building the page
(after one unmeasured round of the same requests, as on a server that has been serving; ``--cold``
measures the first round instead); the search
page over the query mix of search_bench.py crossed with filters, sort orders and pages 1 and 50;
the search page served by gunicorn (search_bench.serve_and_load: 2 workers, 8 connections);
``export_articles`` of the whole archive in its own process (time, peak memory). Python's peak
allocation per request (tracemalloc) shows which pages hold memory in proportion to the archive.

``report`` prints the Markdown tables of docs/benchmarks.md and draws the plot. ``compare``
measures the pages and admin lists of two PostgreSQL archives by turns in one process and prints
the larger's p95 against the smaller's × 1.5 (see compare()).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
PYTHON = sys.executable


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed_process(args: list[str], env: dict, stdout=subprocess.DEVNULL) -> dict:
    """Run a process to its end: wall seconds, peak resident memory (MiB) and CPU seconds."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    err = process.stderr.read().decode(errors="replace")
    if process.returncode:
        raise RuntimeError(f"{args} failed: {err[-2000:]}")
    return {
        "seconds": elapsed,
        "peak_mib": usage.ru_maxrss / 1024,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "stderr": err[-500:],
    }


# build ------------------------------------------------------------------------------------------


def ensure_postgres_database(url: str) -> None:
    import psycopg
    from pages_bench import fresh_postgres

    name = urlsplit(url).path.lstrip("/")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if not exists:
        fresh_postgres(url)


def build(args) -> dict:
    from pages_bench import bench_env

    env = bench_env(args.database_url)
    manage = [PYTHON, "manage.py"]
    if args.database_url.startswith("postgres"):
        ensure_postgres_database(args.database_url)
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    result = {"articles": args.articles, "seed": args.seed, "load_before": load_average()}
    generated = timed_process(
        [*manage, "generate_archive", "--articles", str(args.articles), "--seed", str(args.seed), "--no-progress"],
        env,
    )
    generated["rate"] = args.articles / generated["seconds"]
    result["generate"] = generated
    result["load_after_generate"] = load_average()
    rebuilt = timed_process([*manage, "rebuild_search_index", "--no-progress"], env)
    rebuilt["rate"] = args.articles / rebuilt["seconds"]
    result["rebuild"] = rebuilt
    result["load_after_rebuild"] = load_average()
    print(json.dumps(result, ensure_ascii=False, indent=1), file=sys.stderr)
    return result


# measure ----------------------------------------------------------------------------------------


def setup_django(database_url: str, statement_timeout_s: int = 0) -> None:
    if statement_timeout_s and database_url.startswith("postgres"):
        # Every connection of this process stops a statement after this long (the page answers 503).
        database_url += (
            "&" if "?" in database_url else "?"
        ) + f"options=-c%20statement_timeout%3D{statement_timeout_s * 1000}"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hengyang_cms.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()


def table_sizes() -> dict:
    """Bytes on disk of the articles, their sections, the search index, and of the text itself."""
    from django.db import connection

    from search.backends import DOC_TABLE

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(LENGTH(title) + LENGTH(kicker) + LENGTH(subtitle) + LENGTH(lead)), 0)"
            " FROM articles_article"
        )
        text = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(SUM(LENGTH(heading) + LENGTH(body)), 0) FROM articles_section")
        text += cursor.fetchone()[0]
        sizes = {"text_chars": int(text)}
        if connection.vendor == "postgresql":
            for key, table in (
                ("articles", "articles_article"),
                ("sections", "articles_section"),
                ("search_index", DOC_TABLE),
            ):
                cursor.execute("SELECT pg_total_relation_size(%s), pg_relation_size(%s)", [table, table])
                sizes[key], sizes[key + "_heap"] = cursor.fetchone()
            cursor.execute(
                "SELECT COALESCE(SUM(pg_relation_size(indexrelid)), 0) FROM pg_index WHERE indrelid = %s::regclass",
                [DOC_TABLE],
            )
            sizes["search_index_indexes"] = int(cursor.fetchone()[0])
            cursor.execute(
                "SELECT COALESCE(SUM(octet_length(title) + octet_length(kicker) + octet_length(subtitle)"
                " + octet_length(lead)), 0) FROM articles_article"
            )
            text_bytes = cursor.fetchone()[0]
            cursor.execute("SELECT COALESCE(SUM(octet_length(heading) + octet_length(body)), 0) FROM articles_section")
            sizes["text_bytes"] = int(text_bytes + cursor.fetchone()[0])
            cursor.execute("SELECT pg_database_size(current_database())")
            sizes["database"] = cursor.fetchone()[0]
        else:
            cursor.execute("PRAGMA page_size")
            page_size = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_count")
            sizes["database"] = page_size * cursor.fetchone()[0]
            try:
                cursor.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
                by_name = dict(cursor.fetchall())
            except Exception:  # dbstat is compiled into most builds, not all
                by_name = {}
            if by_name:
                sizes["articles"] = sum(v for k, v in by_name.items() if k.startswith("articles_article"))
                sizes["sections"] = sum(v for k, v in by_name.items() if k.startswith("articles_section"))
                sizes["search_index"] = sum(v for k, v in by_name.items() if k.startswith(("search_fts", DOC_TABLE)))
            cursor.execute(
                "SELECT COALESCE(SUM(LENGTH(CAST(title AS BLOB)) + LENGTH(CAST(kicker AS BLOB))"
                " + LENGTH(CAST(subtitle AS BLOB)) + LENGTH(CAST(lead AS BLOB))), 0) FROM articles_article"
            )
            text_bytes = cursor.fetchone()[0]
            cursor.execute(
                "SELECT COALESCE(SUM(LENGTH(CAST(heading AS BLOB)) + LENGTH(CAST(body AS BLOB))), 0)"
                " FROM articles_section"
            )
            sizes["text_bytes"] = int(text_bytes + cursor.fetchone()[0])
    return sizes


class Timer:
    """Requests through the test client with the cache and the process's kept pages
    (articles.site.page_memory) cleared before each: p50/p95, queries."""

    def __init__(self, client):
        self.client = client
        self.samples: dict[str, list[float]] = {}
        self.queries: dict[str, list[int]] = {}
        self.peak_mib: dict[str, float] = {}
        self.notes: dict[str, str] = {}
        self.timeouts: dict[str, list[str]] = {}
        self.failures: dict[str, list[str]] = {}

    def get(self, kind: str, path: str, *, clear: bool = True, expect=(200,)):
        from django.core.cache import cache
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from articles.site.page_memory import memory as page_memory

        if clear:
            cache.clear()
            page_memory.clear()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = self.client.get(path)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            ms = (time.perf_counter() - started) * 1000
        if response.status_code not in expect:  # noted with its time, and the run goes on
            self.failures.setdefault(kind, []).append(f"{path} {response.status_code} after {ms:.0f} ms")
            return response
        self.samples.setdefault(kind, []).append(ms)
        self.queries.setdefault(kind, []).append(len(queries))
        return response

    def peak(self, kind: str, path: str) -> None:
        """Python's peak allocation during one (uncached) request, in MiB."""
        from django.core.cache import cache

        from articles.site.page_memory import memory as page_memory

        cache.clear()
        page_memory.clear()
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            response = self.client.get(path)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            self.peak_mib[kind] = max(self.peak_mib.get(kind, 0.0), tracemalloc.get_traced_memory()[1] / 2**20)
        finally:
            tracemalloc.stop()

    def summary(self) -> dict:
        from search_bench import pct

        failed = {
            kind: {"n": 0, "failures": paths} for kind, paths in self.failures.items() if kind not in self.samples
        }
        return failed | {
            kind: {
                "n": len(values),
                "p50": pct(values, 50),
                "p95": pct(values, 95),
                "max": max(values),
                "queries": max(self.queries[kind]),
                "peak_mib": self.peak_mib.get(kind),
                **({"note": self.notes[kind]} if kind in self.notes else {}),
                **({"timeouts": self.timeouts[kind]} if kind in self.timeouts else {}),
                **({"failures": self.failures[kind]} if kind in self.failures else {}),
            }
            for kind, values in self.samples.items()
        }


FIRST_PAGE_ROUNDS = 3


def measure_search(timer: Timer, rng: random.Random) -> dict:
    """The search page over the query mix: each query with no filter and each filter, relevance
    and both date orders, page 1 and page 50; and the first page by date through the search layer."""
    from search_bench import QUERIES, timed

    from articles.models import Commentator
    from clusters.models import Cluster
    from search.engine import Filters, run_search
    from search.query import parse_query

    cluster = Cluster.objects.get(slug="nonferrous")
    commentators = list(
        Commentator.objects.filter(sections__isnull=False).order_by("pk").values_list("name", flat=True).distinct()[:4]
    )
    queries = QUERIES + commentators
    commentator = Commentator.objects.filter(sections__isnull=False).order_by("pk").first()
    filters = [
        {},
        {"cluster": cluster.slug},
        {"from": "2010-01-01", "to": "2014-12-31"},
        {"page": "A04"},
        {"commentator": str(commentator.pk)},
    ]
    # Relevance and both date orders on page 1; page 50 newest first and by relevance.
    variants = [({}, 1), ({"sort": "-date"}, 1), ({"sort": "date"}, 1), ({"sort": "-date"}, 50), ({}, 50)]
    timer.get("search page", "/search/?q=衡阳", clear=False)  # connections, OpenCC's dictionaries
    for query in queries:
        for extra in filters:
            for order, page in variants:
                params = {"q": query, **extra, **order, **({"p": page} if page > 1 else {})}
                kind = "search page" if page == 1 else "search page 50"
                response = timer.get(kind, "/search/?" + urlencode(params), clear=False, expect=(200, 404, 503))
                if response.status_code == 503:  # the statement timeout: "narrow the search"
                    timer.timeouts.setdefault(kind, []).append(urlencode(params))
    timer.peak("search page", "/search/?q=发展")
    # As search_bench.py measures it: three rounds, so that the p95 of 68 searches is not the
    # fourth-slowest single sample.
    first_by_date = []
    for _ in range(FIRST_PAGE_ROUNDS):
        for query in queries:
            parsed = parse_query(query)
            for filt in (None, cluster):
                ms, _ = timed(
                    run_search, parsed, Filters(cluster=filt), staff=False, sort="-date", page_number=1, facets=False
                )
                first_by_date.append(ms)
    timer.samples["first page by date (search layer)"] = first_by_date
    timer.queries["first page by date (search layer)"] = [0]
    return {"queries": len(queries), "filters": len(filters), "cluster": cluster}


def measure_pages(timer: Timer, rng: random.Random, repeats: int) -> None:
    from django.db.models import Count, Exists, Max, Min, OuterRef

    from articles.models import Article, Commentator, Issue, body_order
    from articles.selectors import issues_with_visible_articles
    from clusters.models import Cluster

    visible = Article.objects.visible()
    bounds = visible.aggregate(low=Min("pk"), high=Max("pk"))
    ids = []
    while len(ids) < repeats * 3:  # spread over the whole archive, not only the newest
        pk = rng.randint(bounds["low"], bounds["high"])
        found = visible.filter(pk__gte=pk).order_by("pk").values_list("pk", flat=True).first()
        if found:
            ids.append(found)
    for pk in ids:
        timer.get("article (first view, across the archive)", f"/articles/{pk}/")
    for pk in ids[:repeats]:
        timer.get("article (stored page)", f"/articles/{pk}/")
    timer.peak("article (first view, across the archive)", f"/articles/{ids[-1]}/")

    years = [d.year for d in Issue.objects.dates("date", "year")]
    for _ in range(repeats):
        timer.get("issue calendar", "/issues/")
        timer.get("issue calendar, a year", f"/issues/?year={rng.choice(years)}")
    timer.peak("issue calendar", "/issues/")
    issue_dates = list(issues_with_visible_articles().order_by("?").values_list("date", flat=True)[: repeats * 2])
    for day in issue_dates:
        timer.get("issue page", f"/issues/{day.isoformat()}/")
    timer.peak("issue page", f"/issues/{issue_dates[0].isoformat()}/")

    from django.conf import settings

    from articles.listing import PAGE_SIZE

    def last_listed(count: int) -> int:
        """The last page a list shows: its end, or the last of settings.LIST_MAX_PAGES."""
        return min(max(1, -(-count // PAGE_SIZE)), settings.LIST_MAX_PAGES)

    for cluster in Cluster.objects.order_by("position"):
        timer.get("cluster page", f"/clusters/{cluster.slug}/")
        count = cluster.articles.filter(pk__in=visible.values("pk")).count()
        last = last_listed(count)
        timer.get("cluster page, the last it lists", f"/clusters/{cluster.slug}/?page={last}")
    timer.peak("cluster page", "/clusters/nonferrous/")
    timer.get("cluster index", "/clusters/")
    busiest = list(
        Commentator.objects.annotate(n=Count("sections")).order_by("-n", "pk").values_list("pk", "n")[:repeats]
    )
    from articles.selectors import commentaries

    for pk, _ in busiest:
        n = commentaries(pk).count()
        timer.get("commentator page", f"/commentators/{pk}/")
        timer.get("commentator page, the last it lists", f"/commentators/{pk}/?page={last_listed(n)}")
    timer.peak("commentator page", f"/commentators/{busiest[0][0]}/")
    from articles.site.views import COMMENTATORS_PER_PAGE

    for _ in range(repeats):
        timer.get("commentator index", "/commentators/")
    # The last page starts after the last person of the page before it (?after=<id>).
    listed = list(
        Commentator.objects.filter(Exists(commentaries().filter(commentator=OuterRef("pk"))))
        .order_by(body_order(), "name", "pk")
        .values_list("pk", flat=True)
    )
    last_start = (len(listed) - 1) // COMMENTATORS_PER_PAGE * COMMENTATORS_PER_PAGE
    last_page = f"/commentators/?after={listed[last_start - 1]}" if last_start else "/commentators/"
    for _ in range(repeats):
        timer.get("commentator index, its last page", last_page)
    for _ in range(repeats):
        timer.get("home", "/")
        timer.get("feed: latest", "/feeds/latest/")
    for cluster in Cluster.objects.order_by("position"):
        timer.get("feed: a cluster", f"/feeds/clusters/{cluster.slug}/")
    timer.peak("feed: latest", "/feeds/latest/")


def measure_sitemaps(timer: Timer) -> None:
    import re

    from django.test.utils import override_settings

    with override_settings(ALLOWED_HOSTS=["*"]):
        index = timer.get("sitemap index", "/sitemap.xml")
        timer.peak("sitemap index", "/sitemap.xml")
        files = re.findall(r"<loc>https?://[^/]+(/[^<]+)</loc>", index.content.decode())
        # Every section's first file; of the paged sections (articles, e-paper pages) the
        # first, the middle and the last.
        sample = []
        for section in dict.fromkeys(path.split("?")[0] for path in files):
            pages = [path for path in files if path.split("?")[0] == section]
            sample += list(dict.fromkeys([pages[0], pages[len(pages) // 2], pages[-1]]))
        largest = 0
        for path in sample:
            response = timer.get("sitemap file", path.replace("&amp;", "&"))
            largest = max(largest, response.content.count(b"<url>"))
        timer.peak("sitemap file", files[min(1, len(files) - 1)].replace("&amp;", "&"))
        timer.notes["sitemap file"] = f"{len(files)} files, at most {largest} URLs each"


def measure_admin(timer: Timer, rng: random.Random, repeats: int) -> None:
    from django.contrib.auth import get_user_model

    from articles.models import Article

    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username="scale-bench", defaults={"is_staff": True, "is_superuser": True, "email": ""}
    )
    timer.client.force_login(user)
    base = "/admin/articles/article/"
    years = [d.year for d in Article.objects.filter(published_at__isnull=False).dates("published_at", "year")]
    for _ in range(repeats):
        year = rng.choice(years)
        timer.get("admin: article list", base)
        timer.get("admin: list, page 50", base + "?p=49")
        timer.get("admin: search box, common term", base + "?" + urlencode({"q": "发展"}))
        timer.get(
            "admin: search box, rare term", base + "?" + urlencode({"q": rng.choice(["南华大学", "12月26日", "3.5%"])})
        )
        timer.get("admin: date drill-down, a year", base + f"?published_at__year={year}")
        timer.get(
            "admin: date drill-down, a month",
            base + f"?published_at__year={year}&published_at__month={rng.randint(1, 12)}",
        )
        timer.get("admin: status filter", base + "?status__exact=draft")
    timer.peak("admin: article list", base)
    timer.client.logout()


def measure_export(database_url: str, since: str | None = None) -> dict:
    """``export_articles`` (of the whole archive, or from ``since`` on) in its own process."""
    from django.db.models import Q
    from pages_bench import bench_env

    from articles.models import Article

    env = bench_env(database_url)
    result = timed_process([PYTHON, "manage.py", "export_articles", *(["--since", since] if since else [])], env)
    articles = Article.objects.all()
    if since:
        articles = articles.filter(Q(page__issue__date__gte=since) | Q(published_at__date__gte=since))
    result["articles"] = articles.count()
    result["since"] = since
    result["rate"] = result["articles"] / result["seconds"]
    return result


def measure(args, save, previous: dict) -> dict:
    setup_django(args.database_url, args.statement_timeout)
    import gc

    from django.db import connection
    from django.test import Client

    from articles.models import Article

    rng = random.Random(7)
    earlier = previous.get("timings", {}) if args.only else {}  # a run of some phases adds to the last
    result = {
        **(previous if args.only else {}),
        "vendor": connection.vendor,
        "articles": Article.objects.count(),
        "visible": Article.objects.visible().count(),
        "load_before": load_average(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    result["sizes"] = table_sizes()
    timer = Timer(Client(HTTP_HOST="127.0.0.1"))
    gc.freeze()

    def served():
        """search_bench.py's served search page: its 68 searches through gunicorn (2 workers) and
        wrk (8 connections), with the per-address rate limit off (every request is from 127.0.0.1)."""
        from pages_bench import bench_env, measured_load, server_env, serving, warm
        from search_bench import QUERIES

        paths = []
        for query in QUERIES:
            paths += [
                "/search/?" + urlencode({"q": query}),
                "/search/?" + urlencode({"q": query, "cluster": "nonferrous"}),
            ]
        env = server_env(bench_env(args.database_url), DJANGO_SEARCH_RATE_LIMIT="", DJANGO_SEARCH_EXPORT_RATE_LIMIT="")
        with serving(env, 2) as (server, base):
            warm(base, paths[:10])
            result["served"] = measured_load(server, base, paths, args.served, 8)

    def export():
        result["export"] = measure_export(args.database_url, args.export_since)

    def warmed(run):
        """The phase's requests once unmeasured (the same ones: the same random choices), then
        measured: the figures are those of a server that has been serving, not of the first
        requests after a restart, whose reads come from the disk or the OS's cache (the
        ``--cold`` figures)."""

        def phase():
            if not args.cold:
                state = rng.getstate()
                run(Timer(timer.client))
                rng.setstate(state)
            run(timer)

        return phase

    phases = {
        "search": lambda: measure_search(timer, rng),
        "pages": warmed(lambda t: measure_pages(t, rng, args.repeats)),
        "sitemaps": warmed(measure_sitemaps),
        "admin": warmed(lambda t: measure_admin(t, rng, args.repeats)),
        "served": served,
        "export": export,
    }
    for name in args.only or list(phases):
        print(f"[{time.strftime('%H:%M:%S')}] {name} (load {load_average()})", file=sys.stderr, flush=True)
        try:
            phases[name]()
        except Exception as exc:  # one phase failing keeps the others' figures
            result.setdefault("errors", {})[name] = repr(exc)[:500]
            print(f"{name} failed: {exc!r}", file=sys.stderr, flush=True)
        result[f"load_after_{name}"] = load_average()
        result["timings"] = {**earlier, **timer.summary()}
        save(result)
    return result


# compare ----------------------------------------------------------------------------------------

# Turns of the measured archives, after one unmeasured turn of each: A B B A … cancels a machine
# that grows faster or slower at a steady pace over the run.
TURNS = [0, 1, 1, 0]


def compare(args) -> dict:
    """The public pages and admin lists of two archives on one PostgreSQL server, measured by
    turns in one process: each turn runs the pages and admin phases on one database, then the
    connection moves to the other. A shared machine whose speed drifts by the minute (the same
    request 1.5x slower ten minutes later) slows both alike, so their ratio holds where two
    ``measure`` runs minutes apart do not. Each figure is over all the turns of its archive."""
    setup_django(args.database_url[0], args.statement_timeout)
    import gc

    from django.db import connections
    from django.test import Client

    from search import engine

    client = Client(HTTP_HOST="127.0.0.1")
    names = [urlsplit(url).path.lstrip("/") for url in args.database_url]
    timers = [Timer(client), Timer(client)]
    gc.freeze()

    def turn(which: int, timer: Timer, seed: int) -> None:
        connection = connections["default"]
        connection.close()
        connection.settings_dict["NAME"] = names[which]
        engine.forget_statistics()  # they were the other archive's
        print(f"[{time.strftime('%H:%M:%S')}] {names[which]} (load {load_average()})", file=sys.stderr, flush=True)
        measure_pages(timer, random.Random(seed), args.repeats)
        measure_admin(timer, random.Random(seed), args.repeats)

    for which in (0, 1):
        turn(which, Timer(client), 7)
    for number, which in enumerate(TURNS * args.rounds):
        turn(which, timers[which], 7 + number)
    return {"databases": names, "load_after": load_average(), "timings": [t.summary() for t in timers]}


def print_comparison(result: dict) -> None:
    small, large = result["databases"]
    print(f"| page | {small} | {large} | {large} p95 / ({small} p95 × 1.5) |")
    print("|---|---|---|---|")
    first, second = result["timings"]
    for kind in ROWS:
        if kind in first and kind in second and "p95" in first[kind]:
            a, b = first[kind], second[kind]
            ratio = b["p95"] / (a["p95"] * 1.5)
            print(
                f"| {kind} | {a['p50']:.0f} / {a['p95']:.0f} | {b['p50']:.0f} / {b['p95']:.0f} ({b['queries']} q)"
                f" | {ratio:.2f} |"
            )


# report -----------------------------------------------------------------------------------------

ROWS = [
    "search page",
    "search page 50",
    "first page by date (search layer)",
    "home",
    "article (first view, across the archive)",
    "article (stored page)",
    "issue calendar",
    "issue calendar, a year",
    "issue page",
    "cluster index",
    "cluster page",
    "cluster page, the last it lists",
    "commentator index",
    "commentator index, its last page",
    "commentator page",
    "commentator page, the last it lists",
    "feed: latest",
    "feed: a cluster",
    "sitemap index",
    "sitemap file",
    "admin: article list",
    "admin: list, page 50",
    "admin: search box, common term",
    "admin: search box, rare term",
    "admin: date drill-down, a year",
    "admin: date drill-down, a month",
    "admin: status filter",
]


NONE = "\u2013"  # an en dash in an empty cell


def mib(value) -> str:
    return f"{value / 2**20:,.0f} MiB" if value else NONE


def label_of(run: dict) -> str:
    vendor = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}[run["measure"]["vendor"]]
    return f"{vendor} {run['measure']['articles']:,}"


def report(args) -> None:
    runs = []
    for name in args.files:
        runs.append(json.loads(Path(name).read_text()))
    runs.sort(key=lambda r: (r["measure"]["vendor"], r["measure"]["articles"]))
    labels = [label_of(r) for r in runs]
    print("| | " + " | ".join(labels) + " |")
    print("|---" * (len(runs) + 1) + "|")

    def table(title):
        print(f"\n{title}\n")
        print("| page | " + " | ".join(labels) + " |")
        print("|---" * (len(runs) + 1) + "|")

    def line(name, cell):
        print(f"| {name} | " + " | ".join(cell(r) for r in runs) + " |")

    def build_cell(step, key):
        def cell(run):
            value = ((run.get("build") or {}).get(step) or {}).get(key)
            if value is None:
                return NONE
            return f"{value:,.0f}/s" if key == "rate" else f"{value:,.0f} MiB"

        return cell

    line("generation with indexing, articles/s", build_cell("generate", "rate"))
    line("generation, peak memory", build_cell("generate", "peak_mib"))
    line("`rebuild_search_index`, articles/s", build_cell("rebuild", "rate"))
    line("`rebuild_search_index`, peak memory", build_cell("rebuild", "peak_mib"))
    for key, name in (
        ("database", "database size"),
        ("articles", "articles table (with indexes, TOAST)"),
        ("sections", "sections table"),
        ("search_index", "search index (table and its indexes)"),
        ("search_index_indexes", "of which the index's indexes (GIN, date)"),
        ("text_bytes", "the searchable text itself (UTF-8)"),
    ):
        line(name, lambda run, key=key: mib(run["measure"]["sizes"].get(key)))
    line(
        "index size / text size",
        lambda run: (
            f"{run['measure']['sizes']['search_index'] / run['measure']['sizes']['text_bytes']:.1f}×"
            if run["measure"]["sizes"].get("text_bytes") and run["measure"]["sizes"].get("search_index")
            else NONE
        ),
    )
    table(
        "p50 / p95 ms, single client, cache and kept pages cleared before each request (queries per request at most):"
    )
    for name in ROWS:
        if not any(name in r["measure"].get("timings", {}) for r in runs):
            continue

        def cell(run, name=name):
            t = run["measure"].get("timings", {}).get(name)
            if not t:
                return NONE
            if "p50" not in t:  # every request of the kind failed (a timeout, a 503)
                return "failed: " + t["failures"][0].split(" ", 1)[1]
            queries = f" ({t['queries']} q)" if t["queries"] else ""
            return f"{t['p50']:.0f} / {t['p95']:.0f}{queries}"

        line(name, cell)
    line(
        "search page served (gunicorn 2 workers, 8 connections): req/s · app CPU ms/req",
        lambda run: (
            f"{run['measure']['served']['rps']:.1f} · {run['measure']['served']['cpu_ms']:.0f}"
            if run["measure"].get("served")
            else NONE
        ),
    )
    line(
        "`export_articles`, whole archive: articles/s · peak memory",
        lambda run: (
            f"{run['measure']['export']['rate']:,.0f}/s · {run['measure']['export']['peak_mib']:.0f} MiB"
            if run["measure"].get("export")
            else NONE
        ),
    )
    line("sitemap files", lambda run: run["measure"].get("timings", {}).get("sitemap file", {}).get("note", NONE))
    line("load average before", lambda run: run["measure"]["load_before"].split()[0])
    table("Python's peak allocation during one uncached request, MiB:")
    for name in ROWS:
        if not any((r["measure"].get("timings", {}).get(name) or {}).get("peak_mib") for r in runs):
            continue
        line(
            name,
            lambda run, name=name: (
                f"{run['measure']['timings'][name]['peak_mib']:.1f}"
                if (run["measure"].get("timings", {}).get(name) or {}).get("peak_mib")
                else NONE
            ),
        )
    if args.plot:
        plot(runs, args.plot)


PLOTTED = [
    "search page",
    "first page by date (search layer)",
    "article (first view, across the archive)",
    "issue page",
    "cluster page, the last it lists",
    "commentator page, the last it lists",
    "sitemap file",
    "admin: article list",
    "admin: search box, common term",
    "admin: date drill-down, a year",
]


def plot(runs: list[dict], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    postgres = [r for r in runs if r["measure"]["vendor"] == "postgresql"]
    sizes = [r["measure"]["articles"] for r in postgres]
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5))
    for name in PLOTTED:
        values = [r["measure"].get("timings", {}).get(name, {}).get("p95") for r in postgres]
        if all(v is not None for v in values):
            left.plot(sizes, values, marker="o", label=name)
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("articles in the archive")
    left.set_ylabel("p95 ms, single client (PostgreSQL 15)")
    left.set_title("Pages against archive size")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=7)
    for key, name in (
        ("articles", "articles"),
        ("sections", "sections"),
        ("search_index", "search index"),
        ("text_bytes", "text (UTF-8)"),
    ):
        values = [r["measure"]["sizes"].get(key, 0) / 2**20 for r in postgres]
        right.plot(sizes, values, marker="o", label=name)
    rates = [r["build"]["rebuild"]["rate"] for r in postgres if (r.get("build") or {}).get("rebuild")]
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("articles in the archive")
    right.set_ylabel("MiB on disk")
    right.set_title("Sizes on disk" + (" (rebuild: " + ", ".join(f"{a:,.0f}/s" for a in rates) + ")" if rates else ""))
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("--database-url", required=True)
    b.add_argument("--articles", type=int, required=True)
    b.add_argument("--seed", type=int, default=42)
    b.add_argument("--out", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--database-url", required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--served", type=int, default=15, help="seconds of wrk on the search page (0: skip)")
    m.add_argument("--repeats", type=int, default=10, help="requests per page kind")
    m.add_argument("--statement-timeout", type=int, default=0, help="seconds (PostgreSQL): a page taking longer fails")
    m.add_argument("--export-since", help="export only from this day (YYYY-MM-DD) on, not the whole archive")
    m.add_argument("--only", nargs="*", choices=["search", "pages", "sitemaps", "admin", "served", "export"])
    m.add_argument("--cold", action="store_true", help="pages, sitemaps, admin: no unmeasured round first")
    c = sub.add_parser("compare")
    c.add_argument("--database-url", action="append", required=True, help="twice: the smaller archive, then the larger")
    c.add_argument("--out", required=True)
    c.add_argument("--repeats", type=int, default=10, help="requests per page kind and turn")
    c.add_argument("--rounds", type=int, default=1, help=f"times through the turns {TURNS}")
    c.add_argument("--statement-timeout", type=int, default=60)
    r = sub.add_parser("report")
    r.add_argument("files", nargs="+")
    r.add_argument("--plot")
    args = parser.parse_args()
    if args.command == "report":
        report(args)
        return
    if args.command == "compare":
        if len(args.database_url) != 2:
            parser.error("compare takes two --database-url")
        result = compare(args)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
        print_comparison(result)
        return
    out = Path(args.out)
    data = json.loads(out.read_text()) if out.exists() else {}
    out.parent.mkdir(parents=True, exist_ok=True)

    def save(part):
        """Written after each phase, so an interrupted run keeps what it measured."""
        data["build" if args.command == "build" else "measure"] = part
        out.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str))

    save(build(args) if args.command == "build" else measure(args, save, data.get("measure", {})))


if __name__ == "__main__":
    main()
