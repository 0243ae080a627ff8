from django.contrib import admin

from articles.admin.columns import CountedColumnsMixin, counted
from articles.admin.guards import PlausibleDatesFormMixin, SafeChangeListMixin
from articles.selectors import articles_for
from clusters.models import Cluster, Milestone, Organization, Project


class GuardedAdmin(SafeChangeListMixin, admin.ModelAdmin):
    """Dates in the list's URL and in forms are checked against the paper's plausible range, and a
    milestone's source is chosen among the articles this person may see."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (PlausibleDatesFormMixin, form), {})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source_article":
            kwargs["queryset"] = articles_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class GuardedInline:
    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(formset.form.__name__, (PlausibleDatesFormMixin, formset.form), {})
        return formset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source_article":
            kwargs["queryset"] = articles_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ProjectInline(GuardedInline, admin.TabularInline):
    model = Project
    extra = 0
    fields = ["name", "location", "status", "started_on"]
    show_change_link = True


class MilestoneInline(GuardedInline, admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["date", "text", "project", "source_article"]
    autocomplete_fields = ["project", "source_article"]


@admin.register(Cluster)
class ClusterAdmin(CountedColumnsMixin, GuardedAdmin):
    list_display = ["name", "short_name", "slug", "position", "article_count", "project_count"]
    search_fields = ["name", "short_name", "aliases"]
    ordering = ["position"]
    autocomplete_fields = ["cover_photo"]
    inlines = [ProjectInline, MilestoneInline]

    article_count = counted("articles", "稿件数")
    project_count = counted("projects", "项目数")

    def get_readonly_fields(self, request, obj=None):
        # The slug is part of published URLs; it is fixed once the cluster exists.
        return ["slug"] if obj else []


@admin.register(Organization)
class OrganizationAdmin(CountedColumnsMixin, GuardedAdmin):
    ordering = ["name"]  # explicit: annotated (GROUP BY) querysets drop Meta.ordering
    list_display = ["name", "kind", "project_count"]
    search_fields = ["name", "kind"]
    list_filter = ["kind"]

    project_count = counted("projects", "项目数")


class ProjectMilestoneInline(GuardedInline, admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["date", "text", "source_article"]
    autocomplete_fields = ["source_article"]


@admin.register(Project)
class ProjectAdmin(GuardedAdmin):
    list_display = ["name", "cluster", "location", "status", "started_on"]
    list_select_related = ["cluster"]
    list_filter = ["cluster", "status"]
    search_fields = ["name", "location", "organizations__name"]
    autocomplete_fields = ["cluster", "organizations"]
    inlines = [ProjectMilestoneInline]


@admin.register(Milestone)
class MilestoneAdmin(GuardedAdmin):
    list_display = ["date", "text", "cluster", "project", "source_article"]
    list_select_related = ["cluster", "project", "source_article"]
    list_filter = ["cluster"]
    search_fields = ["text", "project__name"]
    date_hierarchy = "date"
    autocomplete_fields = ["cluster", "project", "source_article"]
