"""Import throughput: N generated articles in the paper's text format, on SQLite and PostgreSQL.

    .venv/bin/python bench/import_bench.py [--articles 10000] [--postgres URL] [--skip-sqlite]

For each database the script makes a fresh, migrated database, writes N files in a temporary
folder, and times ``import_articles`` over the folder in one process (search indexing on commit
included, timed apart), then ``rebuild_search_index`` over them. It prints the rates in articles per second, and the CPU time spent
(this process, its parsing workers and, on a local PostgreSQL, the server process of its
connection), which tells what an idle machine would do when other work shares the cores. The PostgreSQL
database named in the URL is dropped and recreated. Target (DESIGN.md): at least 500/s.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent

# Words the generated text is made of (the clusters as the importer recognises them, by name or
# short name).
CLUSTER_NAMES = "军民融合 有色金属 新能源汽车 轨道交通 精细化工 纺织服装 全域旅游 油茶".split()
PLACES = "松木经开区 水口山经济开发区 白沙洲工业园 衡山科学城 雁峰区 耒阳市 常宁市 祁东县 衡南县 南岳区".split()
ORGS = "中国五矿 比亚迪 中核集团 中钢集团 南华大学 衡阳师范学院 湖南工学院 建滔化工 特变电工 华菱衡钢".split()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红文辉鹏斌宇浩凯健俊帆帅旭宁"
TITLES = [
    "市人大代表",
    "市政协委员",
    "省人大代表",
    "市政协常委",
    "衡南县人大代表",
    "全国人大代表",
    "市政协委员、企业家",
]
VERBS = [
    "加快推进",
    "着力打造",
    "大力发展",
    "持续优化",
    "全面落实",
    "积极培育",
    "稳步推进",
    "深入实施",
]
OBJECTS = [
    "产业链条",
    "营商环境",
    "创新平台",
    "园区配套",
    "人才引进政策",
    "重大项目建设",
    "招商引资工作",
    "技术改造",
]
NUMBERS = [
    "30万吨",
    "200亿元",
    "1.5万个",
    "3.5%",
    "27个季度",
    "12条生产线",
    "4G基站",
    "500强企业",
]


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def sentence(rng: random.Random) -> str:
    year, month, day = rng.randint(1990, 2024), rng.randint(1, 12), rng.randint(1, 28)
    parts = [
        f"{year}年{month}月{day}日",
        f"{rng.choice(PLACES)}{rng.choice(VERBS)}{rng.choice(OBJECTS)}",
        f"{rng.choice(ORGS)}与我市合作的项目实现{rng.choice(NUMBERS)}",
        f"{rng.choice(CLUSTER_NAMES)}产业集群{rng.choice(VERBS)}{rng.choice(OBJECTS)}",
    ]
    rng.shuffle(parts)
    return "，".join(parts[: rng.randint(2, 4)]) + rng.choice(["。", "。", "。", "！", "；"])


def paragraph(rng: random.Random) -> str:
    return "".join(sentence(rng) for _ in range(rng.randint(2, 5)))


def article_text(rng: random.Random, n: int) -> str:
    lines = []
    if n % 7 == 0:
        lines += ["聚焦千亿产业集群", ""]
    lines += [
        f"# {rng.choice(PLACES)}{rng.choice(VERBS)}{rng.choice(OBJECTS)}（{n}）",
        "",
    ]
    if n % 5 == 0:
        lines += [f"——{rng.choice(ORGS)}项目建设见闻", ""]
    credit = rng.choice(
        [
            f"■统筹/本报记者 {person(rng)} 整理/本报记者 {person(rng)} {person(rng)} 摄影/{person(rng)}",
            f"■本报记者 {person(rng)} 通讯员 {person(rng)}",
            f"■文/图 本报记者 {person(rng)}",
            f"■记者 {person(rng)} 实习生 {person(rng)} 摄影/{person(rng)}",
            "",
        ]
    )
    if credit:
        lines += [credit, ""]
    for _ in range(rng.randint(1, 3)):
        lines += [paragraph(rng), ""]
    for s in range(rng.randint(1, 4)):
        lines += [f"## {rng.choice(VERBS)}{rng.choice(OBJECTS)}", ""]
        if rng.random() < 0.8:
            lines += [f"{rng.choice(TITLES)} {person(rng)}", ""]
        for p in range(rng.randint(2, 5)):
            text = paragraph(rng)
            if (n + s + p) % 11 == 0:  # a word broken across a page break
                cut = len(text) // 2
                lines += [text[:cut], "", text[cut:], ""]
            else:
                lines += [text, ""]
            if p == 1 and rng.random() < 0.2:
                lines += ["### " + rng.choice(OBJECTS), ""]
    return "\n".join(lines)


def generate(folder: Path, count: int, seed: int = 2019) -> int:
    rng = random.Random(seed)
    size = 0
    for n in range(count):
        text = article_text(rng, n)
        size += len(text)
        (folder / f"{n:06d}.txt").write_text(text, "utf-8")
    return size


MEASURE = """
import io, resource, sys, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from pathlib import Path
import articles.importing.importer
from articles.importing.parsing import parse_file
from articles.models import Article
from search.indexing import index_articles
from search.models import SearchDocument


