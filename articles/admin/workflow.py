"""The workflow half of the article admin: who sees and edits what, transition buttons and
their confirmation pages, bulk publish/withdraw, the review trail, the staff preview, revisions
(list, paragraph-by-paragraph comparison, restore) and optimistic locking.

Every rule is checked again on the server in articles/workflow/ (policy and services); the admin only decides what
to show.
"""

from __future__ import annotations

import difflib

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from reversion.models import Version

from articles.admin.guards import PlausibleDatesFormMixin
from articles.models import (
    PAPER_TIMEZONE,
    Article,
    Commentator,
    Contributor,
    Credit,
    ReviewEvent,
    Section,
)
from articles.selectors import can_see_all_articles
from articles.text import split_paragraphs
from articles.workflow import policy, revisions, services, transitions

# Set by transitions only, never typed into the form.
WORKFLOW_FIELDS = (
    "status",
    "published_at",
    "workflow_state",
    "withdrawn_reason",
    "created_by",
    "version",
)
TEXT_FIELDS = ("kicker", "title", "subtitle", "lead")


class ArticleVersionForm(PlausibleDatesFormMixin, forms.ModelForm):
    """The article form, carrying the version it was opened at (optimistic locking).

    A save is refused when the article changed since the form was opened; the refused text stays
    in the form, and the form now carries the newer version, so saving again after merging works.
    A change of page is checked against the review levels (policy.check_refile) and remembered,
    so the levels it needs can be recounted once it is saved.
    """

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
        self.content_before = None
        self.required_levels_before = None

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        # Locked until the admin's transaction ends, so nobody saves between this check and ours.
        current = Article.objects.select_for_update().get(pk=self.instance.pk)
        if cleaned.get("expected_version") != current.version:
            data = self.data.copy()
            data[self.add_prefix("expected_version")] = str(current.version)
            self.data = data
            raise ValidationError(services.conflict_message(current), code="conflict")
        self.content_before = revisions.content_fingerprint(current)
        self.required_levels_before = policy.required_levels(current)
        if "page" in self.fields and "page" in cleaned:
            try:
                policy.check_refile(current, cleaned["page"])
            except policy.TransitionRefused as refused:
                self.add_error("page", refused.message)
        return cleaned


def is_autocomplete_for(request, model_name: str, field_name: str) -> bool:
    """Whether this is the admin's autocomplete of the articles app's ``model_name.field_name``."""
    match = getattr(request, "resolver_match", None)
    return (
        match is not None
        and match.url_name == "autocomplete"
        and request.GET.get("app_label") == "articles"
        and request.GET.get("model_name") == model_name
        and request.GET.get("field_name") == field_name
    )


