"""Synthetic past issues for benchmarks: plausible, deterministic, fast.

Words follow a Zipf-like spread, as in real news: a few words (发展, 项目, 衡阳) are in most
articles, most names (people, villages, companies, amounts, dates) in very few. A handful of
shuffled sentences would make every word common and every search benchmark meaningless.

The same seed gives the same articles; running again with the same seed adds nothing that
already exists (each generated article has an import key made of the seed and its number).
"""

from __future__ import annotations

import datetime
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from articles.importing.importer import insert_rows
from articles.models import Article, Commentator, Contributor, Credit, Issue, Page, Section
from articles.signals import articles_written, bulk_load_finished
from clusters.models import Cluster

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_DAY = datetime.date(2000, 1, 1)
EARLIEST_DAY = datetime.date(1949, 1, 1)  # the paper's first year; a million articles reach back to it
LAST_DAY = datetime.date(2024, 12, 31)
PAGES = [
    ("A01", "要闻"),
    ("A02", "要闻"),
    ("A03", "综合"),
    ("A04", "经济"),
    ("A05", "县市区"),
    ("A06", "社会"),
    ("A07", "文化"),
    ("A08", "专题"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "文明建国志强海军红梅丽华秀英玉兰桂芳小虎君山安宝颖鹏永珂达沐太仰翟立新德胜春秋晓燕子俊杰超宇浩然思远卫东平安雅静嘉欣梓涵一鸣书怀若愚泽民正清伟刚敏慧琳婷晨阳光耀宏图振兴锦程"
PLACES = [
    "雁峰区",
    "石鼓区",
    "珠晖区",
    "蒸湘区",
    "南岳区",
    "衡阳县",
    "衡南县",
    "衡山县",
    "衡东县",
    "祁东县",
    "耒阳市",
    "常宁市",
    "松木经开区",
    "白沙洲工业园区",
    "水口山经济开发区",
    "衡阳高新区",
    "西渡镇",
    "云集镇",
    "南岳衡山",
    "湘江",
    "蒸水",
    "耒水",
    "石鼓书院",
    "来雁塔",
    "岳屏公园",
    "东洲岛",
    "酃湖",
]
VILLAGE_CHARS = "荷花塘桥湾冲坪岭溪山田湖洲铺坳源泉井坝垅石竹松柏枫杉樟梅桃李杏槐柳莲"
ORGS = [
    "中国五矿",
    "比亚迪",
    "中核集团",
    "中钢集团",
    "南华大学",
    "湖南工学院",
    "衡阳师范学院",
    "衡钢集团",
    "特变电工衡阳变压器",
    "建滔化工",
    "恒飞电缆",
    "华菱衡钢",
    "湘衡盐化",
    "衡阳市人民医院",
    "国网衡阳供电公司",
    "衡阳日报社",
    "市发改委",
    "市工信局",
    "市商务局",
    "市文旅广体局",
    "市农业农村局",
    "市生态环境局",
]
ORG_SUFFIX = [
    "科技有限公司",
    "实业集团",
    "新材料公司",
    "机械制造厂",
    "农业合作社",
    "电子有限公司",
    "化工有限公司",
    "纺织有限公司",
    "旅游开发公司",
    "油茶专业合作社",
]
COMMON = [
    "发展",
    "建设",
    "项目",
    "企业",
    "产业",
    "经济",
    "推进",
    "加快",
    "全市",
    "工作",
    "群众",
    "服务",
    "创新",
    "提升",
    "改革",
    "开放",
    "园区",
    "投资",
    "招商",
    "就业",
    "民生",
    "乡村振兴",
    "高质量发展",
    "营商环境",
    "转型升级",
    "产业集群",
    "千亿产业",
    "先进制造业",
    "省域副中心城市",
    "最美地级市",
    "智能制造",
    "绿色发展",
    "招大引强",
    "一号工程",
    "项目建设年",
]
CLUSTER_WORDS = {
    "military-civil": [
        "军民融合",
        "国防科技",
        "军工企业",
        "军民两用技术",
        "白沙绿岛",
        "核技术应用",
    ],
    "nonferrous": [
        "有色金属",
        "铜铅锌",
        "锌冶炼",
        "水口山",
        "稀贵金属",
        "矿产资源",
        "冶炼技改",
    ],
    "new-energy-vehicles": [
        "新能源汽车",
        "动力电池",
        "充电桩",
        "整车制造",
        "电动客车",
        "氢燃料电池",
    ],
    "rail-transit": [
        "轨道交通",
        "有轨电车",
        "胶轮有轨电车",
        "智能制造产业园",
        "示范线工程",
        "轨道车辆",
    ],
    "fine-chemicals": ["精细化工", "盐化工", "化工园区", "氯碱", "新材料", "安全生产"],
    "textiles": ["纺织服装", "服装加工", "纺纱", "印染", "品牌服饰", "电商直播"],
    "tourism": [
        "全域旅游",
        "南岳衡山",
        "文旅融合",
        "景区提质",
        "民宿",
        "研学旅行",
        "旅游综合收入",
    ],
    "camellia-oil": [
        "油茶",
        "油茶林",
        "茶油",
        "农副产品",
        "种植加工",
        "低产林改造",
        "特色农业",
    ],
}
VERBS = [
    "召开",
    "举行",
    "启动",
    "签约",
    "开工",
    "投产",
    "调研",
    "部署",
    "推进",
    "走访",
    "视察",
    "发布",
    "验收",
    "竣工",
    "考察",
]
EVENTS = [
    "工作会议",
    "推进会",
    "座谈会",
    "现场会",
    "签约仪式",
    "开工仪式",
    "专题调研",
    "新闻发布会",
    "观摩活动",
    "招商推介会",
]
ROLES = [
    "记者",
    "记者",
    "记者",
    "通讯员",
    "通讯员",
    "编辑",
    "摄影",
    "实习生",
    "整理",
    "统筹",
]
TITLES = ["市人大代表", "市政协委员", "省人大代表", "省政协委员"]
HEADINGS = [
    "要在{c}上下功夫",
    "让{c}成为新引擎",
    "{p}要抢抓机遇",
    "做强{c}产业链",
    "以{c}带动{p}发展",
    "{o}的新担当",
    "为{c}营造好环境",
    "{p}的{c}之路",
]
TAGS = [
    "两会",
    "项目建设",
    "招商引资",
    "乡村振兴",
    "民生实事",
    "营商环境",
    "党建",
    "文明创建",
    "防汛",
    "春运",
    "高考",
    "疫情防控",
]


def zipf_choice(rng: random.Random, items: list, s: float = 1.1):
    """Pick with probability ∝ 1/rank^s: the first items are common, the last rare."""
    weights = _weights(len(items), s)
    return rng.choices(items, cum_weights=weights)[0]


_WEIGHT_CACHE: dict[tuple[int, float], list[float]] = {}


def _weights(n: int, s: float) -> list[float]:
    key = (n, s)
    if key not in _WEIGHT_CACHE:
        total, cumulative = 0.0, []
        for rank in range(1, n + 1):
            total += 1 / rank**s
            cumulative.append(total)
        _WEIGHT_CACHE[key] = cumulative
    return _WEIGHT_CACHE[key]


@dataclass
class Vocabulary:
    """Names made once per seed: a long tail of people, villages and companies."""

    people: list[str] = field(default_factory=list)
    villages: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, rng: random.Random, size: int) -> Vocabulary:
        def person():
            given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
            return zipf_choice(rng, list(SURNAMES), 0.9) + given

        people = list(dict.fromkeys(person() for _ in range(size)))
        villages = list(
            dict.fromkeys(
                rng.choice(VILLAGE_CHARS) + rng.choice(VILLAGE_CHARS) + rng.choice(["村", "社区", "镇"])
                for _ in range(size)
            )
        )
        companies = list(
            dict.fromkeys(
                "衡阳" + rng.choice(GIVEN) + rng.choice(VILLAGE_CHARS) + rng.choice(ORG_SUFFIX) for _ in range(size)
            )
        )
        return cls(people, villages, companies)


class ArticleWriter:
    def __init__(self, rng: random.Random, vocabulary: Vocabulary, clusters: list[str]):
        self.rng = rng
        self.vocabulary = vocabulary
        self.clusters = clusters

    def amount(self) -> str:
        r = self.rng
        kind = r.random()
        if kind < 0.35:
            return f"{r.randint(1, 999)}{r.choice(['亿元', '万元', '万吨', '亩', '个', '家', '人次'])}"
        if kind < 0.6:
            return f"{r.randint(1, 60)}.{r.randint(0, 9)}%"
        if kind < 0.8:
            return f"{r.randint(1, 99)}.{r.randint(1, 9)}{r.choice(['亿元', '公里', '万平方米'])}"
        return f"{r.randint(2, 5)}G"

    def day(self, around: datetime.date) -> str:
        d = around - datetime.timedelta(days=self.rng.randint(0, 400))
        return f"{d.year}年{d.month}月{d.day}日"

    def place(self) -> str:
        if self.rng.random() < 0.75:
            return zipf_choice(self.rng, PLACES)
        return zipf_choice(self.rng, self.vocabulary.villages, 0.8)

    def org(self) -> str:
        if self.rng.random() < 0.6:
            return zipf_choice(self.rng, ORGS)
        return zipf_choice(self.rng, self.vocabulary.companies, 0.8)

    def person(self) -> str:
        return zipf_choice(self.rng, self.vocabulary.people, 0.8)

    def topic(self, cluster_slugs: list[str]) -> str:
        if cluster_slugs and self.rng.random() < 0.6:
            return self.rng.choice(CLUSTER_WORDS[self.rng.choice(cluster_slugs)])
        return zipf_choice(self.rng, COMMON, 1.0)

    def one_of(self, *patterns: Callable[[], str]) -> str:
        """One of ``patterns``, drawn first; its words are drawn as it is written, left to right."""
        return patterns[self.rng.randrange(len(patterns))]()

    def sentence(self, cluster_slugs: list[str], day: datetime.date) -> str:
        r, t = self.rng, functools.partial(self.topic, cluster_slugs)
        return self.one_of(
            lambda: f"{self.day(day)}，{self.org()}在{self.place()}{r.choice(VERBS)}{t()}{r.choice(EVENTS)}。",
            lambda: f"{self.place()}{t()}项目总投资{self.amount()}，预计带动就业{r.randint(50, 5000)}人。",
            lambda: f"“{t()}是{t()}的关键。”{self.org()}负责人{self.person()}说。",
            lambda: f"今年以来，{self.place()}{t()}增长{self.amount()}，{t()}取得新进展。",
            lambda: f"{self.person()}带领{self.place()}群众发展{t()}，年收入超过{self.amount()}。",
            lambda: f"要坚持{t()}，加快{t()}，推动{t()}迈上新台阶。",
            lambda: f"{self.org()}与{self.org()}签订{t()}合作协议，合同金额{self.amount()}。",
            lambda: f"截至{self.day(day)}，全市{t()}累计完成{self.amount()}，同比增长{self.amount()}。",
        )

    def paragraph(self, cluster_slugs, day) -> str:
        return "".join(self.sentence(cluster_slugs, day) for _ in range(self.rng.randint(2, 5)))

    def title(self, cluster_slugs, day) -> str:
        t = functools.partial(self.topic, cluster_slugs)
        return self.one_of(
            lambda: f"{self.place()}{t()}{self.rng.choice(EVENTS)}{self.rng.choice(['召开', '举行'])}",
            lambda: f"{self.org()}{t()}项目{self.rng.choice(VERBS)}",
            lambda: f"{t()}：{self.place()}交出{self.amount()}答卷",
            lambda: f"{self.person()}：让{t()}走进{self.place()}",
        )

    def heading(self, cluster_slugs) -> str:
        return self.rng.choice(HEADINGS).format(c=self.topic(cluster_slugs), p=self.place(), o=self.org())


def _issue_days(count: int, rng: random.Random) -> list[datetime.date]:
    """``count`` issue days, at most one a day: from 2000 on while they fit (so an archive of up
    to ~200,000 articles is the same as ever for its seed), further back towards 1949 beyond."""
    first = FIRST_DAY
    if count > (LAST_DAY - FIRST_DAY).days + 1:
        first = max(EARLIEST_DAY, LAST_DAY - datetime.timedelta(days=count - 1))
    span = (LAST_DAY - first).days + 1
    days = sorted(rng.sample(range(span), min(count, span)))
    return [first + datetime.timedelta(days=d) for d in days]


def generate_archive(
    *,
    articles: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
    batch: int = 2000,
) -> list[int]:
    """Create ``articles`` synthetic published articles (with parts) and index them; returns new ids."""
    rng = random.Random(seed)
    vocabulary = Vocabulary.build(rng, max(500, articles // 4))
    cluster_rows = list(Cluster.objects.order_by("position").values_list("pk", "slug"))
    cluster_slugs = [slug for _, slug in cluster_rows]
    cluster_ids = {slug: pk for pk, slug in cluster_rows}
    writer = ArticleWriter(rng, vocabulary, cluster_slugs)

    commentator_names = list(dict.fromkeys(writer.person() for _ in range(max(50, articles // 200))))
    contributor_names = list(dict.fromkeys(writer.person() for _ in range(max(30, articles // 600))))
    titles_for = {name: rng.choice(TITLES) for name in commentator_names}

    per_issue = 22
    days = _issue_days(max(1, -(-articles // per_issue)), rng)
    # Every day since 1949 an issue: a larger archive has fuller issues, not one huge last issue.
    per_issue = max(per_issue, -(-articles // len(days)))
    prefix = f"archive-{seed}-"
    existing_keys = set(Article.objects.filter(import_key__startswith=prefix).values_list("import_key", flat=True))
    created: list[int] = []
    with transaction.atomic():
        commentator_ids = _ensure_people(Commentator, commentator_names, titles_for)
        contributor_ids = _ensure_people(Contributor, contributor_names, {})
        page_ids = _ensure_pages(days)
    content_type_id = ContentType.objects.get_for_model(Article).pk
    from taggit.models import Tag, TaggedItem

    tag_ids = {name: Tag.objects.get_or_create(name=name)[0].pk for name in TAGS}

    for start in range(0, articles, batch):
        numbers = range(start, min(articles, start + batch))
        rows, parts = [], []
        for n in numbers:
            # 22 an issue while the days last; beyond, spread evenly so that the last days get theirs.
            day = days[min(n // per_issue, len(days) - 1)] if per_issue == 22 else days[n * len(days) // articles]
            k = rng.random()
            slugs = rng.sample(cluster_slugs, 1 if k < 0.45 else 2 if k < 0.6 else 0)
            page_number = rng.choice(PAGES)[0]
            status = Article.Status.PUBLISHED
            roll = rng.random()
            if roll < 0.005:
                status = Article.Status.WITHDRAWN
            elif roll < 0.01:
                status = Article.Status.DRAFT
            published_at = datetime.datetime.combine(day, datetime.time(6, rng.randint(0, 59)), tzinfo=SHANGHAI)
            lead = "\n\n".join(writer.paragraph(slugs, day) for _ in range(rng.randint(1, 3)))
            sections = []
            for _ in range(rng.choices([0, 1, 2, 3, 4], [45, 15, 15, 15, 10])[0]):
                with_voice = rng.random() < 0.6
                name = zipf_choice(rng, commentator_names, 0.7) if with_voice else None
                body = "\n\n".join(writer.paragraph(slugs, day) for _ in range(rng.randint(1, 4)))
                sections.append((writer.heading(slugs), name, body))
            credits = []
            for _ in range(rng.randint(1, 4)):
                credits.append((rng.choice(ROLES), zipf_choice(rng, contributor_names, 0.8)))
            tags = rng.sample(TAGS, 1) if rng.random() < 0.2 else []
            rows.append(
                {
                    "kicker": writer.topic(slugs) if rng.random() < 0.15 else "",
                    "title": writer.title(slugs, day),
                    "subtitle": writer.sentence(slugs, day).rstrip("。") if rng.random() < 0.1 else "",
                    "lead": lead,
                    "status": status,
                    "published_at": published_at if status != Article.Status.DRAFT else None,
                    "page_id": page_ids[(day, page_number)],
                    "position": n % per_issue,
                    "import_key": f"{prefix}{n}",
                    "created_at": published_at,
                }
            )
            if rows[-1]["import_key"] in existing_keys:
                rows.pop()  # made on an earlier run; generated anyway so later ones stay the same
                continue
            parts.append((sections, credits, slugs, tags))
        with transaction.atomic():
            ids = insert_rows(Article, rows, returning_ids=True)
            section_rows, credit_rows, link_rows, tag_rows = [], [], [], []
            for article_id, (sections, credits, slugs, tags) in zip(ids, parts, strict=True):
                for position, (heading, name, body) in enumerate(sections, start=1):
                    section_rows.append(
                        {
                            "article_id": article_id,
                            "position": position,
                            "heading": heading,
                            "commentator_id": commentator_ids[name] if name else None,
                            "commentator_title": titles_for[name] if name else "",
                            "body": body,
                        }
                    )
                seen = set()
                for position, (role, name) in enumerate(credits, start=1):
                    if name in seen:
                        continue
                    seen.add(name)
                    credit_rows.append(
                        {
                            "article_id": article_id,
                            "position": position,
                            "role": role,
                            "qualifier": "本报记者" if role == "记者" else "",
                            "contributor_id": contributor_ids[name],
                        }
                    )
                link_rows += [{"article_id": article_id, "cluster_id": cluster_ids[s]} for s in slugs]
                tag_rows += [
                    {
                        "object_id": article_id,
                        "content_type_id": content_type_id,
                        "tag_id": tag_ids[t],
                    }
                    for t in tags
                ]
            insert_rows(Section, section_rows)
            insert_rows(Credit, credit_rows)
            insert_rows(Article.clusters.through, link_rows)
            insert_rows(TaggedItem, tag_rows)
        articles_written.send(sender=Article, article_ids=ids, bulk_load=True)
        created += ids
        if progress:
            progress(len(numbers))
    if created:
        bulk_load_finished.send(sender=Article, article_ids=created)
    return created


def _ensure_people(model, names: list[str], titles: dict[str, str]) -> dict[str, int]:
    known = dict(model.objects.filter(name__in=names).values_list("name", "pk"))
    missing = [{"name": n, **({"title": titles[n]} if titles else {})} for n in names if n not in known]
    if missing:
        insert_rows(model, missing)
        known = dict(model.objects.filter(name__in=names).values_list("name", "pk"))
    return known


def _ensure_pages(days: list[datetime.date]) -> dict[tuple[datetime.date, str], int]:
    issues = dict(Issue.objects.filter(date__in=days).values_list("date", "pk"))
    used_numbers = set(Issue.objects.exclude(number=None).values_list("number", flat=True))
    missing = []
    for day in days:
        if day in issues:
            continue
        number = 20000 + (day - FIRST_DAY).days
        missing.append({"date": day, "number": None if number in used_numbers else number})
    for start in range(0, len(missing), 1000):
        insert_rows(Issue, missing[start : start + 1000])
    issues = dict(Issue.objects.filter(date__in=days).values_list("date", "pk"))
    pages = {
        (day, number): pk
        for day, number, pk in Page.objects.filter(issue__date__in=days).values_list("issue__date", "number", "pk")
    }
    new_pages = [
        {"issue_id": issues[day], "number": number, "name": name}
        for day in days
        for number, name in PAGES
        if (day, number) not in pages
    ]
    for start in range(0, len(new_pages), 2000):
        insert_rows(Page, new_pages[start : start + 2000])
    return {
        (day, number): pk
        for day, number, pk in Page.objects.filter(issue__date__in=days).values_list("issue__date", "number", "pk")
    }
