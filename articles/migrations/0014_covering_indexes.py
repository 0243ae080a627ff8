"""On PostgreSQL, two indexes that carry what the commentator lists read, so those lists read
indexes instead of rows:

- article ids with status and publication time: the visibility of many articles tested by id
  (/commentators/ counts up to 2,001 commentaries for each of its 120 people a page);
- the sections with a commentator, by commentator and article, with position and id: a
  commentator's later pages sort only those columns to find their twenty sections.

SQLite has no covering indexes (its rowid lookups are cheap); nothing is done there. Raw SQL
rather than model indexes: Django warns on SQLite about an index with included columns.
"""

from django.db import migrations

INDEXES = {
    "article_visibility_idx": "articles_article (id) INCLUDE (status, published_at)",
    "section_commentator_cover_idx": (
        "articles_section (commentator_id, article_id) INCLUDE (position, id) WHERE commentator_id IS NOT NULL"
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0013_content_changed_index")]

    operations = [migrations.RunPython(create, drop)]