class TransitionForm(PlausibleDatesFormMixin, forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label="意见",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )
    publish_at = forms.DateTimeField(
        label="发布时间",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="北京时间，须晚于现在",
    )

    def __init__(self, transition: transitions.Transition, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.transition = transition
        if transition.name == "withdraw":
            self.fields["note"].label = "撤稿说明"
            self.fields["note"].help_text = "读者在原网址会看到这段说明"
        elif transition.name == "return":
            self.fields["note"].label = "退回原因"
            self.fields["note"].help_text = "作者会在稿件页看到它"
        if transition.needs_note:
            self.fields["note"].required = True
        if transition.may_set_time:
            self.fields["publish_at"].label = "另定发布时间"
            self.fields["publish_at"].help_text = "北京时间，不晚于现在；留空则按上面说明的时间发布"
        elif not transition.needs_time:
            del self.fields["publish_at"]
        else:
            self.fields["publish_at"].required = True


def publication_notice(article: Article) -> str:
    """What the publish confirmation says about the time the article will carry."""
    now = timezone.now()
    when = policy.publication_time_for(article, now=now)
    if when == now:
        return "将以现在的时间发布。"
    local = timezone.localtime(when, PAPER_TIMEZONE)
    return f"将以该期出版日期 {local.year}年{local.month}月{local.day}日 {local:%H:%M} 发布。"


class BulkWithdrawForm(forms.Form):
    reason = forms.CharField(label="撤稿说明", widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class WorkflowArticleAdminMixin:
    """Mixed into ArticleAdmin (articles/admin/model_admins.py) before admin.ModelAdmin."""

    form = ArticleVersionForm
    change_form_template = "admin/articles/article/workflow_change_form.html"

    # -- who sees what ------------------------------------------------------------------------

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not can_see_all_articles(request.user):
            queryset = queryset.filter(created_by=request.user)
        return queryset

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return True
        return policy.can_edit_text(request.user, obj) or policy.can_edit_metadata(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        # Only unpublished drafts disappear; anything readers may have seen is withdrawn instead.
        return obj is None or policy.can_delete_article(request.user, obj)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if is_autocomplete_for(request, "photo", "article"):
            # A photo may be attached only to an article whose text this person may edit now.
            queryset = queryset.filter(pk__in=policy.text_editable_articles(request.user).values("pk"))
        return queryset, may_have_duplicates

    def has_publish_permission(self, request):
        return request.user.has_perm(policy.PUBLISH_PERMISSION)

    def has_withdraw_permission(self, request):
        return request.user.has_perm(policy.WITHDRAW_PERMISSION)

    def _get_base_actions(self):
        actions = list(super()._get_base_actions())
        names = {name for _func, name, _description in actions}
        for name in ("publish_selected", "withdraw_selected"):
            if name not in names:
                actions.append(self.get_action(name))
        return actions

    def get_actions(self, request):
        actions = super().get_actions(request)
        # The stock bulk delete would skip the per-article rules above.
        actions.pop("delete_selected", None)
        return actions

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(name, dict(options)) for name, options in super().get_fieldsets(request, obj)]
        first_fields = list(fieldsets[0][1]["fields"])
        if "expected_version" not in first_fields:
            fieldsets[0][1]["fields"] = [*first_fields, "expected_version"]
        if obj is not None:
            for _name, options in fieldsets:
                fields = list(options["fields"])
                if "status" in fields and "workflow_state" not in fields:
                    fields.insert(fields.index("status") + 1, "workflow_state")
                    options["fields"] = fields
            if obj.status == Article.Status.WITHDRAWN:
                fieldsets.append(("撤稿", {"fields": ["withdrawn_reason"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = set(super().get_readonly_fields(request, obj)) | set(WORKFLOW_FIELDS)
        if obj is None:
            return sorted(readonly)
        user = request.user
        if not policy.can_edit_text(user, obj):
            readonly |= set(TEXT_FIELDS)
            if not policy.can_edit_metadata(user, obj):
                readonly |= set(policy.METADATA_FIELDS)
        return sorted(readonly)

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is not None and not policy.can_edit_text(request.user, obj):
            # Sections, credits and photos are the text: read-only unless the text may be edited.
            def no(request, obj=None):
                return False

            def none_more(request, obj=None, **kwargs):
                return 0  # no empty row, and no "添加另一个" link that could not be saved

            for inline in inlines:
                inline.has_add_permission = no
                inline.has_change_permission = no
                inline.has_delete_permission = no
                inline.get_max_num = none_more
                inline.max_num = inline.extra = 0
        return inlines

    def get_list_display(self, request):
        # 状态 and 审核进度 say the same outside review: one column, the review level within it.
        columns = [c for c in super().get_list_display(request) if c != "workflow_state"]
        if "status" in columns:
            columns[columns.index("status")] = "status_and_progress"
        return columns

    @admin.display(description="状态", ordering="status")
    def status_and_progress(self, obj):
        return policy.review_state(obj)

    @admin.display(description="审核进度")
    def workflow_state(self, obj):
        return policy.review_state(obj) if obj.pk else "草稿"

    # -- saving: optimistic locking, revisions, text edits reopen review ---------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with reversion.create_revision():
            reversion.set_user(request.user)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if reversion.is_active():
            reversion.set_comment(entry.get_change_message() or "修改")
        return entry

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        if reversion.is_active():
            reversion.set_comment("新建稿件")
        return entry

    def save_model(self, request, obj, form, change):
        if change:
            obj.version = form.cleaned_data["expected_version"] + 1
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            services.mark_content_changed(form.instance)  # a new article: its text is new
            return
        levels_before = getattr(form, "required_levels_before", None)
        if levels_before is not None:
            # A change of page may have changed how many review levels it needs.
            event = services.article_levels_recounted(
                article=form.instance, user=request.user, required_before=levels_before
            )
            if event is not None:
                messages.warning(request, event.note)
        before = getattr(form, "content_before", None)
        if before is not None and revisions.content_fingerprint(form.instance) != before:
            services.mark_content_changed(form.instance)
            event = services.article_text_changed(article=form.instance, user=request.user)
            if event is not None:
                messages.warning(request, event.note)

    # -- extra pages --------------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        pages = [
            ("transition/<str:name>/", self.transition_view, "transition"),
            ("preview/", self.preview_view, "preview"),
            ("revisions/", self.revisions_view, "revisions"),
            ("revisions/compare/", self.compare_view, "revisions_compare"),
            ("revisions/<int:version_id>/restore/", self.restore_revision_view, "revision_restore"),
        ]
        return [
            *(path(f"<path:object_id>/{route}", wrap(view), name=f"{prefix}_{name}") for route, view, name in pages),
            *super().get_urls(),
        ]

    def _article_or_404(self, request, object_id) -> Article:
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404("没有这篇稿件，或您无权查看。")
        return article

    def _change_url(self, article):
        return reverse("admin:articles_article_change", args=[article.pk])

    def _context(self, request, article, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "article": article,
            "change_url": self._change_url(article),
            **extra,
        }

    def transition_view(self, request, object_id, name):
        article = self._article_or_404(request, object_id)
        transition = transitions.TRANSITIONS.get(name)
        if transition is None:
            raise Http404("没有这个操作。")
        label = transitions.transition_label(article, name)
        form = TransitionForm(
            transition,
            request.POST if request.method == "POST" else None,
            initial={"expected_version": article.version},
        )
        status, refusal = 200, None
        if request.method == "POST":
            if form.is_valid():
                try:
                    transition.run(
                        article=article,
                        user=request.user,
                        note=form.cleaned_data.get("note") or "",
                        publish_at=form.cleaned_data.get("publish_at"),
                        expected_version=form.cleaned_data["expected_version"],
                    )
                except policy.TransitionRefused as refused:
                    status, refusal = refused.status, refused.message
                else:
                    messages.success(request, f"《{article.title}》：{label}。")
                    return HttpResponseRedirect(self._change_url(article))
            else:
                status = 400
        else:
            refusal = self._refusal(request.user, article, name)
            if refusal:
                status = refusal.status
                refusal = refusal.message
        context = self._context(
            request,
            article,
            title=f"{label}：{article.title}",
            transition=transition,
            label=label,
            form=form,
            refusal=refusal,
            state=policy.review_state(article),
            publication_notice=publication_notice(article) if transition.may_set_time else "",
        )
        return TemplateResponse(request, "admin/articles/article/transition.html", context, status=status)

    @staticmethod
    def _refusal(user, article, name):
        try:
            transitions.TRANSITIONS[name].check(user, article)
        except policy.TransitionRefused as refused:
            return refused
        return None

    def preview_view(self, request, object_id):
        """The article exactly as readers will see it, marked as a preview and never cached."""
        from articles.site.article_page import render_article  # the public page's own renderer

        article = self._article_or_404(request, object_id)
        response = render_article(request, article, preview=True)
        add_never_cache_headers(response)
        patch_cache_control(response, private=True, no_store=True)
        return response

    # -- review trail on the change form -------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        article = self.get_object(request, unquote(object_id))
        if article is not None:
            extra_context.update(
                review_events=ReviewEvent.objects.filter(article=article).select_related("actor"),
                transitions=[
                    (t, transitions.transition_label(article, t.name))
                    for t in transitions.allowed_transitions(request.user, article)
                ],
                workflow_state=policy.review_state(article),
                next_step=policy.next_step_explanation(request.user, article),
                required_levels=policy.LEVEL_NAMES[policy.required_levels(article)],
                can_restore=request.user.has_perm(policy.RESTORE_PERMISSION),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    # -- bulk actions -------------------------------------------------------------------------

    @admin.action(description="发布所选稿件", permissions=["publish"])
    def publish_selected(self, request, queryset):
        return self._bulk(request, queryset, "publish")

    @admin.action(description="撤下所选稿件", permissions=["withdraw"])
    def withdraw_selected(self, request, queryset):
        return self._bulk(request, queryset, "withdraw")

    def _bulk(self, request, queryset, name):
        articles = list(queryset.order_by("pk"))
        reason_form = BulkWithdrawForm(request.POST if "confirm" in request.POST else None)
        if request.POST.get("confirm") == "yes" and (name == "publish" or reason_form.is_valid()):
            done, refused = 0, []
            for article in articles:
                try:
                    with transaction.atomic():
                        if name == "publish":
                            services.article_publish(article=article, user=request.user)
                        else:
                            services.article_withdraw(
                                article=article,
                                user=request.user,
                                reason=reason_form.cleaned_data["reason"],
                            )
                except policy.TransitionRefused as error:
                    refused.append(f"《{article.title}》：{error.message}")
                else:
                    done += 1
            verb = "发布" if name == "publish" else "撤下"
            if done:
                messages.success(request, f"已{verb} {done} 篇稿件。")
            for line in refused:
                messages.error(request, f"未{verb}{line}")
            return None
        rows = []
        for article in articles:
            refusal = self._refusal(request.user, article, name)
            rows.append((article, refusal.message if refusal else ""))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "确认发布所选稿件" if name == "publish" else "确认撤下所选稿件",
            "action": "publish_selected" if name == "publish" else "withdraw_selected",
            "rows": rows,
            "ready": sum(1 for _a, r in rows if not r),
            "reason_form": reason_form if name == "withdraw" else None,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/articles/article/bulk_confirm.html", context)

    # -- revisions ----------------------------------------------------------------------------

    def _versions(self, article):
        return (
            Version.objects.get_for_object(article)
            .select_related("revision__user")
            .order_by("-revision__date_created", "-pk")
        )

    def revisions_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        versions = list(self._versions(article))
        rows = [
            {
                "version": v,
                "who": services.display_name(v.revision.user),
                "when": v.revision.date_created,
                "comment": v.revision.get_comment(),
                "number": v.field_dict.get("version"),
                "status": dict(Article.Status.choices).get(v.field_dict.get("status"), ""),
                "title": v.field_dict.get("title"),
            }
            for v in versions
        ]
        refusal = None
        try:
            policy.check_restore_revision(request.user, article)
        except policy.TransitionRefused as refused:
            refusal = refused.message
        context = self._context(
            request, article, title=f"修订版本：{article.title}", rows=rows, restore_refusal=refusal
        )
        return TemplateResponse(request, "admin/articles/article/revisions.html", context)

    def _version_or_404(self, article, version_id):
        try:
            return self._versions(article).get(pk=version_id)
        except (Version.DoesNotExist, ValueError, TypeError):
            raise Http404("没有这个历史版本。") from None

    def compare_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        versions = self._versions(article)
        if not versions.exists():
            raise Http404("这篇稿件还没有历史版本。")
        old_id, new_id = request.GET.get("old"), request.GET.get("new")
        old = self._version_or_404(article, old_id) if old_id else None
        new = self._version_or_404(article, new_id) if new_id else versions.first()
        if old is None:
            old = versions.filter(revision__date_created__lte=new.revision.date_created).exclude(pk=new.pk).first()
            if old is None:
                old = new
        if old.revision.date_created > new.revision.date_created:
            old, new = new, old
        rows = diff_rows(version_blocks(old), version_blocks(new))
        context = self._context(
            request,
            article,
            title=f"比较版本：{article.title}",
            old=old,
            new=new,
            old_who=services.display_name(old.revision.user),
            new_who=services.display_name(new.revision.user),
            rows=rows,
            changed=sum(1 for r in rows if r["kind"] != "equal"),
        )
        return TemplateResponse(request, "admin/articles/article/revision_compare.html", context)

    def restore_revision_view(self, request, object_id, version_id):
        article = self._article_or_404(request, object_id)
        version = self._version_or_404(article, version_id)
        refusal, status = None, 200
        try:
            policy.check_restore_revision(request.user, article)
        except policy.TransitionRefused as refused:
            refusal, status = refused.message, refused.status
        if request.method == "POST" and refusal is None:
            try:
                revisions.article_restore_revision(article=article, user=request.user, version=version)
            except policy.TransitionRefused as refused:
                refusal, status = refused.message, refused.status
            else:
                when = timezone.localtime(version.revision.date_created)
                messages.success(
                    request,
                    f"已恢复到 {when:%Y-%m-%d %H:%M:%S} 的版本，并保存为新版本。",
                )
                return HttpResponseRedirect(self._change_url(article))
        elif request.method == "POST":
            raise PermissionDenied(refusal)
        rows = diff_rows(version_blocks(self._versions(article).first()), version_blocks(version))
        context = self._context(
            request,
            article,
            title=f"恢复历史版本：{article.title}",
            version=version,
            who=services.display_name(version.revision.user),
            refusal=refusal,
            rows=rows,
        )
        return TemplateResponse(
            request,
            "admin/articles/article/revision_restore.html",
            context,
            status=status,
        )


# ---------------------------------------------------------------------------------------------
# Comparing revisions paragraph by paragraph


def version_blocks(version: Version) -> list[tuple[str, str]]:
    """The text of an article revision as (label, paragraph) pairs, in reading order."""
    data = version.field_dict
    article_id = data.get("id")
    blocks: list[tuple[str, str]] = []
    for field, label in (("kicker", "引题"), ("title", "主题"), ("subtitle", "副题")):
        if data.get(field):
            blocks.append((label, data[field]))
    related = list(version.revision.version_set.select_related("content_type"))
    credits, sections = [], []
    for v in related:
        model = v.content_type.model_class()
        if model is Credit and v.field_dict.get("article_id") == article_id:
            credits.append(v.field_dict)
        elif model is Section and v.field_dict.get("article_id") == article_id:
            sections.append(v.field_dict)
    if credits:
        names = dict(
            Contributor.objects.filter(pk__in=[c["contributor_id"] for c in credits]).values_list("pk", "name")
        )
        line = "　".join(
            f"{c['role']} {c['qualifier']}{names.get(c['contributor_id'], '（已删除）')}".strip()
            for c in sorted(credits, key=lambda c: c["position"])
        )
        blocks.append(("署名", line))
    blocks.extend(("导语", p) for p in split_paragraphs(data.get("lead") or ""))
    commentators = dict(
        Commentator.objects.filter(pk__in=[s["commentator_id"] for s in sections if s["commentator_id"]]).values_list(
            "pk", "name"
        )
    )
    for number, section in enumerate(sorted(sections, key=lambda s: s["position"]), start=1):
        if section["heading"]:
            blocks.append((f"第{number}部分 小标题", section["heading"]))
        if section["commentator_id"]:
            name = commentators.get(section["commentator_id"], "（已删除）")
            blocks.append(
                (
                    f"第{number}部分 发言人",
                    f"{section['commentator_title']} {name}".strip(),
                )
            )
        blocks.extend((f"第{number}部分", p) for p in split_paragraphs(section["body"]))
    return blocks


def _inline_diff(old: str, new: str):
    """The two paragraphs with deleted characters in <del> and added ones in <ins>, escaped."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    old_parts, new_parts = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            old_parts.append(format_html("{}", old[i1:i2]))
            new_parts.append(format_html("{}", new[j1:j2]))
            continue
        if i2 > i1:
            old_parts.append(format_html("<del>{}</del>", old[i1:i2]))
        if j2 > j1:
            new_parts.append(format_html("<ins>{}</ins>", new[j1:j2]))
    return mark_safe("".join(old_parts)), mark_safe("".join(new_parts))  # every part escaped above


def diff_rows(old_blocks, new_blocks) -> list[dict]:
    """Rows for a side-by-side table: equal, changed (with marks), removed or added paragraphs."""
    old_keys = [f"{label}\n{text}" for label, text in old_blocks]
    new_keys = [f"{label}\n{text}" for label, text in new_blocks]
    rows = []
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for (label, text), _ in zip(old_blocks[i1:i2], new_blocks[j1:j2], strict=True):
                rows.append({"kind": "equal", "label": label, "old": text, "new": text})
            continue
        olds, news = old_blocks[i1:i2], new_blocks[j1:j2]
        for k in range(max(len(olds), len(news))):
            o = olds[k] if k < len(olds) else None
            n = news[k] if k < len(news) else None
            if o and n:
                old_html, new_html = _inline_diff(o[1], n[1])
                label = n[0] if o[0] == n[0] else f"{o[0]} → {n[0]}"
                rows.append(
                    {
                        "kind": "changed",
                        "label": label,
                        "old": old_html,
                        "new": new_html,
                    }
                )
            elif o:
                rows.append({"kind": "removed", "label": o[0], "old": o[1], "new": ""})
            else:
                rows.append({"kind": "added", "label": n[0], "old": "", "new": n[1]})
    return rows
