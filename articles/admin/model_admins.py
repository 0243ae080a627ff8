import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html

from articles.admin.columns import CountedColumnsMixin, counted
from articles.admin.date_drilldown import DrillDownChangeList
from articles.admin.guards import PlausibleDatesFormMixin, SafeChangeListMixin
from articles.admin.importing import import_urls
from articles.admin.limits import LimitedInlineMixin, SectionFormSet
from articles.admin.tags import (
    TagAutocompleteWidget,
    TagNamesField,
    tag_suggestions,
)
from articles.admin.workflow import WorkflowArticleAdminMixin
from articles.hooks import admin_search
from articles.listing import IdsFirstPages
from articles.models import Article, Commentator, Contributor, Credit, Issue, Page, Photo, Section
from articles.photos.forms import PhotoForm, PhotoInlineFormSet, PhotoLibraryForm
from articles.photos.renditions import rendition_records
from articles.selectors import articles_for, can_see_all_articles
from articles.workflow import policy, services


def only_readable(queryset, request, prefix: str = "article"):
    """Rows of ``queryset`` that belong to articles the user may read (articles_for): the titles and
    headings of other people's drafts are never shown, in any list or inline."""
    if can_see_all_articles(request.user):
        return queryset
    return queryset.filter(**{f"{prefix}__in": articles_for(request.user).values("pk")})


class SectionInline(LimitedInlineMixin, admin.StackedInline):
    model = Section
    formset = SectionFormSet
    limit_setting = "ARTICLE_MAX_SECTIONS"
    limit_message = "稿件太长：一篇最多 %(num)d 节；请拆成几篇。"
    extra = 0
    fields = ["position", "heading", ("commentator", "commentator_title"), "body"]
    autocomplete_fields = ["commentator"]


class CreditInline(LimitedInlineMixin, admin.TabularInline):
    model = Credit
    limit_setting = "ARTICLE_MAX_CREDITS"
    limit_message = "一篇稿件最多 %(num)d 个署名。"
    extra = 0
    fields = ["position", "role", "qualifier", "contributor"]
    autocomplete_fields = ["contributor"]


