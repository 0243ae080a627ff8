"""List columns that count a relation of each row (版数, 稿件数, 发言次数, 署名次数, 项目数), sortable.

The counts come with the list's own query: CountedColumnsMixin annotates one for each column
made by counted(), so a page of a hundred rows is not a hundred more queries. Two counts on one
row count distinct rows, as their two joins multiply each other's rows.
"""

from django.contrib import admin
from django.db.models import Count


def counted(relation: str, description: str):
    """A list column: how many ``relation`` the row has, sortable by that number."""
    key = f"_counted_{relation}"

    @admin.display(description=description, ordering=key)
    def column(self, obj):
        return getattr(obj, key)

    column.counted_relation = relation
    return column


class CountedColumnsMixin:
    """For a ModelAdmin: its queryset carries the counts of its counted() columns."""

    def get_queryset(self, request):
        columns = (getattr(type(self), name, None) for name in self.list_display if isinstance(name, str))
        relations = [column.counted_relation for column in columns if hasattr(column, "counted_relation")]
        counts = {f"_counted_{relation}": Count(relation, distinct=len(relations) > 1) for relation in relations}
        return super().get_queryset(request).annotate(**counts)
