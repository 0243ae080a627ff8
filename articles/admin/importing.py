"""The admin's import page: upload files, see what the parser made of them, confirm to create drafts.

Nothing is written until the editor confirms: the uploaded bytes wait in the session under a
random token, and the confirmation parses them again and imports them as drafts through the
same importer as the command line. A session keeps at most MAX_PREVIEWS previews waiting, each
no larger than an upload may be (MAX_TOTAL_BYTES): a new preview drops the oldest unconfirmed one.
"""

from __future__ import annotations

import base64
import datetime
import secrets

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from articles.admin.guards import PlausibleDatesFormMixin
from articles.importing.importer import PAGE_NUMBER, ArticleImporter, ImportOptions
from articles.importing.parsing import ParseError, parse_file
from articles.models import Article

IMPORT_PERMISSION = "articles.import_article"
MAX_FILES = 50
MAX_TOTAL_BYTES = 5 * 1024 * 1024
MAX_PREVIEWS = 3
SESSION_PREFIX = "article_import:"
SESSION_ORDER = "article_import_tokens"  # tokens of the waiting previews, oldest first


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".txt,.jsonl"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)]


class ImportUploadForm(PlausibleDatesFormMixin, forms.Form):
    files = MultipleFileField(
        label="稿件文件",
        help_text="报纸文本格式的 .txt，或导出的 .jsonl；可一次选多个文件。",
    )
    encoding = forms.ChoiceField(
        label="文件编码",
        choices=[("utf-8", "UTF-8（默认）"), ("gbk", "GBK（旧档案）")],
        initial="utf-8",
    )
    issue_date = forms.DateField(
        label="出版日期",
        required=False,
        help_text="可空；填写后稿件放到这一天报纸的版面上（期次不存在时自动创建）。",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    page_number = forms.CharField(
        label="版次",
        required=False,
        max_length=4,
        help_text="如 A04；需同时填出版日期。",
    )
    page_name = forms.CharField(label="版名", required=False, max_length=30, help_text="如 两会特刊")

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"一次最多上传 {MAX_FILES} 个文件。")
        if sum(f.size for f in files) > MAX_TOTAL_BYTES:
            raise forms.ValidationError("文件总大小不能超过 5 MB；更大的档案请用 import_articles 命令导入。")
        for upload in files:
            if not upload.name.lower().endswith((".txt", ".jsonl")):
                raise forms.ValidationError(f"“{upload.name}”不是 .txt 或 .jsonl 文件。")
        return files

    def clean_page_number(self):
        number = self.cleaned_data["page_number"].strip().upper()
        if number and not PAGE_NUMBER.match(number):
            raise forms.ValidationError("版次格式如 A01、B12 或 03。")
        return number

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("page_number") and not cleaned.get("issue_date"):
            self.add_error("issue_date", "填写版次时需要出版日期。")
        if cleaned.get("page_name") and not cleaned.get("page_number"):
            self.add_error("page_number", "填写版名时需要版次。")
        return cleaned


def import_options(stored: dict, user) -> ImportOptions:
    issue_date = stored.get("issue_date")
    return ImportOptions(
        status=Article.Status.DRAFT,  # the admin import always makes drafts; review publishes them
        issue_date=datetime.date.fromisoformat(issue_date) if issue_date else None,
        page_number=stored.get("page_number") or None,
        page_name=stored.get("page_name") or None,
        created_by=user,
    )


def parse_stored(stored: dict) -> list[tuple[str, list | ParseError]]:
    parsed = []
    for name, data in stored["files"]:
        try:
            parsed.append((name, parse_file(name, base64.b64decode(data), stored["encoding"])))
        except ParseError as error:
            parsed.append((name, error))
    return parsed


