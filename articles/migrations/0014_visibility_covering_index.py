"""On PostgreSQL, an index of article ids that carries status and publication time, so that the
lists which test many articles' visibility by id (the commentators' counts on /commentators/,
a commentator's page) read the index instead of each article's row: at a million articles the
commentator index counts up to 2,001 commentaries for each of fifty people. SQLite has no
covering indexes (its rowid lookups are cheap); nothing is done there. Raw SQL rather than a
model index: Django warns on SQLite about an index with included columns.
"""

from django.db import migrations

NAME = "article_visibility_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON articles_article (id) INCLUDE (status, published_at)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0013_content_changed_index")]

    operations = [migrations.RunPython(create, drop)]