def backend_cpu():
    # CPU seconds of this connection's PostgreSQL server process (same machine); 0 on SQLite.
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100


def cpu():
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


folder = Path(sys.argv[1])
files = sorted(folder.iterdir())
start = time.perf_counter()
for path in files:
    parse_file(path.name, path.read_bytes())
parse_seconds = time.perf_counter() - start
# The importer hands new ids to the search index on commit; collect them to time the two apart.
pending = []
articles.importing.importer.index_new_articles = pending.extend
start, cpu_start = time.perf_counter(), cpu()
call_command("import_articles", str(folder), "--status", "published", "--date", "2019-01-08", "--page", "A01",
             stdout=io.StringIO(), stderr=io.StringIO())
import_seconds, import_cpu = time.perf_counter() - start, cpu() - cpu_start + backend_cpu()
assert Article.objects.count() == len(files) == len(pending), Article.objects.count()
start, cpu_start, backend_start = time.perf_counter(), cpu(), backend_cpu()
index_articles(pending)
index_seconds, index_cpu = time.perf_counter() - start, cpu() - cpu_start + backend_cpu() - backend_start
assert SearchDocument.objects.count() == len(files)
start = time.perf_counter()
call_command("import_articles", str(folder), stdout=io.StringIO(), stderr=io.StringIO())
again_seconds = time.perf_counter() - start
assert Article.objects.count() == len(files)
start, cpu_start, backend_start = time.perf_counter(), cpu(), backend_cpu()
call_command("rebuild_search_index", "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())
rebuild_seconds, rebuild_cpu = time.perf_counter() - start, cpu() - cpu_start + backend_cpu() - backend_start
assert SearchDocument.objects.count() == len(files)
print(parse_seconds, import_seconds, import_cpu, index_seconds, index_cpu, again_seconds, rebuild_seconds, rebuild_cpu)
"""


def fresh_postgres(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def measure(label: str, url: str, folder: Path, count: int) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "hengyang_cms.settings",
        "DJANGO_DEBUG": "0",  # DEBUG would keep every query in memory
        "DJANGO_SECRET_KEY": "import-bench-only-" + "x" * 40,
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(folder)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    parse_s, import_s, import_cpu, index_s, index_cpu, again_s, rebuild_s, rebuild_cpu = (
        float(x) for x in result.stdout.split()
    )
    print(f"{label}: {count} articles (load average before: {os.getloadavg()[0]:.1f})")
    print(f"  parse only                {count / parse_s:8.0f} articles/s")
    print(
        f"  import (database writes)  {count / import_s:8.0f} articles/s  ({import_s:.1f} s wall,"
        f" {import_cpu:.1f} s CPU: {count / import_cpu:.0f} articles per CPU-second)"
    )
    print(
        f"  search indexing           {count / index_s:8.0f} articles/s  ({index_s:.1f} s wall,"
        f" {index_cpu:.1f} s CPU: {count / index_cpu:.0f} articles per CPU-second)"
    )
    print(f"  import + indexing         {count / (import_s + index_s):8.0f} articles/s")
    print(f"  re-import, nothing new    {count / again_s:8.0f} articles/s")
    print(
        f"  rebuild_search_index      {count / rebuild_s:8.0f} articles/s  ({rebuild_s:.1f} s wall,"
        f" {rebuild_cpu:.1f} s CPU: {count / rebuild_cpu:.0f} articles per CPU-second)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/imp_bench")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        size = generate(folder, args.articles)
        print(f"generated {args.articles} files, {size / args.articles:.0f} characters each on average")
        if not args.skip_sqlite:
            measure(
                "SQLite",
                f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                folder,
                args.articles,
            )
        if not args.skip_postgres:
            fresh_postgres(args.postgres)
            measure("PostgreSQL", args.postgres, folder, args.articles)


if __name__ == "__main__":
    main()
