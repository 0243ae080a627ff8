"""The limits on one article (articles.models.ARTICLE_LIMITS) in the article form.

The inlines allow at most as many sections, credits and photos as an article may hold (formset
``max_num`` with ``validate_max``; a form that posts more — a hand-made one with 10,000
sections — gets a message, never a row). The sections' formset also checks the whole article:
paragraphs and characters in the lead and every section together. An article that is already
over a limit (imported before the limits) can still have its filing fixed: the check applies
when the text is edited.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from articles.models import Article, article_limit, article_size_problem
from articles.text import split_paragraphs

TEXT_FIELDS = ("kicker", "title", "subtitle", "lead")


class LimitedInlineMixin:
    """For an InlineModelAdmin: at most ``limit_setting`` rows (see ARTICLE_LIMITS), and what to
    say when there are more (``%(num)d`` is the limit)."""

    limit_setting = ""
    limit_message = "一篇稿件最多 %(num)d 项。"

    def get_max_num(self, request, obj=None, **kwargs):
        return article_limit(self.limit_setting)

    def get_formset(self, request, obj=None, **kwargs):
        # Read-only inlines (text that may not be edited now) are shown as they are, over the
        # limit or not: only an edit must come within it.
        editable = self.has_add_permission(request, obj) or self.has_change_permission(request, obj)
        kwargs.setdefault("validate_max", editable)
        formset = super().get_formset(request, obj, **kwargs)
        messages = {"too_many_forms": self.limit_message}
        return type(formset.__name__, (formset,), {"default_error_messages": messages})


class SectionFormSet(BaseInlineFormSet):
    """Sections, with the whole article's size checked against the limits."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]
        if not (any(form.has_changed() for form in self.forms) or self._text_changed()):
            return
        article = self.instance
        lead = split_paragraphs(article.lead)
        bodies = [split_paragraphs(form.cleaned_data.get("body") or "") for form in kept]
        characters = sum(len(getattr(article, name) or "") for name in ("kicker", "title", "subtitle"))
        characters += sum(len(p) for p in lead)
        characters += sum(len(form.cleaned_data.get("heading") or "") for form in kept)
        characters += sum(len(p) for body in bodies for p in body)
        problem = article_size_problem(
            sections=len(kept),
            paragraphs=len(lead) + sum(len(body) for body in bodies),
            credits=0,
            characters=characters,
        )
        if problem:
            raise ValidationError(f"{problem}。", code="too_large")

    def _text_changed(self) -> bool:
        article = self.instance
        if article.pk is None:
            return True
        saved = Article.objects.filter(pk=article.pk).values(*TEXT_FIELDS).first() or {}
        return any(saved.get(name) != getattr(article, name) for name in TEXT_FIELDS)
