"""The index beside SearchDocument: a GIN-indexed tsvector on PostgreSQL, FTS5 on SQLite.

Each half runs only on its own database; other databases get no index (and search
says so rather than scanning).
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "ALTER TABLE search_searchdocument ADD COLUMN tsv tsvector NOT NULL DEFAULT ''::tsvector",
    # fastupdate off: a pending list that grows between vacuums slows every search; the
    # writes it would batch are single-article saves, cheap enough to apply at once.
    "CREATE INDEX search_document_tsv_gin ON search_searchdocument USING gin (tsv) WITH (fastupdate = off)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_tsv_gin",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS tsv",
]
# Contentless (no copy of the token text) and detail=none (no positions): the index only has
# to say which articles hold every token; order and exactness come from the stored text.
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(tokens, content='', columnsize=0, detail=none)",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS search_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_document")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
