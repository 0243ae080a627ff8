"""Revisions: what counts as "the text" of an article, and bringing back an earlier one."""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, ReviewEvent
from articles.workflow.policy import check_restore_revision, require
from articles.workflow.services import article_text_changed, lock, mark_content_changed, record_event, save_revision

Action = ReviewEvent.Action

# ---------------------------------------------------------------------------------------------
# Text fingerprint: what counts as "the text" for sending an article back a level


def content_fingerprint(article: Article) -> str:
    """A hash of everything a reviewer signs off: titles, lead, sections and credits (not filing
    metadata such as page, tags or clusters)."""
    article = Article.objects.get(pk=article.pk)  # the saved state, not a form's instance
    sections = list(
        article.sections.order_by("position").values_list(
            "position", "heading", "commentator_id", "commentator_title", "body"
        )
    )
    credits = list(article.credits.order_by("position").values_list("position", "role", "qualifier", "contributor_id"))
    photos = list(article.photos.order_by("pk").values_list("pk", "image", "caption", "alt_text", "is_lead"))
    payload = [
        article.kicker,
        article.title,
        article.subtitle,
        article.lead,
        sections,
        credits,
        photos,
    ]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, default=str).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Revisions


CONTENT_FIELDS = ("kicker", "title", "subtitle", "lead")


@transaction.atomic
def article_restore_revision(*, article: Article, user, version: Version) -> ReviewEvent:
    """Brings back the text (titles, lead, sections, credits) of an earlier revision.

    Only the text: status, time, review level and filing stay as they are now, so restoring can
    never publish or unpublish anything. Restoring creates a new revision and counts as an edit.
    """
    current = lock(article, None)
    check_restore_revision(user, current)
    require(
        version.object_id == str(current.pk) and version.content_type.model_class() is Article,
        "这个历史版本不属于这篇稿件。",
    )
    before = content_fingerprint(current)
    kept = {f.attname: getattr(current, f.attname) for f in Article._meta.concrete_fields}
    kept_clusters = list(current.clusters.values_list("pk", flat=True))  # filing, not text
    version.revision.revert(delete=True)
    restored = Article.objects.get(pk=current.pk)
    restored.clusters.set(kept_clusters)
    for attname, value in kept.items():
        if attname not in CONTENT_FIELDS:
            setattr(restored, attname, value)
    restored.version = current.version + 1
    restored.full_clean(exclude=["tags", "clusters"])
    when = timezone.localtime(version.revision.date_created)
    comment = f"恢复到 {when:%Y-%m-%d %H:%M:%S} 的版本"
    save_revision(restored, user, comment)
    event = record_event(restored, Action.RESTORE_REVISION, user, comment, from_status=restored.status)
    if content_fingerprint(restored) != before:
        mark_content_changed(restored)
        article_text_changed(article=restored, user=user)
    for attname in kept:
        setattr(article, attname, getattr(restored, attname))
    return event
