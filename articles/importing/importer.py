"""Import parsed articles: all-or-nothing per file, idempotent by content hash, bulk-friendly.

A run keeps caches of clusters, contributors, commentators, issues and pages, and writes
files in chunks: one transaction per chunk, bulk inserts for articles, sections, credits,
cluster links and tags. A file is checked completely (fields, issue numbers, duplicates)
before anything of it is written, so a bad file is reported and leaves no row behind; if
the database still refuses a chunk, the chunk is rolled back and retried one file at a time.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from articles.importing.parsing import ParsedArticle, ParseError, find_clusters, shown
from articles.models import (
    PAPER_TIMEZONE,
    Article,
    Commentator,
    Contributor,
    Credit,
    Issue,
    Page,
    PageRegion,
    Section,
    article_size_problem,
    implausible_date,
    polygon_problem,
    publication_time,
)
from articles.signals import articles_written
from articles.text import join_paragraphs
from clusters.models import Cluster

SHANGHAI = PAPER_TIMEZONE
PAGE_NUMBER = re.compile(r"^[A-Z]?\d{1,3}$")
# Chunks of at least this many files (a folder import, not an editor's upload) commit without
# waiting for the disk; see _import_chunk_once.
BULK_CHUNK = 50


# Field types whose Python values every database driver takes as they are.
PLAIN_TYPES = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "ForeignKey", "IntegerField",
    "PositiveBigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField", "SlugField", "SmallIntegerField",
    "TextField",
}  # fmt: skip


def insert_rows(model, rows: Sequence[dict], *, returning_ids: bool = False) -> list[int]:
    """INSERT ``rows`` (attname → value), other columns taking the field defaults.

    bulk_create() spends most of a large import compiling SQL value by value (about 25 µs per
    value); this builds one statement per batch: COPY on PostgreSQL (see _copy_rows), multi-row
    VALUES elsewhere. Columns come from the model, so a field added later with a default needs
    no change here. Returns the new ids in row order when asked (RETURNING keeps the order of
    the rows given, which bulk_create relies on too; COPY gets them from the sequence first).
    """
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.has_default() or not f.null:
            defaults[f.attname] = f.get_default()
        else:
            defaults[f.attname] = None
    prepare = {f.attname: f for f in fields if f.get_internal_type() not in PLAIN_TYPES}
    # Preparing a value (a datetime made naive and formatted, on SQLite) costs more than the
    # rest of the row; an import's rows share a few values (the run's time, the issue's
    # publication time), so each distinct one is prepared once.
    prepared: dict[str, dict] = {attname: {} for attname in prepare}

    def values(row: dict) -> list:
        out = []
        for f in fields:
            value = row.get(f.attname, defaults[f.attname])
            if f.attname in prepare:
                memo = prepared[f.attname]
                try:
                    value = memo[value]
                except KeyError:
                    prepped = prepare[f.attname].get_db_prep_save(value, connection)
                    memo[value] = prepped
                    value = prepped
                except TypeError:  # unhashable (a JSON value, say): prepared every time
                    value = prepare[f.attname].get_db_prep_save(value, connection)
            out.append(value)
        return out

    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    if connection.vendor == "postgresql":
        return _copy_rows(model, table, fields, [values(row) for row in rows], returning_ids=returning_ids)
    head = f"INSERT INTO {table} ({', '.join(quote(f.column) for f in fields)}) "
    tail = f" RETURNING {quote(model._meta.pk.column)}" if returning_ids else ""
    ids: list[int] = []
    with connection.cursor() as cursor:
        placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
        batch = max(1, min(500, (connection.features.max_query_params or 65535) // len(fields)))
        for start in range(0, len(rows), batch):
            part = rows[start : start + batch]
            params = [value for row in part for value in values(row)]
            cursor.execute(f"{head}VALUES {', '.join([placeholders] * len(part))}{tail}", params)
            if returning_ids:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def _copy_rows(model, table: str, fields, rows: list[list], *, returning_ids: bool) -> list[int]:
    """PostgreSQL: the rows through COPY, which psycopg feeds from C, value by value.

    Both earlier ways cost more in the client than the server spent storing the rows: a
    multi-row INSERT makes the driver parse a statement with thousands of placeholders, and
    UNNEST arrays are quoted element by element in Python (a regular expression per string).
    COPY returns nothing, so when ids are wanted they are drawn from the table's sequence
    first, in row order, and written explicitly; a concurrent insert simply gets other
    numbers from the same sequence. Constraints are checked as for INSERT (an over-long
    value or a duplicate import key still fails the statement, and with it the chunk).
    """
    quote = connection.ops.quote_name
    columns = [quote(f.column) for f in fields]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if returning_ids:
            pk = model._meta.pk.column
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            columns.insert(0, quote(pk))
            rows = [[pk_value, *row] for pk_value, row in zip(ids, rows, strict=True)]
        # Straight to psycopg (Django's cursor has no COPY), so its errors are turned into
        # Django's here, as for any other statement: the importer retries on DatabaseError.
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
    return ids


@dataclass(frozen=True)
class ImportOptions:
    """Command-line or admin choices; each one set overrides what a JSON record carries."""

    status: str | None = None
    issue_date: datetime.date | None = None
    issue_number: int | None = None
    page_number: str | None = None
    page_name: str | None = None
    created_by: object = None


@dataclass
class FileResult:
    name: str
    created: list[int] = field(default_factory=list)
    existing: list[int] = field(default_factory=list)
    error: ParseError | None = None
    # A dry run fills these instead of created: what would be imported.
    records: list[dict] = field(default_factory=list)
    pending: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class _Prepared:
    """One article, checked and resolved as far as possible without writing."""

    parsed: ParsedArticle
    key: str
    status: str
    published_at: datetime.datetime | None
    issue_date: datetime.date | None
    issue_number: int | None
    page_number: str | None
    page_name: str
    cluster_ids: list[int]
    page: Page | None = None

    @property
    def day(self) -> datetime.date | None:
        if self.issue_date:
            return self.issue_date
        return timezone.localtime(self.published_at, SHANGHAI).date() if self.published_at else None

    def content_changed_at(self, now: datetime.datetime) -> datetime.datetime:
        """When its text last changed, as readers count it: a page of a past issue was written for
        that issue (its publication time, or 06:00 that day); anything else now, at import."""
        for when in (self.published_at, publication_time(self.issue_date) if self.issue_date else None):
            if when is not None and when <= now:
                return when
        return now


def article_characters(parsed: ParsedArticle) -> int:
    """Characters of printed text: titles, lead, headings and paragraphs (as the admin counts them)."""
    count = len(parsed.title) + len(parsed.kicker) + len(parsed.subtitle) + sum(len(p) for p in parsed.lead)
    for section in parsed.sections:
        count += len(section.heading) + sum(len(p) for p in section.paragraphs)
    return count


def _limit(value: str, field_name: str, model, line: int, label: str) -> None:
    max_length = model._meta.get_field(field_name).max_length
    if len(value) > max_length:
        raise ParseError(line, f"{label}“{value[:20]}…”太长：最多 {max_length} 字")


class ArticleImporter:
    """Imports files of parsed articles; create one per run so its caches stay consistent."""

    def __init__(self, options: ImportOptions | None = None, *, chunk_size: int = 250):
        self.options = options or ImportOptions()
        self.chunk_size = chunk_size
        self._reset_caches()

    def _reset_caches(self) -> None:
        self._clusters: dict[str, list[str]] | None = None
        self._cluster_ids: dict[str, int] = {}
        self._cluster_by_any_name: dict[str, str] = {}
        self._contributors: dict[str, int] = {}
        self._commentators: dict[str, tuple[int, str]] = {}  # name → (id, current title)
        self._issues: dict[datetime.date, Issue | None] = {}
        self._pages: dict[tuple[int, str], Page] = {}
        self._next_position: dict[int, int] = {}
        self._tags: dict[str, int] = {}

    # --- reading, no writes ---------------------------------------------------------------

    def _load_clusters(self) -> dict[str, list[str]]:
        if self._clusters is None:
            self._clusters = {}
            for cluster in Cluster.objects.order_by("position"):
                self._clusters[cluster.name] = cluster.names
                self._cluster_ids[cluster.name] = cluster.pk
                for name in cluster.names:
                    self._cluster_by_any_name.setdefault(name, cluster.name)
        return self._clusters

    def cluster_names(self, parsed: ParsedArticle) -> list[str]:
        """Canonical names, in the clusters' order: as given by a record, else found in the text."""
        clusters = self._load_clusters()
        if parsed.clusters is None:
            return find_clusters(parsed.full_text(), clusters)
        found = set()
        for name in parsed.clusters:
            canonical = self._cluster_by_any_name.get(name)
            if canonical is None:
                raise ParseError(parsed.line, f"未知的产业集群“{shown(name)}”")
            found.add(canonical)
        return [name for name in clusters if name in found]

    def preview(self, parsed: ParsedArticle) -> dict:
        """The JSON record an import would create (what ``--dry-run --json`` prints)."""
        return parsed.as_record(self.cluster_names(parsed))

    def prepare(self, parsed: ParsedArticle) -> _Prepared:
        """Check every field against the model and work out status, time and page."""
        line = parsed.line
        options = self.options
        for value, field_name, label in (
            (parsed.title, "title", "标题"),
            (parsed.kicker, "kicker", "引题"),
            (parsed.subtitle, "subtitle", "副题"),
        ):
            _limit(value, field_name, Article, line, label)
        for credit in parsed.credits:
            _limit(credit.role, "role", Credit, line, "署名角色")
            _limit(credit.qualifier, "qualifier", Credit, line, "署名前缀")
            for name in credit.names:
                _limit(name, "name", Contributor, line, "署名姓名")
        for section in parsed.sections:
            _limit(section.heading, "heading", Section, line, "小节标题")
            if section.commentator:
                _limit(section.commentator.name, "name", Commentator, line, "代表委员姓名")
                _limit(
                    section.commentator.title,
                    "commentator_title",
                    Section,
                    line,
                    "代表委员身份",
                )
        for tag in parsed.tags:
            if len(tag) > 100:
                raise ParseError(line, f"标签“{tag[:20]}…”太长：最多 100 字")
        problem = article_size_problem(
            sections=len(parsed.sections),
            paragraphs=len(parsed.lead) + sum(len(s.paragraphs) for s in parsed.sections),
            credits=sum(len(c.names) for c in parsed.credits),
            characters=article_characters(parsed),
        )
        if problem:
            raise ParseError(line, problem)

        status = options.status or parsed.status or Article.Status.DRAFT
        issue_date = options.issue_date or parsed.issue_date
        if options.issue_date:
            issue_number = options.issue_number
        else:
            issue_number = options.issue_number or parsed.issue_number
        if options.page_number:
            page_number, page_name = options.page_number, options.page_name or ""
        elif parsed.page and not options.issue_date:
            page_number, page_name = parsed.page.number, parsed.page.name
        else:
            page_number, page_name = None, ""
        if page_number is not None:
            page_number = page_number.upper()
            if not PAGE_NUMBER.match(page_number):
                raise ParseError(line, f"版次“{shown(page_number)}”格式不对：应如 A01、B12 或 03")
            _limit(page_name, "name", Page, line, "版名")
            if issue_date is None:
                raise ParseError(line, "指定了版次却没有出版日期")

        # Published with --date means out with the paper at 06:00; otherwise a record keeps its time.
        visible = status in (Article.Status.PUBLISHED, Article.Status.SCHEDULED)
        if visible and options.issue_date:
            published_at = publication_time(options.issue_date)
        elif parsed.published_at is not None:
            published_at = parsed.published_at
        elif visible:
            published_at = publication_time(issue_date) if issue_date else timezone.now()
        else:
            published_at = None

        # Every date is checked before anything is written: a year-1 or year-9999 time would be
        # stored and then break every page that lists it.
        for value, label in (
            (issue_date, "出版日期（issue_date / --date）"),
            (published_at, "发布时间（published_at）"),
        ):
            problem = implausible_date(value, label)
            if problem:
                raise ParseError(line, problem)

        for number, region in enumerate(parsed.regions, start=1):
            problem = polygon_problem([list(point) for point in region.polygon])
            if problem is None and not PAGE_NUMBER.match(region.page_number):
                problem = f"版次“{shown(region.page_number)}”格式不对：应如 A01、B12 或 03"
            problem = problem or implausible_date(region.issue_date, "版面日期（regions.page.date）")
            if problem:
                raise ParseError(line, f"第 {number} 个版面区域：{problem}")

        return _Prepared(
            parsed=parsed,
            key=parsed.import_key,
            cluster_ids=[self._cluster_ids[name] for name in self.cluster_names(parsed)],
            status=status,
            published_at=published_at,
            # Where it is filed: the options' issue and page, else the record's.
            issue_date=issue_date,
            issue_number=issue_number,
            page_number=page_number,
            page_name=page_name,
        )

    def _known_issue(self, day: datetime.date) -> Issue | None:
        if day not in self._issues:
            self._issues[day] = Issue.objects.filter(date=day).first()
        return self._issues[day]

    def _check_issues(self, prepared: Sequence[_Prepared]) -> None:
        """Issue numbers must agree with what the database and the rest of the file say."""
        planned: dict[datetime.date, int | None] = {}
        for item in prepared:
            if item.issue_date is None:
                continue
            line, day, number = item.parsed.line, item.issue_date, item.issue_number
            issue = self._known_issue(day)
            known = planned.get(day) or (issue.number if issue else None)
            if number and known and known != number:
                raise ParseError(line, f"{day} 的报纸期号是 {known}，与 {number} 不符")
            if number and not known:
                other = Issue.objects.filter(number=number).exclude(date=day).values_list("date", flat=True).first()
                if other is None:
                    other = next(
                        (d for d, n in planned.items() if n == number and d != day),
                        None,
                    )
                if other is not None:
                    raise ParseError(line, f"期号 {number} 已属于 {other} 的报纸")
            if number or day not in planned:
                planned[day] = number or planned.get(day)

    # --- writing --------------------------------------------------------------------------

    def _issue(self, day: datetime.date, number: int | None) -> Issue:
        issue = self._known_issue(day)
        if issue is None:
            issue = Issue.objects.create(date=day, number=number)
            self._issues[day] = issue
        elif number and issue.number is None:
            issue.number = number
            issue.save(update_fields=["number"])
        return issue

    def _page(self, issue: Issue, number: str, name: str) -> Page:
        key = (issue.pk, number)
        page = self._pages.get(key)
        if page is None:
            page, _ = Page.objects.get_or_create(issue=issue, number=number, defaults={"name": name})
            self._pages[key] = page
        if name and not page.name:
            page.name = name
            page.save(update_fields=["name"])
        return page

    def _position(self, page: Page) -> int:
        if page.pk not in self._next_position:
            highest = Article.objects.filter(page=page).aggregate(top=Max("position"))["top"] or 0
            self._next_position[page.pk] = highest + 1
        position = self._next_position[page.pk]
        self._next_position[page.pk] += 1
        return position

    def _contributor_ids(self, names: Iterable[str]) -> dict[str, int]:
        """Contributors matched by name; the missing ones are created."""
        missing = {n for n in names if n not in self._contributors}
        if missing:
            found = Contributor.objects.filter(name__in=missing).values_list("name", "pk")
            self._contributors.update(found)
            new = sorted(n for n in missing if n not in self._contributors)
            ids = insert_rows(Contributor, [{"name": n} for n in new], returning_ids=True)
            self._contributors.update(zip(new, ids, strict=True))
        return self._contributors

    def _commentator_ids(self, prepared: Sequence[_Prepared]) -> dict[str, tuple[int, str]]:
        """Commentators matched by name; the current title follows the newest dated article."""
        newest: dict[str, tuple[datetime.date | None, str]] = {}
        for item in prepared:
            day = item.day
            for section in item.parsed.sections:
                if section.commentator is None:
                    continue
                name, title = section.commentator.name, section.commentator.title
                seen = newest.get(name)
                if seen is None or (day and (seen[0] is None or day >= seen[0])):
                    newest[name] = (day, title)
        missing = [n for n in newest if n not in self._commentators]
        if missing:
            found = Commentator.objects.filter(name__in=missing).values_list("name", "pk", "title")
            self._commentators.update((name, (pk, title)) for name, pk, title in found)
            new = [n for n in missing if n not in self._commentators]
            rows = [{"name": n, "title": newest[n][1]} for n in new]
            ids = insert_rows(Commentator, rows, returning_ids=True)
            self._commentators.update((n, (pk, newest[n][1])) for n, pk in zip(new, ids, strict=True))
        changed = {self._commentators[n][0]: n for n in newest if self._commentators[n][1] != newest[n][1]}
        if changed:
            latest: dict[int, datetime.date | None] = {}
            for pk, issue_day, published in (
                Section.objects.filter(commentator__in=list(changed))
                .values("commentator")
                .annotate(
                    issue_day=Max("article__page__issue__date"),
                    published=Max("article__published_at"),
                )
                .values_list("commentator", "issue_day", "published")
            ):
                days = [
                    issue_day,
                    timezone.localtime(published, SHANGHAI).date() if published else None,
                ]
                latest[pk] = max((d for d in days if d), default=None)
            retitled = []
            for pk, name in changed.items():
                day, title = newest[name]
                known = latest.get(pk)
                if not self._commentators[name][1] or (day and (known is None or day >= known)):
                    retitled.append(Commentator(pk=pk, title=title))
                    self._commentators[name] = (pk, title)
            # One statement for the chunk: a bulk import may retitle hundreds of commentators.
            Commentator.objects.bulk_update(retitled, ["title"], batch_size=500)
        return self._commentators

    def _tag_ids(self, names: Iterable[str]) -> dict[str, int]:
        tag_model = Article.tags.through.tag_model()
        for name in names:
            key = name.lower()
            if key not in self._tags:
                tag = tag_model.objects.filter(name__iexact=name).first() or tag_model.objects.create(name=name)
                self._tags[key] = tag.pk
        return self._tags

    def _write(self, files: Sequence[tuple[FileResult, list[_Prepared]]]) -> list[int]:
        """Insert every prepared article of ``files`` with its parts; returns the new article ids."""
        items = [item for _, prepared in files for item in prepared]
        if not items:
            return []
        commentators = self._commentator_ids(items)
        contributors = self._contributor_ids({n for i in items for c in i.parsed.credits for n in c.names})
        created_by = getattr(self.options.created_by, "pk", None)
        now = timezone.now()
        article_ids = insert_rows(
            Article,
            [
                {
                    "kicker": item.parsed.kicker,
                    "title": item.parsed.title,
                    "subtitle": item.parsed.subtitle,
                    "lead": join_paragraphs(list(item.parsed.lead)),
                    "status": item.status,
                    "published_at": item.published_at,
                    "page_id": item.page.pk if item.page else None,
                    "position": self._position(item.page) if item.page else 0,
                    "import_key": item.key,
                    "created_by_id": created_by,
                    "content_changed_at": item.content_changed_at(now),
                }
                for item in items
            ],
            returning_ids=True,
        )

        sections, credits, links, tagged = [], [], [], []
        content_type_id = ContentType.objects.get_for_model(Article).pk
        for item, article_id in zip(items, article_ids, strict=True):
            parsed = item.parsed
            for position, section in enumerate(parsed.sections, start=1):
                commentator = section.commentator
                sections.append(
                    {
                        "article_id": article_id,
                        "position": position,
                        "heading": section.heading,
                        "commentator_id": commentators[commentator.name][0] if commentator else None,
                        "commentator_title": commentator.title if commentator else "",
                        "body": join_paragraphs(list(section.paragraphs)),
                    }
                )
            position = 0
            for credit in parsed.credits:
                for name in credit.names:
                    position += 1
                    credits.append(
                        {
                            "article_id": article_id,
                            "position": position,
                            "role": credit.role,
                            "qualifier": credit.qualifier,
                            "contributor_id": contributors[name],
                        }
                    )
            links.extend({"article_id": article_id, "cluster_id": cid} for cid in item.cluster_ids)
            if parsed.tags:
                tag_ids = self._tag_ids(parsed.tags)
                tagged.extend(
                    {
                        "tag_id": tid,
                        "object_id": article_id,
                        "content_type_id": content_type_id,
                    }
                    for tid in sorted({tag_ids[t.lower()] for t in parsed.tags})
                )
        insert_rows(Section, sections)
        insert_rows(Credit, credits)
        insert_rows(Article.clusters.through, links)
        insert_rows(Article.tags.through, tagged)
        self._write_regions(items, article_ids)

        offset = 0
        for result, prepared in files:
            result.created.extend(article_ids[offset : offset + len(prepared)])
            offset += len(prepared)
        return article_ids

    def _write_regions(self, items: Sequence[_Prepared], article_ids: Sequence[int]) -> None:
        """An exported record's page regions (the e-paper), after the page's existing ones."""
        rows = []
        next_position: dict[int, int] = {}
        for item, article_id in zip(items, article_ids, strict=True):
            for region in item.parsed.regions:
                page = self._page(self._issue(region.issue_date, None), region.page_number, "")
                if page.pk not in next_position:
                    top = PageRegion.objects.filter(page=page).aggregate(top=Max("position"))["top"]
                    next_position[page.pk] = 0 if top is None else top + 1
                rows.append(
                    PageRegion(
                        page_id=page.pk,
                        article_id=article_id,
                        polygon=[list(point) for point in region.polygon],
                        position=next_position[page.pk],
                    )
                )
                next_position[page.pk] += 1
        if rows:
            PageRegion.objects.bulk_create(rows)  # a few rows: no need for insert_rows' COPY
            # The e-paper page's Last-Modified follows its regions.
            Page.objects.filter(pk__in=next_position).update(updated_at=timezone.now())

    def dry_run(self, name: str, articles: Sequence[ParsedArticle] | ParseError) -> FileResult:
        """Check a file as an import would, without writing: records, duplicates and errors."""
        result = FileResult(name)
        if isinstance(articles, ParseError):
            result.error = articles
            return result
        try:
            prepared = [self.prepare(parsed) for parsed in articles]
            self._check_issues(prepared)
        except ParseError as error:
            result.error = error
            return result
        known = dict(Article.objects.filter(import_key__in=[p.key for p in prepared]).values_list("import_key", "pk"))
        result.records = [self.preview(item.parsed) for item in prepared]
        result.existing = [known[p.key] for p in prepared if p.key in known]
        result.pending = len({p.key for p in prepared if p.key not in known})
        return result

    # --- the run --------------------------------------------------------------------------

    def import_files(self, files: Iterable[tuple[str, Sequence[ParsedArticle] | ParseError]]) -> Iterator[FileResult]:
        """Import ``(name, articles or the error met while parsing)`` pairs, yielding a result per file."""
        chunk: list[tuple[str, Sequence[ParsedArticle] | ParseError]] = []
        for entry in files:
            chunk.append(entry)
            if len(chunk) >= self.chunk_size:
                yield from self._import_chunk(chunk)
                chunk = []
        if chunk:
            yield from self._import_chunk(chunk)

    def _import_chunk(self, chunk) -> list[FileResult]:
        try:
            return self._import_chunk_once(chunk)
        except DatabaseError:
            self._reset_caches()
            if len(chunk) == 1:
                raise
        # Something only the database noticed: isolate the file that caused it.
        results = []
        for entry in chunk:
            try:
                results.extend(self._import_chunk_once([entry]))
            except DatabaseError as error:
                self._reset_caches()
                articles = entry[1]
                line = articles[0].line if isinstance(articles, Sequence) and articles else 1
                results.append(FileResult(entry[0], error=ParseError(line, f"数据库拒绝写入：{error}")))
        return results

    def _import_chunk_once(self, chunk) -> list[FileResult]:
        results: list[FileResult] = []
        with transaction.atomic():
            if connection.vendor == "postgresql" and len(chunk) >= BULK_CHUNK:
                # A bulk run need not wait for each chunk's WAL flush: a crash loses at most the
                # last moment's chunks, never leaves a partial one, and importing the same files
                # again writes exactly what is missing (articles are recognised by content hash).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
            keys = {a.import_key for _, articles in chunk if not isinstance(articles, ParseError) for a in articles}
            known = dict(Article.objects.filter(import_key__in=keys).values_list("import_key", "pk")) if keys else {}
            seen: set[str] = set()
            to_write: list[tuple[FileResult, list[_Prepared]]] = []
            for name, articles in chunk:
                result = FileResult(name)
                results.append(result)
                if isinstance(articles, ParseError):
                    result.error = articles
                    continue
                try:
                    prepared = []
                    for parsed in articles:
                        item = self.prepare(parsed)
                        if item.key in known:
                            result.existing.append(known[item.key])
                        elif item.key not in seen:
                            prepared.append(item)
                            seen.add(item.key)
                    self._check_issues(prepared)
                except ParseError as error:
                    result.error, result.existing = error, []
                    seen.difference_update(p.key for p in prepared)
                    continue
                for item in prepared:
                    # An issue is recorded when an article sits on one of its pages or its number is known.
                    if item.issue_date and (item.page_number or item.issue_number):
                        issue = self._issue(item.issue_date, item.issue_number)
                        if item.page_number:
                            item.page = self._page(issue, item.page_number, item.page_name)
                to_write.append((result, prepared))
            new_ids = self._write(to_write)
            if new_ids:
                announce_new_articles(new_ids)
        return results


def announce_new_articles(article_ids: list[int]) -> None:
    """Tell whoever keeps derived data (the search index) about rows written without save()."""
    articles_written.send(sender=Article, article_ids=article_ids, bulk_load=False)


def article_import(*, parsed: ParsedArticle, options: ImportOptions | None = None) -> tuple[Article, bool]:
    """Import one article; importing the same text twice returns the first article, created=False."""
    result = next(ArticleImporter(options).import_files([("", [parsed])]))
    if result.error:
        raise result.error
    if result.created:
        return Article.objects.get(pk=result.created[0]), True
    return Article.objects.get(pk=result.existing[0]), False
