"""The article list's date drill-down (``date_hierarchy``) without reading the whole archive.

Django's drill-down asks the list's queryset for its distinct years (then months, then days):
``SELECT DISTINCT`` over a date truncated in the local time zone, which no index answers — at a
million articles every row is read and sorted for the row of year links above the list. Here the
list's first and last dates come from the date index (two lookups), and every year (month, day)
between them is tested with an ``EXISTS`` the same index answers, all in one query: a year holding
none of the list's articles is left out, as Django leaves it out. The links, their titles and the
filter they apply are Django's own (the admin's template tag is unchanged).
"""

from __future__ import annotations

import datetime
from functools import cache
from itertools import pairwise

from django.contrib.admin.views.main import ChangeList
from django.db.models import Exists, Max, Min
from django.utils import timezone

PERIODS = ("year", "month", "day")
# More periods than this between the first and the last date (days over years: Django asks for
# days only within one month, but a caller may ask otherwise) go to Django's DISTINCT instead.
MAX_PERIODS = 400
# A list of at most this many dated rows (a search's matches, a month) is read as it is: one
# short query, where testing each period against a long list of ids would cost more.
SMALL_LIST = 5000


def _period_starts(first: datetime.datetime, last: datetime.datetime, kind: str) -> list[datetime.datetime]:
    """The starts of each year/month/day from ``first`` to ``last`` (local time), and the one after."""
    tz = timezone.get_current_timezone()
    first, last = timezone.localtime(first, tz), timezone.localtime(last, tz)
    if kind == "year":
        days = [datetime.date(y, 1, 1) for y in range(first.year, last.year + 2)]
    elif kind == "month":
        months = range(first.year * 12 + first.month - 1, last.year * 12 + last.month + 1)
        days = [datetime.date(m // 12, m % 12 + 1, 1) for m in months]
    else:
        count = (last.date() - first.date()).days + 2
        days = [first.date() + datetime.timedelta(days=n) for n in range(count)]
    return [timezone.make_aware(datetime.datetime.combine(day, datetime.time()), tz) for day in days]


def _period_start(moment: datetime.datetime, kind: str, tz) -> datetime.datetime:
    local = timezone.localtime(moment, tz)
    day = datetime.date(local.year, 1 if kind == "year" else local.month, local.day if kind == "day" else 1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()), tz)


def short_list(queryset, field_name: str) -> list[datetime.datetime] | None:
    """The list's dates when it holds at most SMALL_LIST dated rows (read once per queryset), else None."""
    cached = getattr(queryset, "_drill_down_dates", False)
    if cached is False:
        dated = queryset.order_by().filter(**{f"{field_name}__isnull": False})
        some = list(dated.values_list(field_name, flat=True)[: SMALL_LIST + 1])
        cached = some if len(some) <= SMALL_LIST else None
        queryset._drill_down_dates = cached
    return cached


def periods_present(queryset, field_name: str, kind: str) -> list[datetime.datetime] | None:
    """What ``queryset.datetimes(field_name, kind)`` returns, in at most four queries whatever the
    size; None when the dates span more than MAX_PERIODS periods."""
    some = short_list(queryset, field_name)
    if some is not None:
        tz = timezone.get_current_timezone()
        return sorted({_period_start(moment, kind, tz) for moment in some})
    dated = queryset.order_by().filter(**{f"{field_name}__isnull": False})
    first = dated.order_by(field_name).values_list(field_name, flat=True).first()
    last = dated.order_by(f"-{field_name}").values_list(field_name, flat=True).first()
    if first is None or last is None:
        return []
    starts = _period_starts(first, last, kind)
    if len(starts) - 1 > MAX_PERIODS:
        return None
    checks = {
        f"p{n}": Exists(dated.filter(**{f"{field_name}__gte": start, f"{field_name}__lt": end}))
        for n, (start, end) in enumerate(pairwise(starts))
    }
    # One row of answers: the EXISTS tests do not depend on the row they are computed on.
    row = queryset.model._base_manager.order_by().annotate(**checks).values(*checks)[:1]
    found = next(iter(row), None) or {}
    return [starts[n] for n in range(len(checks)) if found.get(f"p{n}")]


class DrillDownQuerySetMixin:
    """Answers the drill-down's ``datetimes()`` for the hierarchy's field with periods_present()."""

    drill_down_field: str = ""

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        if field_name != self.drill_down_field or kind not in PERIODS or order != "ASC" or tzinfo:
            return super().datetimes(field_name, kind, order, tzinfo)
        present = periods_present(self, field_name, kind)
        return super().datetimes(field_name, kind, order, tzinfo) if present is None else present

    def aggregate(self, *args, **kwargs):
        # The drill-down first asks for the list's first and last dates: PostgreSQL finds each by
        # walking the date index from its end to the first row of the list, which for a search's
        # newest matches is most of the archive (0.8 s at a million). A short list is read instead.
        if not args and _is_date_range(kwargs, self.drill_down_field):
            some = short_list(self, self.drill_down_field)
            if some is not None:
                return {"first": min(some, default=None), "last": max(some, default=None)}
        return super().aggregate(*args, **kwargs)


def _is_date_range(aggregates: dict, field_name: str) -> bool:
    """Whether ``aggregates`` is the drill-down's first=Min(field), last=Max(field)."""
    first, last = aggregates.get("first"), aggregates.get("last")
    return (
        set(aggregates) == {"first", "last"}
        and isinstance(first, Min)
        and isinstance(last, Max)
        and all(getattr(a.source_expressions[0], "name", None) == field_name for a in (first, last))
    )


@cache
def _drill_down_class(base: type, field_name: str) -> type:
    return type(f"DrillDown{base.__name__}", (DrillDownQuerySetMixin, base), {"drill_down_field": field_name})


def with_cheap_drill_down(queryset, field_name: str):
    """The same queryset (filters, ordering, class) whose drill-down is periods_present(); the
    class carries over to every queryset made from it, as Django's filtering clones it."""
    queryset = queryset._chain()
    queryset.__class__ = _drill_down_class(type(queryset), field_name)
    return queryset


class DrillDownChangeList(ChangeList):
    """A change list whose queryset answers the date drill-down cheaply (see the module)."""

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        return with_cheap_drill_down(queryset, self.date_hierarchy) if self.date_hierarchy else queryset
