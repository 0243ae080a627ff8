"""On PostgreSQL, an index of the sections with a commentator that carries their article, position
and id: a commentator's page finds its twenty sections by sorting only those columns (with the
articles' publication time from articles.0014's index), without reading each section's row.
SQLite has no covering indexes; nothing is done there.
"""

from django.db import migrations

NAME = "section_commentator_cover_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON articles_section (commentator_id, article_id) INCLUDE (position, id) "
            "WHERE commentator_id IS NOT NULL"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0014_visibility_covering_index")]

    operations = [migrations.RunPython(create, drop)]
