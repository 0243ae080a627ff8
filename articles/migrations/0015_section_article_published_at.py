"""Sections carry a copy of their article's publication time, kept by the database, and an index
of commentators' sections by that time.

A commentator's page lists their sections newest first. Sorted by the article's time, a late page
of a busy commentator read and sorted every one of their sections (21,000 at a million
articles); by the copy, the index gives them in order and the page reads its own.

Triggers keep the copy, so every way of writing (the admin, the importer's COPY, bulk updates,
a restored revision) keeps it right without remembering to: a section takes its article's time
whenever it is written, and an article's new time goes to its sections. They copy a value; the
visibility rule stays where it is (articles.models), and the index is used only for the order.

SQLite drops a table's triggers when a migration rebuilds the table (as it does to alter or
remove a column): such a later migration of articles_article or articles_section must create
them again; tests/site/test_commentator_order.py fails until it does.

Then the copy is filled in for the sections there are (about a minute for a million articles),
and the index is built. It replaces the PostgreSQL index of 0014 on (commentator, article) with
position and id, which the new one covers.
"""

from django.db import migrations, models

POSTGRES_CREATE = """
CREATE FUNCTION articles_section_takes_published_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT published_at INTO NEW.article_published_at FROM articles_article WHERE id = NEW.article_id;
    RETURN NEW;
END $$;
CREATE TRIGGER section_takes_published_at BEFORE INSERT OR UPDATE ON articles_section
    FOR EACH ROW EXECUTE FUNCTION articles_section_takes_published_at();

CREATE FUNCTION articles_article_gives_published_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE articles_section SET article_published_at = NEW.published_at WHERE article_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER article_gives_published_at AFTER UPDATE OF published_at ON articles_article
    FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at)
    EXECUTE FUNCTION articles_article_gives_published_at();
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS article_gives_published_at ON articles_article;
DROP FUNCTION IF EXISTS articles_article_gives_published_at();
DROP TRIGGER IF EXISTS section_takes_published_at ON articles_section;
DROP FUNCTION IF EXISTS articles_section_takes_published_at();
"""

# SQLite's triggers cannot change the row being written: they write it again just after. Its
# recursive triggers are off, so that second write does not set them off once more.
SQLITE_TAKE = """
BEGIN
    UPDATE articles_section
    SET article_published_at = (SELECT published_at FROM articles_article WHERE id = NEW.article_id)
    WHERE id = NEW.id;
END
"""
SQLITE_CREATE = [
    f"CREATE TRIGGER section_takes_published_at AFTER INSERT ON articles_section {SQLITE_TAKE}",
    f"CREATE TRIGGER section_keeps_published_at AFTER UPDATE ON articles_section {SQLITE_TAKE}",
    """
    CREATE TRIGGER article_gives_published_at AFTER UPDATE OF published_at ON articles_article
    WHEN OLD.published_at IS NOT NEW.published_at
    BEGIN
        UPDATE articles_section SET article_published_at = NEW.published_at WHERE article_id = NEW.id;
    END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS article_gives_published_at",
    "DROP TRIGGER IF EXISTS section_keeps_published_at",
    "DROP TRIGGER IF EXISTS section_takes_published_at",
]

FILL = """
UPDATE articles_section
SET article_published_at = (SELECT published_at FROM articles_article WHERE id = articles_section.article_id)
"""
OLD_INDEX = (
    "section_commentator_cover_idx",
    "articles_section (commentator_id, article_id) INCLUDE (position, id) WHERE commentator_id IS NOT NULL",
)
FORWARDS = {
    "postgresql": [POSTGRES_CREATE, f"DROP INDEX IF EXISTS {OLD_INDEX[0]}"],
    "sqlite": SQLITE_CREATE,
}
BACKWARDS = {
    "postgresql": [POSTGRES_DROP, f"CREATE INDEX IF NOT EXISTS {OLD_INDEX[0]} ON {OLD_INDEX[1]}"],
    "sqlite": SQLITE_DROP,
}


def create_triggers(apps, schema_editor):
    for statement in FORWARDS.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)
    schema_editor.execute(FILL)


def drop_triggers(apps, schema_editor):
    for statement in BACKWARDS.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("articles", "0014_covering_indexes")]

    operations = [
        migrations.AddField(
            model_name="section",
            name="article_published_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="稿件发布时间"),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.AddIndex(
            model_name="section",
            index=models.Index(
                condition=models.Q(("commentator__isnull", False)),
                fields=["commentator", "-article_published_at", "-article", "position", "id"],
                name="section_commentator_time_idx",
            ),
        ),
    ]
