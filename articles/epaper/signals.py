"""Keeping a page's files in step with its row, as articles.photos.signals does for photos.

A page's image is replaced by an upload, a command or the demo, and pages are deleted with their
issue: receivers see all of these. Storage work waits for the commit, so a rolled-back save keeps
its files. Connected in ``ArticlesConfig.ready()``.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from articles.epaper.renditions import page_make_renditions, rendition_records
from articles.models import Page
from articles.photos.renditions import delete_files, make_renditions_after_commit


def _remember_previous_files(sender, instance: Page, raw=False, update_fields=None, **kwargs):
    instance._previous_files = None
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not {"image", "pdf"} & set(update_fields):
        return
    instance._previous_files = Page.objects.filter(pk=instance.pk).values_list("image", "pdf", "renditions").first()


def _files_after_save(sender, instance: Page, created=False, raw=False, **kwargs):
    if raw:
        return
    image = instance.image.name if instance.image else ""
    pdf = instance.pdf.name if instance.pdf else ""
    previous = getattr(instance, "_previous_files", None)
    if previous:
        old_image, old_pdf, old_renditions = previous
        stale = [name for name in (old_image, old_pdf) if name and name not in (image, pdf)]
        if old_image and old_image != image:
            stale += [item["name"] for item in (old_renditions or {}).get("items", [])]
        if stale:
            storage = instance.image.storage
            transaction.on_commit(lambda: _delete_unreferenced(storage, stale), robust=True)
    if image and not rendition_records(instance):
        pk = instance.pk
        transaction.on_commit(lambda: make_renditions_after_commit(pk, Page, page_make_renditions), robust=True)


def _files_after_delete(sender, instance: Page, **kwargs):
    names = [name for name in (instance.image.name, instance.pdf.name) if name]
    names += [item["name"] for item in (instance.renditions or {}).get("items", [])]
    if names:
        storage = instance.image.storage
        transaction.on_commit(lambda: _delete_unreferenced(storage, names), robust=True)


def _delete_unreferenced(storage, names: list[str]) -> None:
    still_used = set(Page.objects.filter(image__in=names).values_list("image", flat=True))
    still_used |= set(Page.objects.filter(pdf__in=names).values_list("pdf", flat=True))
    delete_files(storage, [name for name in names if name not in still_used])


def connect() -> None:
    pre_save.connect(_remember_previous_files, sender=Page, dispatch_uid="page_remember_previous_files")
    post_save.connect(_files_after_save, sender=Page, dispatch_uid="page_files_after_save")
    post_delete.connect(_files_after_delete, sender=Page, dispatch_uid="page_files_after_delete")
