"""Load the demo content shipped in articles/demo/: articles through the importer, then projects,
and one demo account per newsroom role, so one person can walk a story through 三审 alone.

Idempotent: articles are recognised by their content hash, everything else by name, so running
it again (as `make run` does on every start) changes nothing. Account passwords are generated
(never fixed) and printed only when the account is created.
"""

import datetime
import json
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.importing.importer import ArticleImporter, ImportOptions
from articles.importing.parsing import ParseError, parse_file
from articles.models import Article, Page
from clusters.models import Cluster, Milestone, Organization, Project

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"


# One account per role created by articles/migrations/0005_editorial_groups.py, in workflow order:
# the role's group, then the username and the name shown for it.
DEMO_ACCOUNTS = {
    "记者": ("demo_reporter", "演示记者"),
    "编辑": ("demo_editor", "演示编辑"),
    "部门主任": ("demo_head", "演示主任"),
    "总编辑": ("demo_chief", "演示总编"),
    "档案员": ("demo_archivist", "演示档案员"),
}


def day(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


class Command(BaseCommand):
    help = "载入演示内容：几期报纸、稿件、项目、机构和大事记（可重复运行，不会重复创建）。"

    def add_arguments(self, parser):
        parser.add_argument("--no-photos", action="store_true", help="不生成演示图片（更快）")
        parser.add_argument("--no-accounts", action="store_true", help="不创建各角色的演示账号")

    def handle(self, *args, no_photos=False, no_accounts=False, **options):
        manifest = json.loads((DEMO_DIR / "manifest.json").read_text("utf-8"))
        page_names = {
            (issue["date"], page["number"]): page["name"] for issue in manifest["issues"] for page in issue["pages"]
        }
        with transaction.atomic():
            articles, created = self.load_articles(manifest["articles"], page_names)
            self.load_projects(manifest, articles)
        if not no_photos:
            from articles.demo.drawings import attach_demo_photos

            attach_demo_photos()
        # The e-paper: a drawn image for each demo page and its articles' regions (articles.demo.pages).
        from articles.demo.pages import make_demo_pages

        make_demo_pages(Page.objects.filter(issue__date__in=[day(i["date"]) for i in manifest["issues"]]))
        self.stdout.write(
            f"演示内容已就绪：稿件 {len(articles)} 篇（本次新建 {created} 篇），"
            f"项目 {len(manifest['projects'])} 个，大事记 {len(manifest['milestones'])} 条。"
        )
        if not no_accounts:
            self.create_accounts()

    def create_accounts(self) -> None:
        """One staff account per newsroom role, each with a generated password shown only now."""
        User = get_user_model()
        created, existing = [], []
        for group_name, (username, last_name) in DEMO_ACCOUNTS.items():
            group = Group.objects.filter(name=group_name).first()
            if group is None:
                self.stderr.write(f"没有“{group_name}”角色（应由数据迁移创建），跳过演示账号 {username}。")
                continue
            if User.objects.filter(username=username).exists():
                existing.append((username, group_name))
                continue
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username, password=password, is_staff=True, last_name=last_name)
            user.groups.add(group)
            created.append((username, group_name, password))
        if created:
            lines = [
                f"  {group_name:　<5}用户名：{username:<16}密码：{password}"
                for username, group_name, password in created
            ]
            self.stdout.write(
                self.style.SUCCESS("已创建各角色的演示账号（密码随机生成，只显示这一次）：\n" + "\n".join(lines))
            )
        if existing:
            names = "、".join(f"{username}（{group_name}）" for username, group_name in existing)
            self.stdout.write(
                f"演示账号已存在：{names}。忘记密码请运行：.venv/bin/python manage.py changepassword 用户名"
            )

    def load_articles(self, entries, page_names) -> tuple[dict[str, Article], int]:
        articles, created = {}, 0
        for entry in entries:
            path = DEMO_DIR / entry["file"]
            try:
                parsed = parse_file(path.name, path.read_bytes())
            except ParseError as error:
                raise CommandError(f"{path.name}:{error.line}: {error.reason}") from None
            options = ImportOptions(
                status=entry["status"],
                issue_date=day(entry["date"]),
                page_number=entry["page"],
                page_name=page_names.get((entry["date"], entry["page"]), ""),
            )
            result = next(ArticleImporter(options).import_files([(path.name, parsed)]))
            if result.error:
                raise CommandError(f"{path.name}:{result.error.line}: {result.error.reason}")
            created += len(result.created)
            article = Article.objects.get(pk=(result.created or result.existing)[0])
            article.tags.add(*entry.get("tags", []))
            articles[entry["file"]] = article
        return articles, created

    def load_projects(self, manifest, articles) -> None:
        clusters = {c.name: c for c in Cluster.objects.all()}
        organizations = {}
        for item in manifest["organizations"]:
            organizations[item["name"]], _ = Organization.objects.get_or_create(
                name=item["name"], defaults={"kind": item["kind"]}
            )
        projects = {}
        for item in manifest["projects"]:
            project, _ = Project.objects.get_or_create(
                name=item["name"],
                defaults={
                    "cluster": clusters[item["cluster"]],
                    "location": item["location"],
                    "status": item["status"],
                    "started_on": day(item["started_on"]),
                    "summary": item["summary"],
                },
            )
            project.organizations.add(*(organizations[name] for name in item["organizations"]))
            projects[item["name"]] = project
        for item in manifest["milestones"]:
            project = projects[item["project"]]
            Milestone.objects.get_or_create(
                date=day(item["date"]),
                text=item["text"],
                project=project,
                defaults={
                    "cluster": project.cluster,
                    "source_article": articles[item["source"]],
                },
            )
