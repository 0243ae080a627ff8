"""Tokens as 32-bit integers: a GIN index over int4[] builds and updates several times faster
than one over a tsvector of text lexemes. The old entries are dropped; run
``manage.py rebuild_search_index`` on a database that had any.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "DROP INDEX IF EXISTS search_document_tsv_gin",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS tsv",
    "TRUNCATE search_searchdocument",
    "ALTER TABLE search_searchdocument ADD COLUMN grams int4[] NOT NULL DEFAULT '{}'",
    "CREATE INDEX search_document_grams_gin ON search_searchdocument USING gin (grams)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_grams_gin",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS grams",
    "TRUNCATE search_searchdocument",
    "ALTER TABLE search_searchdocument ADD COLUMN tsv tsvector NOT NULL DEFAULT ''::tsvector",
    "CREATE INDEX search_document_tsv_gin ON search_searchdocument USING gin (tsv) WITH (fastupdate = off)",
]
SQLITE_RECREATE = [
    "DROP TABLE IF EXISTS search_fts",
    "DELETE FROM search_searchdocument",
    "CREATE VIRTUAL TABLE search_fts USING fts5(tokens, content='', columnsize=0, detail=none)",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_index_structures")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_RECREATE}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_RECREATE}),
        ),
    ]