def preview_files(parsed_files, importer: ArticleImporter) -> list[dict]:
    """What the preview page shows for each file: its articles or its error."""
    keys = [a.import_key for _, articles in parsed_files if not isinstance(articles, ParseError) for a in articles]
    known = dict(Article.objects.filter(import_key__in=keys).values_list("import_key", "pk"))
    shown = []
    for name, articles in parsed_files:
        result = importer.dry_run(name, articles)
        entry = {"name": name, "error": result.error, "articles": []}
        if result.error is None:
            for parsed, record in zip(articles, result.records, strict=True):
                credits = [{"role": c.role, "qualifier": c.qualifier, "names": list(c.names)} for c in parsed.credits]
                entry["articles"].append(
                    {
                        "record": record,
                        "credits": credits,
                        "rejoined": parsed.rejoined,
                        "existing_id": known.get(parsed.import_key),
                        "paragraph_count": len(parsed.lead) + sum(len(s.paragraphs) for s in parsed.sections),
                    }
                )
        shown.append(entry)
    return shown


def import_view(model_admin, request):
    if not request.user.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "导入稿件",
        "changelist_url": reverse("admin:articles_article_changelist"),
    }
    if request.method == "POST" and "token" in request.POST:
        return confirm_import(model_admin, request)

    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        stored = {
            "encoding": form.cleaned_data["encoding"],
            "issue_date": form.cleaned_data["issue_date"].isoformat() if form.cleaned_data["issue_date"] else "",
            "page_number": form.cleaned_data["page_number"],
            "page_name": form.cleaned_data["page_name"].strip(),
            "files": [(f.name, base64.b64encode(f.read()).decode("ascii")) for f in form.cleaned_data["files"]],
        }
        token = keep_preview(request.session, stored)
        importer = ArticleImporter(import_options(stored, request.user))
        files = preview_files(parse_stored(stored), importer)
        importable = sum(1 for f in files if not f["error"] for a in f["articles"] if not a["existing_id"])
        context.update(
            {
                "files": files,
                "token": token,
                "importable": importable,
                "failed": sum(1 for f in files if f["error"]),
                "options": stored,
            }
        )
        return TemplateResponse(request, "admin/articles/import_preview.html", context)
    context["form"] = form
    return TemplateResponse(request, "admin/articles/import.html", context)


def keep_preview(session, stored: dict) -> str:
    """Keep an upload in the session until it is confirmed; returns its token.

    At most MAX_PREVIEWS wait at once: the oldest unconfirmed one is dropped (its confirmation then
    says it has expired), so reloading the upload page again and again cannot grow the session.
    Previews left by an older version of this page (without the list of tokens) are dropped too.
    """
    order = [t for t in session.get(SESSION_ORDER, []) if SESSION_PREFIX + t in session]
    for key in [k for k in session.keys() if k.startswith(SESSION_PREFIX) and k[len(SESSION_PREFIX) :] not in order]:
        del session[key]
    while len(order) >= MAX_PREVIEWS:
        session.pop(SESSION_PREFIX + order.pop(0), None)
    token = secrets.token_urlsafe(16)
    session[SESSION_PREFIX + token] = stored
    session[SESSION_ORDER] = [*order, token]
    return token


def take_preview(session, token: str) -> dict | None:
    """The upload waiting under ``token``, removed from the session; None if it is gone."""
    stored = session.pop(SESSION_PREFIX + token, None)
    order = session.get(SESSION_ORDER, [])
    if token in order:
        session[SESSION_ORDER] = [t for t in order if t != token]
    return stored


def confirm_import(model_admin, request):
    stored = take_preview(request.session, request.POST["token"])
    changelist = reverse("admin:articles_article_changelist")
    if stored is None:
        messages.error(request, "这次导入已经确认过或已过期，请重新上传文件。")
        return HttpResponseRedirect(reverse("admin:articles_article_import"))
    importer = ArticleImporter(import_options(stored, request.user))
    created = existing = failed = 0
    for result in importer.import_files(parse_stored(stored)):
        if result.error:
            failed += 1
        created += len(result.created)
        existing += len(result.existing)
    parts = [f"已导入 {created} 篇草稿"]
    if existing:
        parts.append(f"{existing} 篇此前已导入，未重复创建")
    if failed:
        parts.append(f"{failed} 个有错误的文件未导入")
    messages.success(request, "；".join(parts) + "。")
    return HttpResponseRedirect(f"{changelist}?status__exact=draft")


def import_urls(model_admin) -> list:
    """URLs to put before the admin's own (its catch-all would take "import/" for an object id)."""
    view = model_admin.admin_site.admin_view(lambda request: import_view(model_admin, request))
    return [path("import/", view, name="articles_article_import")]