def two_lines(moment):
    """A time in a list column: the date, then the time (Beijing time), or "—"."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    return format_html('<span class="list-date">{}</span><br>{}', f"{local:%Y-%m-%d}", f"{local:%H:%M}")


def photo_thumbnail(photo):
    """A small preview from the smallest rendition (or the master until renditions exist)."""
    if not photo or not photo.image:
        return "—"
    items = [i for i in rendition_records(photo) if i["format"] == "jpeg"]
    url = photo.image.storage.url(min(items, key=lambda i: i["width"])["name"]) if items else photo.image.url
    return format_html('<img src="{}" alt="" width="160">', url)


class PhotoInline(LimitedInlineMixin, admin.StackedInline):
    """The lead photo (题图) and the gallery, in order, each with caption, alt text and photographer."""

    model = Photo
    form = PhotoForm
    formset = PhotoInlineFormSet
    limit_setting = "ARTICLE_MAX_PHOTOS"
    limit_message = "一篇稿件最多 %(num)d 张图片。"
    extra = 0
    fields = [
        ("image", "preview"),
        ("is_lead", "position"),
        "caption",
        "alt_text",
        ("photographer", "credit_role"),
    ]
    readonly_fields = ["preview"]
    autocomplete_fields = ["photographer"]
    ordering = ["-is_lead", "position", "pk"]

    @admin.display(description="预览")
    def preview(self, obj):
        return photo_thumbnail(obj)


# The article list's count of search results stops here (the list then offers the first pages).
SEARCH_COUNT_LIMIT = 1000
# Saves this recent are searched by title as typed too: their index entries are written on commit,
# so a few seconds would do; minutes leave room, and keep a bulk import of the day out of the scan.
RECENT_EDITS = datetime.timedelta(minutes=10)


class BoundedCountPaginator(Paginator):
    @cached_property
    def count(self):
        return self.object_list.order_by()[:SEARCH_COUNT_LIMIT].count()


class ArticleListPaginator(IdsFirstPages, Paginator):
    # From the second page on: page 50 of a million articles joined the page and issue of the
    # 4,900 articles before it only to skip them (27 ms of its query, now the ids from the date index).
    by_ids_from = 1


@admin.register(Article)
class ArticleAdmin(SafeChangeListMixin, WorkflowArticleAdminMixin, admin.ModelAdmin):
    # The mixin (articles/admin/workflow.py) adds roles, transitions, revisions and locking.
    # Readable at 1280 px beside the sidebars (tests/browser/test_admin_changelist.py): dates and
    # the page on two short lines each, so the title keeps the width (static/css/admin-changelist.css).
    list_display = ["title", "status", "published_column", "page_column", "updated_column"]
    list_filter = [
        "status",
        "clusters",
        ("page__issue__date", admin.DateFieldListFilter),
    ]
    # Searched through the archive index when the search app registered it (get_search_results).
    search_fields = ["title", "kicker", "subtitle"]
    list_select_related = ["page__issue"]
    date_hierarchy = "published_at"
    # No second count of the whole archive under a filtered list (a link shows the total instead).
    show_full_result_count = False
    autocomplete_fields = ["page", "clusters"]
    inlines = [SectionInline, CreditInline, PhotoInline]
    fieldsets = [
        (None, {"fields": ["kicker", "title", "subtitle", "lead"]}),
        ("刊发", {"fields": ["status", "published_at", "page", "position"]}),
        ("归类", {"fields": ["clusters", "tags"]}),
    ]

    def get_changelist(self, request, **kwargs):
        # The date drill-down tests each year (month, day) through the date index instead of
        # reading the whole archive for its distinct years (articles/admin/date_drilldown.py).
        return DrillDownChangeList

    def get_search_results(self, request, queryset, search_term):
        # The archive index's matches in the whole text when the search app registered its
        # search (articles.hooks), plus title, kicker and subtitle as typed among the articles
        # saved in the last minutes (RECENT_EDITS): one saved a moment ago, before its index
        # entry is written on commit, is found, without reading every title in the archive.
        listed = queryset  # with the list's filters
        term = search_term.strip()
        found = admin_search(listed, term) if term else None
        if found is None:
            return super().get_search_results(request, listed, search_term)
        newest_only = getattr(found, "newest_only", 0)
        recent = listed.filter(updated_at__gte=timezone.now() - RECENT_EDITS)
        queryset, may_have_duplicates = super().get_search_results(request, recent, search_term)
        in_text, _ = super().get_search_results(request, found, "")  # the mixins' restrictions
        request.article_search_term = term
        if newest_only:
            messages.info(
                request,
                f"“{term[:40]}”匹配的稿件很多：列表只在其中最新的 {newest_only:,} 篇里按筛选条件列出。"
                "要找更早的稿件，请换用更具体的检索词，或在前台检索页按日期筛选。",
            )
        return queryset | in_text, may_have_duplicates

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # A search's count stops at SEARCH_COUNT_LIMIT, as the public search's does.
        if getattr(request, "article_search_term", None):
            return BoundedCountPaginator(queryset, per_page, orphans, allow_empty_first_page)
        return ArticleListPaginator(queryset, per_page, orphans, allow_empty_first_page)

    @admin.display(description="发布时间", ordering="published_at")
    def published_column(self, obj):
        return two_lines(obj.published_at)

    @admin.display(description="修改时间", ordering="updated_at")
    def updated_column(self, obj):
        return two_lines(obj.updated_at)

    @admin.display(description="版面", ordering="page__issue__date")
    def page_column(self, obj):
        if obj.page_id is None:
            return "网络稿"
        page = obj.page
        return format_html("{}<br>{} {}", page.issue.date.isoformat(), page.number, page.name)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "tags":
            return TagNamesField(
                label=db_field.verbose_name,
                required=False,
                help_text="输入时提示已有标签；输入新词回车即新建",
                widget=TagAutocompleteWidget(db_field, self.admin_site),
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_urls(self):
        suggest = self.admin_site.admin_view(self.tag_suggest_view)
        return [
            path("tags/suggest/", suggest, name="articles_article_tag_suggest"),
            *import_urls(self),
            *super().get_urls(),
        ]

    def tag_suggest_view(self, request):
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        return tag_suggestions(request)

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


def holds_frozen_articles(**lookup) -> bool:
    """Whether scheduled, published or withdrawn articles sit on the page(s) given by ``lookup``."""
    return Article.objects.filter(**lookup).exclude(status__in=policy.OPEN_STATUSES).exists()


class RefilingFormSetMixin:
    """A formset over pages (of an issue) that refuses changes to pages holding published
    articles unless the user may refile them (policy.can_refile_frozen)."""

    user = None

    def clean(self):
        super().clean()
        for form in self.initial_forms:
            if (
                form.has_changed()
                and not policy.can_refile_frozen(self.user)
                and holds_frozen_articles(page=form.instance)
            ):
                raise ValidationError(
                    f"第{form.instance.number}版上有已发布、待发布或已撤稿的稿件；它的版次、版名只能由有"
                    "“可修改任意稿件的版面、标签和产业集群”权限的人（如总编辑、档案员）修改。"
                )


class PageInline(admin.TabularInline):
    model = Page
    extra = 0
    fields = ["number", "name"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type("PageFormSet", (RefilingFormSetMixin, formset), {"user": request.user})


class IssueForm(PlausibleDatesFormMixin, forms.ModelForm):
    class Meta:
        model = Issue
        fields = ["date", "number"]


@admin.register(Issue)
class IssueAdmin(CountedColumnsMixin, SafeChangeListMixin, admin.ModelAdmin):
    form = IssueForm
    ordering = ["-date"]  # explicit: annotated (GROUP BY) querysets drop Meta.ordering
    list_display = ["date", "number", "page_count"]
    search_fields = ["date", "number"]
    date_hierarchy = "date"
    inlines = [PageInline]

    page_count = counted("pages", "版数")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # Its date and number are where published articles are filed.
        if obj is not None and not policy.can_refile_frozen(request.user) and holds_frozen_articles(page__issue=obj):
            readonly += ["date", "number"]
        return readonly

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            return
        if form.changed_data:
            services.articles_refiled(Article.objects.filter(page__issue=form.instance))
            return
        changed = [f.instance.pk for fs in formsets for f in fs.initial_forms if f.has_changed()]
        if changed:
            services.articles_refiled(Article.objects.filter(page__in=changed))


class ArticleOrderFormSet(BaseInlineFormSet):
    """The order of the articles on a page: each row is changed only by someone who may change
    that article's filing (policy.can_edit_metadata: for a published article, edit_metadata)."""

    user = None

    def clean(self):
        super().clean()
        refused = [
            form.instance.title
            for form in self.initial_forms
            if form.has_changed() and not policy.can_edit_metadata(self.user, form.instance)
        ]
        if refused:
            raise ValidationError(f"您不能调整《{refused[0]}》的版内顺序：它的归档信息只能由有权修改的人调整。")

    def save(self, commit=True):
        # Only the position, and a new version: never the whole row as loaded (a concurrent
        # edit of the text would be overwritten).
        self.new_objects, self.deleted_objects, self.changed_objects = [], [], []
        for form in self.initial_forms:
            if form.has_changed():
                article = form.instance
                Article.objects.filter(pk=article.pk).update(position=form.cleaned_data["position"])
                services.articles_refiled(Article.objects.filter(pk=article.pk))
                self.changed_objects.append((article, form.changed_data))
        return []


