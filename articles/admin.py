from django.contrib import admin
from django.db.models import Count

from articles.models import Article, Commentator, Contributor, Credit, Issue, Page, Photo, Section


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


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "published_at", "page", "updated_at"]
    list_filter = ["status", "clusters", ("page__issue__date", admin.DateFieldListFilter)]
    search_fields = ["title", "kicker", "subtitle"]
    list_select_related = ["page__issue"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["page", "clusters"]
    inlines = [SectionInline, CreditInline]
    fieldsets = [
        (None, {"fields": ["kicker", "title", "subtitle", "lead"]}),
        ("刊发", {"fields": ["status", "published_at", "page", "position"]}),
        ("归类", {"fields": ["clusters", "tags"]}),
    ]

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
    list_display = ["__str__", "article", "photographer", "width", "height", "created_at"]
    list_select_related = ["article", "photographer"]
    search_fields = ["caption", "alt_text", "photographer__name"]
    autocomplete_fields = ["article", "photographer"]
