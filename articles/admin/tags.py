"""Tags in the article admin: existing tags are suggested as you type, a new name becomes a new tag.

django-taggit's TaggableManager is not a ManyToManyField, so the admin's own autocomplete_fields
cannot take it. This reuses the admin's select2 widget over tag *names* (a name is what an editor
types and what taggit stores) with its own suggestion endpoint.
"""

import json

from django import forms
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.db.models import Count
from django.http import JsonResponse
from django.urls import reverse
from taggit.models import Tag

TAG_MAX_LENGTH = Tag._meta.get_field("name").max_length
SUGGESTIONS = 20


class TagAutocompleteWidget(AutocompleteSelectMultiple):
    def __init__(self, field, admin_site, attrs=None):
        super().__init__(field, admin_site, attrs)

    def get_url(self):
        return reverse(f"{self.admin_site.name}:articles_article_tag_suggest")

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs["data-tags"] = "true"  # select2: a name that is not suggested may still be entered
        attrs["data-token-separators"] = json.dumps([",", "，", "、"])
        return attrs

    def format_value(self, value):
        # The initial value is a list of Tag objects, a bound value a list of names.
        return [getattr(v, "name", v) for v in (value or []) if v]

    def optgroups(self, name, value, attr=None):
        options = [self.create_option(name, tag, tag, True, index) for index, tag in enumerate(value)]
        return [(None, options, 0)]


class TagNamesField(forms.Field):
    """A list of tag names, cleaned: stripped, without duplicates, within taggit's length."""

    def to_python(self, value):
        names = []
        for raw in value or []:
            name = str(raw).strip()
            if name and name.casefold() not in {n.casefold() for n in names}:
                names.append(name)
        return names

    def validate(self, value):
        super().validate(value)
        if any("\x00" in n for n in value):
            raise forms.ValidationError("标签不能含有 NUL 控制字符。")
        too_long = [n for n in value if len(n) > TAG_MAX_LENGTH]
        if too_long:
            raise forms.ValidationError(f"标签“{too_long[0][:20]}…”过长，不能超过{TAG_MAX_LENGTH}个字。")


def tag_suggestions(request):
    """Most-used tags containing the typed text, in select2's JSON format.

    A term with a NUL character (which no tag holds, and PostgreSQL cannot compare) finds nothing.
    """
    term = request.GET.get("term", "").strip()[:TAG_MAX_LENGTH]
    if "\x00" in term:
        return JsonResponse({"results": [], "pagination": {"more": False}})
    tags = Tag.objects.all()
    if term:
        tags = tags.filter(name__icontains=term)
    tags = tags.annotate(uses=Count("taggit_taggeditem_items")).order_by("-uses", "name")[:SUGGESTIONS]
    return JsonResponse({"results": [{"id": t.name, "text": t.name} for t in tags], "pagination": {"more": False}})