class ArticleOnPageInline(admin.TabularInline):
    model = Article
    fk_name = "page"
    formset = ArticleOrderFormSet
    extra = 0
    fields = ["title", "status", "published_at", "position"]
    readonly_fields = ["title", "status", "published_at"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return only_readable(super().get_queryset(request), request, "pk")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type("ArticleOrderFormSet", (formset,), {"user": request.user})


@admin.register(Page)
class PageAdmin(CountedColumnsMixin, SafeChangeListMixin, admin.ModelAdmin):
    ordering = ["-issue__date", "number"]  # explicit: annotated (GROUP BY) querysets drop Meta.ordering
    list_display = ["__str__", "issue", "number", "name", "article_count"]
    list_select_related = ["issue"]
    list_filter = [("issue__date", admin.DateFieldListFilter)]
    search_fields = ["number", "name", "issue__date"]
    autocomplete_fields = ["issue"]
    inlines = [ArticleOnPageInline]

    article_count = counted("articles", "稿件数")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # Its issue, number and name are where published articles are filed.
        if obj is not None and not policy.can_refile_frozen(request.user) and holds_frozen_articles(page=obj):
            readonly += ["issue", "number", "name"]
        return readonly

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            services.articles_refiled(Article.objects.filter(page=obj))


class _PersonsWorkInline(admin.TabularInline):
    """What a person wrote or is credited with, read only, and only in articles the user may read."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return only_readable(super().get_queryset(request).select_related("article"), request)


class SectionByCommentatorInline(_PersonsWorkInline):
    model = Section
    fk_name = "commentator"
    fields = readonly_fields = ["article", "heading", "commentator_title"]


class CreditByContributorInline(_PersonsWorkInline):
    model = Credit
    fk_name = "contributor"
    fields = readonly_fields = ["article", "role", "qualifier"]


@admin.register(Commentator)
class CommentatorAdmin(CountedColumnsMixin, SafeChangeListMixin, admin.ModelAdmin):
    ordering = ["name"]  # explicit: annotated (GROUP BY) querysets drop Meta.ordering
    list_display = ["name", "title", "affiliation", "section_count"]
    search_fields = ["name", "title", "affiliation"]
    list_filter = ["title"]
    autocomplete_fields = ["photo"]
    inlines = [SectionByCommentatorInline]
    section_count = counted("sections", "发言次数")


@admin.register(Contributor)
class ContributorAdmin(CountedColumnsMixin, SafeChangeListMixin, admin.ModelAdmin):
    ordering = ["name"]  # explicit: annotated (GROUP BY) querysets drop Meta.ordering
    list_display = ["name", "credit_count"]
    search_fields = ["name"]
    inlines = [CreditByContributorInline]
    credit_count = counted("credits", "署名次数")


@admin.register(Photo)
class PhotoAdmin(SafeChangeListMixin, admin.ModelAdmin):
    """The photo library: photos used nowhere or on a commentator or cluster, and every article's
    photos — each changed only by whoever may change what it is shown with (policy.can_change_photo),
    with a new version of its article for each change and lost-update protection of its own."""

    form = PhotoLibraryForm  # the same checks and clean-up as uploads in an article
    fields = [
        "article",
        ("image", "preview"),
        ("is_lead", "position"),
        "caption",
        "alt_text",
        ("photographer", "credit_role"),
        "expected_version",
    ]
    readonly_fields = ["preview"]
    list_display = [
        "__str__",
        "article",
        "photographer",
        "width",
        "height",
        "created_at",
    ]
    list_select_related = ["article", "photographer"]
    search_fields = ["caption", "alt_text", "photographer__name"]
    autocomplete_fields = ["article", "photographer"]

    @admin.display(description="预览")
    def preview(self, obj):
        return photo_thumbnail(obj)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            fields = [f for f in fields if f != "expected_version"]  # nothing to save: no version to carry
        return fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if can_see_all_articles(request.user):
            return queryset
        readable = articles_for(request.user).values("pk")
        return queryset.filter(Q(article__isnull=True) | Q(article__in=readable))

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or policy.can_change_photo(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or policy.can_delete_photo(request.user, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "article":
            # Only articles whose text this person may edit now: a photo is part of the text.
            kwargs["queryset"] = policy.text_editable_articles(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and not form.has_changed():
            return
        verb = "修改" if change else "添加"
        self._articles_changed(request, {form.article_before, obj.article_id}, f"{verb}图片“{obj}”")

    def delete_model(self, request, obj):
        article_id, label = obj.article_id, str(obj)
        super().delete_model(request, obj)
        self._articles_changed(request, {article_id}, f"删除图片“{label}”")

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            article_ids = set(queryset.values_list("article_id", flat=True))
            super().delete_queryset(request, queryset)
            self._articles_changed(request, article_ids, "删除图片")

    def _articles_changed(self, request, article_ids, comment: str) -> None:
        for article_id in sorted(i for i in article_ids if i is not None):
            event = services.article_parts_changed(article_id=article_id, user=request.user, comment=comment)
            if event is not None:
                messages.warning(request, event.note)
