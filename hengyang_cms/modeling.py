"""Pieces of model declarations the apps share. Migrations spell each field out in full."""

from django.db import models


def optional_link(to, **options) -> models.ForeignKey:
    """A link that may be left empty and is emptied, not followed, when what it points to is
    deleted: an article's page or creator, a photo's author, a cover photo, a milestone's source.

    Deleting a photo, a page or an account must never take articles, clusters or tokens with it;
    declared once so every such link behaves alike."""
    return models.ForeignKey(to, models.SET_NULL, null=True, blank=True, **options)


class Named(models.Model):
    """A record known by its unique ``name`` (a contributor, an organisation): listed by it and
    shown as it. A subclass's Meta extends ``Named.Meta``."""

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name
