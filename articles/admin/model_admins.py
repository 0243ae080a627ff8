from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.urls import path
from django.utils.html import format_html

from articles.admin.importing import import_urls
from articles.admin.tags import (
    TagAutocompleteWidget,
    TagNamesField,
    tag_suggestions,
)
from articles.admin.workflow import WorkflowArticleAdminMixin
from articles.models import (
    Article,
    Commentator,
    Contributor,
    Credit,
    Issue,
    Page,
    Photo,
    Section,
)
from articles.photos.forms import PhotoForm, PhotoInlineFormSet
from articles.photos.renditions import rendition_records


class SectionInline(admin.StackedInline):
    model = Section
    extra = 0
    fields = ["position", "heading", ("commentator", "commentator_title"), "body"]
    autocomplete_fields = ["commentator"]


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 0
    fields = ["position", "role", "qualifier", "contributor"]
    autocomplete_fields = ["contributor"]


def photo_thumbnail(photo):
    """A small preview from the smallest rendition (or the master until renditions exist)."""
    if not photo or not photo.image:
        return "—"
    items = [i for i in rendition_records(photo) if i["format"] == "jpeg"]
    url = photo.image.storage.url(min(items, key=lambda i: i["width"])["name"]) if items else photo.image.url
    return format_html('<img src="{}" alt="" width="160">', url)


class PhotoInline(admin.StackedInline):
    """The lead photo (题图) and the gallery, in order, each with caption, alt text and photographer."""

    model = Photo
    form = PhotoForm
    formset = PhotoInlineFormSet
    extra = 0
    fields = [
        ("image", "preview"),
        ("is_lead", "position"),
        "caption",
        "alt_text",
        "photographer",
    ]
    readonly_fields = ["preview"]
    autocomplete_fields = ["photographer"]
    ordering = ["-is_lead", "position", "pk"]

    @admin.display(description="预览")
    def preview(self, obj):
        return photo_thumbnail(obj)


@admin.register(Article)
class ArticleAdmin(WorkflowArticleAdminMixin, admin.ModelAdmin):
    # The mixin (articles/admin/workflow.py) adds roles, transitions, revisions and locking.
    list_display = ["title", "status", "published_at", "page", "updated_at"]
    list_filter = [
        "status",
        "clusters",
        ("page__issue__date", admin.DateFieldListFilter),
    ]
    search_fields = ["title", "kicker", "subtitle"]
    list_select_related = ["page__issue"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["page", "clusters"]
    inlines = [SectionInline, CreditInline, PhotoInline]
    fieldsets = [
        (None, {"fields": ["kicker", "title", "subtitle", "lead"]}),
        ("刊发", {"fields": ["status", "published_at", "page", "position"]}),
        ("归类", {"fields": ["clusters", "tags"]}),
    ]

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


class PageInline(admin.TabularInline):
    model = Page
    extra = 0
    fields = ["number", "name"]


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    ordering = ["-date"]  # explicit: annotated (GROUP BY) querysets drop Meta.ordering
    list_display = ["date", "number", "page_count"]
    search_fields = ["date", "number"]
    date_hierarchy = "date"
    inlines = [PageInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_page_count=Count("pages"))

    @admin.display(description="版数", ordering="_page_count")
    def page_count(self, obj):
        return obj._page_count


class ArticleOnPageInline(admin.TabularInline):
    model = Article
    fk_name = "page"
    extra = 0
    fields = ["title", "status", "published_at", "position"]
    readonly_fields = ["title", "status", "published_at"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    ordering = ["-issue__date", "number"]  # explicit: annotated (GROUP BY) querysets drop Meta.ordering
    list_display = ["__str__", "issue", "number", "name", "article_count"]
    list_select_related = ["issue"]
    list_filter = [("issue__date", admin.DateFieldListFilter)]
    search_fields = ["number", "name", "issue__date"]
    autocomplete_fields = ["issue"]
    inlines = [ArticleOnPageInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_article_count=Count("articles"))

    @admin.display(description="稿件数", ordering="_article_count")
    def article_count(self, obj):
        return obj._article_count


class SectionByCommentatorInline(admin.TabularInline):
    model = Section
    fk_name = "commentator"
    extra = 0
    fields = ["article", "heading", "commentator_title"]
    readonly_fields = ["article", "heading", "commentator_title"]
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article")


@admin.register(Commentator)
class CommentatorAdmin(admin.ModelAdmin):
    ordering = ["name"]  # explicit: annotated (GROUP BY) querysets drop Meta.ordering
    list_display = ["name", "title", "affiliation", "section_count"]
    search_fields = ["name", "title", "affiliation"]
    list_filter = ["title"]
    autocomplete_fields = ["photo"]
    inlines = [SectionByCommentatorInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_section_count=Count("sections"))

    @admin.display(description="发言次数", ordering="_section_count")
    def section_count(self, obj):
        return obj._section_count


class CreditByContributorInline(admin.TabularInline):
    model = Credit
    fk_name = "contributor"
    extra = 0
    fields = ["article", "role", "qualifier"]
    readonly_fields = ["article", "role", "qualifier"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article")


@admin.register(Contributor)
class ContributorAdmin(admin.ModelAdmin):
    ordering = ["name"]  # explicit: annotated (GROUP BY) querysets drop Meta.ordering
    list_display = ["name", "credit_count"]
    search_fields = ["name"]
    inlines = [CreditByContributorInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_credit_count=Count("credits"))

    @admin.display(description="署名次数", ordering="_credit_count")
    def credit_count(self, obj):
        return obj._credit_count


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    form = PhotoForm  # the same checks and clean-up as uploads in an article
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
