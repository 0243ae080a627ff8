"""The e-paper in the newsroom's admin: page files, the region editor, drafts from a region's text.

- The page's change form takes a PDF (one page) or an image (``upload``), checked before anything
  is saved (articles.epaper.pages), and shows the page image with a link to the region editor.
- ``上传整期 PDF`` on the page list: a whole issue's PDF fills the issue's pages (see
  articles.epaper.pages.attach_issue for how pages are numbered).
- The region editor (``<page>/regions/``): the page image with its regions; draw one by dragging,
  move it or its corners with the mouse or the keyboard, pick its article (the admin's own
  autocomplete endpoint, so only articles the user may open are offered), delete it; save all at
  once. Beside each region: the text read from the page's PDF, and a button that turns it into a
  draft article. Plain JavaScript from static/epaper/, nothing inline (the site's CSP).

Rights, checked here on the server whatever the page shows: viewing the editor needs the view
right on pages; saving regions the change right; a draft from a region the change right and the
right to add articles (or to import them, as archivists do: an import makes drafts too). A region may only name an article the user may read (articles_for), or
keep one it already named.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from articles.admin.guards import PlausibleDatesFormMixin
from articles.admin.model_admins import PageAdmin
from articles.epaper.drafts import chars_of_page, draft_from_region, read_chars
from articles.epaper.pages import ACCEPT_ATTRIBUTE, attach_issue, prepare_upload, store
from articles.epaper.pdf import chars_in
from articles.epaper.regions import clean_polygon, parse_entries, replace_regions
from articles.epaper.renditions import rendition_records
from articles.models import Article, Issue, Page, PageRegion
from articles.selectors import articles_for

EDITOR_IMAGE_WIDTH = 1600  # wide enough to place a region within a column, light enough to load


class PageFilesForm(forms.ModelForm):
    upload = forms.FileField(
        label="上传版面",
        required=False,
        help_text="一页的 PDF（从排版系统导出，带文字层），或 JPEG、PNG、WebP 图片；替换现有的版面图。"
        "整期 PDF 请在版面列表的“上传整期 PDF”中上传。",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )

    class Meta:
        model = Page
        fields = ["issue", "number", "name"]

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        self.prepared = None
        if upload:
            [self.prepared] = prepare_upload(upload, single=True)
        return upload


class IssueUploadForm(PlausibleDatesFormMixin, forms.Form):
    issue_date = forms.DateField(
        label="出版日期",
        help_text="这一期不存在时自动创建。",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    pdf = forms.FileField(
        label="整期 PDF",
        help_text="第 n 页放到第 A0n 版；PDF 带页码标签（如 A01、B01）时按标签。已有的版面保留版名和稿件，只换版面图。",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )


def editor_image(page: Page) -> dict | None:
    """The image the editor shows: a rendition about EDITOR_IMAGE_WIDTH wide, else the master."""
    if not page.image:
        return None
    jpegs = [r for r in rendition_records(page) if r["format"] == "jpeg"]
    fitting = [r for r in jpegs if r["width"] <= EDITOR_IMAGE_WIDTH]
    if fitting:
        best = max(fitting, key=lambda r: r["width"])
        return {"url": page.image.storage.url(best["name"]), "width": best["width"], "height": best["height"]}
    return {"url": page.image.url, "width": page.image_width or 1, "height": page.image_height or 1}


class EpaperPageAdmin(PageAdmin):
    form = PageFilesForm
    change_form_template = "admin/articles/page/epaper_change_form.html"
    change_list_template = "admin/articles/page/epaper_change_list.html"

    def get_fields(self, request, obj=None):
        return ["issue", "number", "name", "upload", "page_files"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "page_files"]

    @admin.display(description="版面图")
    def page_files(self, obj):
        if obj is None or not obj.pk or not obj.image:
            return "尚未上传版面图。"
        image = editor_image(obj)
        pdf = format_html('　<a href="{}">下载 PDF</a>', obj.pdf.url) if obj.pdf else ""
        return format_html(
            '<a href="{}"><img class="epaper-thumb" src="{}" alt="第{}版版面图" width="200" height="{}"></a>'
            '<br><a href="{}">编辑版面区域（{} 个）</a>{}',
            reverse("admin:articles_page_regions", args=[obj.pk]),
            image["url"],
            obj.number,
            round(200 * image["height"] / image["width"]),
            reverse("admin:articles_page_regions", args=[obj.pk]),
            obj.regions.count(),
            pdf,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        prepared = getattr(form, "prepared", None)
        if prepared is not None:
            store([obj], [prepared])

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("upload-issue/", wrap(self.upload_issue_view), name="articles_page_upload_issue"),
            path("<int:object_id>/regions/", wrap(self.regions_view), name="articles_page_regions"),
            path("<int:object_id>/regions/text/", wrap(self.region_text_view), name="articles_page_region_text"),
            path("<int:object_id>/regions/draft/", wrap(self.region_draft_view), name="articles_page_region_draft"),
            *super().get_urls(),
        ]

    # --- whole issue ----------------------------------------------------------------------

    def upload_issue_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = IssueUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            day = form.cleaned_data["issue_date"]
            try:
                issue = Issue.objects.filter(date=day).first() or Issue(date=day)
                pages = attach_issue(issue, form.cleaned_data["pdf"])
            except ValidationError as error:
                form.add_error("pdf", error)
            else:
                numbers = "、".join(p.number for p in pages)
                messages.success(request, f"已上传 {day} 的 {len(pages)} 个版面：{numbers}。")
                changelist = reverse("admin:articles_page_changelist")
                return HttpResponseRedirect(f"{changelist}?issue__date={day.isoformat()}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "上传整期 PDF",
            "form": form,
        }
        return TemplateResponse(request, "admin/articles/page/upload_issue.html", context)

    # --- regions --------------------------------------------------------------------------

    def _page(self, request, object_id, *, change: bool) -> Page:
        page = get_object_or_404(Page.objects.select_related("issue"), pk=object_id)
        allowed = self.has_change_permission(request, page) if change else self.has_view_permission(request, page)
        if not allowed:
            raise PermissionDenied
        return page

    def regions_view(self, request, object_id):
        page = self._page(request, object_id, change=request.method == "POST")
        error = None
        if request.method == "POST":
            try:
                submitted = json.loads(request.POST.get("regions") or "null")
                regions = self._checked_regions(request, page, submitted)
            except (ValueError, RecursionError):
                error, submitted = "区域数据无法读取，请重新加载页面后再试。", None
            except ValidationError as problem:
                error = problem.messages[0]
            else:
                replace_regions(page.pk, regions)
                messages.success(request, f"第{page.number}版的区域已保存（{len(regions)} 个）。")
                return HttpResponseRedirect(reverse("admin:articles_page_regions", args=[page.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": page,
            "title": f"版面区域：{page}",
            "image": editor_image(page),
            "regions": self._region_data(request, page),
            "error": error,
            "can_change": self.has_change_permission(request, page),
            "can_draft": self._may_draft(request, page),
            "has_pdf": bool(page.pdf),
        }
        if error and isinstance(submitted, list):
            context["regions"] = self._resubmitted(request, submitted)
        return TemplateResponse(request, "admin/articles/page/regions.html", context, status=400 if error else 200)

    def _checked_regions(self, request, page: Page, submitted) -> list[tuple[int, list]]:
        if submitted == []:
            return []
        kept = PageRegion.objects.filter(page=page).values("article_id")
        may_name = Article.objects.filter(pk__in=articles_for(request.user).values("pk")) | Article.objects.filter(
            pk__in=kept
        )
        for number, item in enumerate(submitted if isinstance(submitted, list) else [], start=1):
            if isinstance(item, dict) and item.get("article") in (None, ""):
                raise ValidationError(f"第 {number} 个区域还没有选稿件。")
        entries = parse_entries(submitted, may_name)
        if any(e.page_number and e.page_number != page.number for e in entries):
            raise ValidationError("这里只能编辑本版的区域。")
        return [(e.article.pk, e.polygon) for e in entries]

    def _region_data(self, request, page: Page) -> list[dict]:
        regions = list(page.regions.select_related("article"))
        readable = set(
            articles_for(request.user).filter(pk__in=[r.article_id for r in regions]).values_list("pk", flat=True)
        )
        chars = chars_of_page(page) if regions else None
        return [
            {
                "article": {
                    "id": region.article_id,
                    "title": region.article.title
                    if region.article_id in readable
                    else f"（无权查看的稿件 {region.article_id}）",
                },
                "polygon": region.polygon,
                "text": read_chars(chars_in(chars, region.polygon)).as_dict() if chars is not None else None,
            }
            for region in regions
        ]

    def _resubmitted(self, request, submitted: list) -> list[dict]:
        """What the user sent back after an error, so no drawing is lost (bad entries dropped)."""
        titles = dict(
            articles_for(request.user)
            .filter(
                pk__in=[
                    i.get("article") for i in submitted if isinstance(i, dict) and isinstance(i.get("article"), int)
                ]
            )
            .values_list("pk", "title")
        )
        out = []
        for item in submitted[:500]:
            if not isinstance(item, dict):
                continue
            try:
                polygon = clean_polygon(item.get("polygon"))
            except ValidationError:
                continue
            article = item.get("article")
            out.append(
                {
                    "article": {"id": article, "title": titles[article]} if article in titles else None,
                    "polygon": polygon,
                    "text": None,
                }
            )
        return out

    def _may_draft(self, request, page: Page) -> bool:
        # Adding articles, or importing them (archivists: an import makes drafts too).
        user = request.user
        may_add = user.has_perm("articles.add_article") or user.has_perm("articles.import_article")
        return may_add and self.has_change_permission(request, page)

    def _polygon(self, request) -> list:
        try:
            return clean_polygon(json.loads(request.POST.get("polygon") or "null"))
        except (ValueError, RecursionError):
            raise ValidationError("区域数据无法读取。") from None

    def region_text_view(self, request, object_id):
        page = self._page(request, object_id, change=False)
        if request.method != "POST":
            return JsonResponse({"error": "只接受 POST。"}, status=405)
        try:
            polygon = self._polygon(request)
        except ValidationError as error:
            return JsonResponse({"error": error.messages[0]}, status=400)
        chars = chars_of_page(page)
        if chars is None:
            return JsonResponse({"text": None, "reason": "这个版面没有 PDF，读不出文字。"})
        return JsonResponse({"text": read_chars(chars_in(chars, polygon)).as_dict()})

    def region_draft_view(self, request, object_id):
        page = self._page(request, object_id, change=True)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:articles_page_regions", args=[page.pk]))
        if not self._may_draft(request, page):
            raise PermissionDenied
        try:
            article, created = draft_from_region(page, self._polygon(request), request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return HttpResponseRedirect(reverse("admin:articles_page_regions", args=[page.pk]))
        if created:
            messages.success(request, f"已用区域中的文字生成草稿《{article.title}》，请核对后编辑。")
        else:
            messages.info(request, f"这段文字此前已生成过稿件《{article.title}》，已打开它。")
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))


def install() -> None:
    """The page admin with its e-paper half, in place of the plain one."""
    admin.site.unregister(Page)
    admin.site.register(Page, EpaperPageAdmin)
