"""What the admin refuses before it reaches the database: NUL characters, implausible dates.

- ``AdminInputGuard`` (a middleware, in settings.MIDDLEWARE): an admin URL whose path, query or
  form fields hold a NUL character answers 400. PostgreSQL cannot store or compare text with NUL
  in it, so such a value would otherwise end as a 500 wherever it reaches a query: the changelist
  search and filters, the autocomplete of every select, tag suggestions.
- ``PlausibleDatesFormMixin``: every date and time typed into an admin form is checked against
  the one plausible range (articles.models.implausible_date), with the field named in the error.
- ``SafeChangeListMixin``: the same range for dates in a changelist's URL (the date drill-down,
  ``published_at__year=9999``, and list filters such as ``page__issue__date__gte=0001-01-01``):
  out of range, or not a date at all, the list answers as Django does for any bad filter — it
  shows itself unfiltered, with a message — never a 500.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime

from articles.models import implausible_date, plausible_dates

NUL = "\x00"


class AdminInputGuard:
    """NUL anywhere in an admin request's path, query string or form fields → 400."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._prefix = None

    @property
    def prefix(self) -> str:
        if self._prefix is None:
            self._prefix = reverse("admin:index")
        return self._prefix

    def __call__(self, request):
        if request.path.startswith(self.prefix) and has_nul(request):
            return HttpResponseBadRequest(
                "请求中含有 NUL 控制字符，无法处理。".encode(), content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)


def has_nul(request) -> bool:
    if NUL in request.path:
        return True
    sources = [request.GET]
    if request.method == "POST":
        sources.append(request.POST)
    return any(
        NUL in key or any(NUL in value for value in values) for source in sources for key, values in source.lists()
    )


class PlausibleDatesFormMixin:
    """Checks every date and datetime field of the form against the plausible range."""

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            value = cleaned.get(name)
            if isinstance(field, forms.DateField | forms.DateTimeField) and value is not None:
                problem = implausible_date(value, str(field.label or name))
                if problem:
                    self.add_error(name, f"{problem}。")
        return cleaned


# Lookups whose value is a date or a datetime, and date parts whose value is a number.
DATE_LOOKUPS = {"exact", "gt", "gte", "lt", "lte"}
NUMBER_PARTS = {"month", "day", "week", "week_day", "iso_week_day", "quarter", "hour", "minute", "second"}
YEAR_PARTS = {"year", "iso_year"}


def date_param_problem(model, key: str, value: str) -> str | None:
    """Why the changelist filter ``key=value`` on a date of ``model`` cannot be used, or None."""
    parts = key.split(LOOKUP_SEP)
    for cut in range(len(parts), 0, -1):
        try:
            fields = get_fields_from_path(model, LOOKUP_SEP.join(parts[:cut]))
        except (FieldDoesNotExist, NotRelationField):  # the rest of the key is a lookup
            continue
        field, lookups = fields[-1], parts[cut:]
        break
    else:
        return None
    if not isinstance(field, models.DateField):  # DateTimeField is a DateField
        return None
    label = str(field.verbose_name)
    lookup = lookups[-1] if lookups else "exact"
    if lookup in YEAR_PARTS:
        try:
            year = int(value)
        except ValueError:
            return f"“{label}”的年份不是数字"
        earliest, latest = plausible_dates()
        if not earliest.year <= year <= latest.year:
            return f"“{label}”的年份 {year} 不在合理范围内：应在 {earliest.year} 至 {latest.year} 年之间"
        return None
    if lookup in NUMBER_PARTS:
        try:
            int(value)
        except ValueError:
            return f"“{label}”的日期参数不是数字"
        return None
    if lookup not in DATE_LOOKUPS and lookup != "date":
        return None
    try:
        parsed = parse_datetime(value) or parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        return f"“{label}”的日期格式不对"
    if isinstance(field, models.DateTimeField) and lookup != "date" and not isinstance(parsed, datetime.datetime):
        parsed = datetime.datetime.combine(parsed, datetime.time())
    return implausible_date(parsed, f"“{label}”")


class SafeChangeListMixin:
    """Dates in a changelist's URL are checked before the list queries them (see the module)."""

    def get_changelist_instance(self, request):
        for key, values in request.GET.lists():
            for value in values:
                problem = date_param_problem(self.model, key, value)
                if problem:
                    messages.error(request, f"筛选条件无效：{problem}。已显示全部记录。")
                    raise IncorrectLookupParameters(problem)
        return super().get_changelist_instance(request)
