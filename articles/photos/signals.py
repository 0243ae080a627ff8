"""Keeping files in step with rows.

Receivers, because photos are also saved and deleted where no service runs: an article's
deletion cascades to its photos. The storage work itself waits for the commit, so a rolled-back
save or delete keeps its files. Connected in ``ArticlesConfig.ready()``.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from articles.models import Photo
from articles.photos.renditions import delete_files, make_renditions_after_commit, rendition_records


def _remember_previous_file(sender, instance: Photo, raw=False, update_fields=None, **kwargs):
    instance._previous_image_name = None
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and "image" not in update_fields:
        return
    instance._previous_image_name = Photo.objects.filter(pk=instance.pk).values_list("image", flat=True).first()


def _renditions_after_save(sender, instance: Photo, created=False, raw=False, **kwargs):
    if raw:
        return
    current = instance.image.name if instance.image else ""
    previous = getattr(instance, "_previous_image_name", None)
    if previous and previous != current:
        storage = instance.image.storage
        old_renditions = [item["name"] for item in (instance.renditions or {}).get("items", [])]
        transaction.on_commit(lambda: _delete_unreferenced(storage, previous, old_renditions), robust=True)
    if current and (created or previous != current or not rendition_records(instance)):
        pk = instance.pk
        transaction.on_commit(lambda: make_renditions_after_commit(pk), robust=True)


def _files_after_delete(sender, instance: Photo, **kwargs):
    if not instance.image:
        return
    storage = instance.image.storage
    master = instance.image.name
    renditions = [item["name"] for item in (instance.renditions or {}).get("items", [])]
    transaction.on_commit(lambda: _delete_unreferenced(storage, master, renditions), robust=True)


def _delete_unreferenced(storage, master: str, renditions: list[str]) -> None:
    # Another row may point at the same file (a copied photo): then the files stay.
    if Photo.objects.filter(image=master).exists():
        return
    delete_files(storage, [master, *renditions])


def connect() -> None:
    pre_save.connect(_remember_previous_file, sender=Photo, dispatch_uid="photo_remember_previous_file")
    post_save.connect(_renditions_after_save, sender=Photo, dispatch_uid="photo_renditions_after_save")
    post_delete.connect(_files_after_delete, sender=Photo, dispatch_uid="photo_files_after_delete")
