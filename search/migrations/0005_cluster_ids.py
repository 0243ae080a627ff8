"""On PostgreSQL each index entry also lists its article's cluster ids, under a GIN index of
their own: a cluster filter then intersects two index bitmaps instead of probing the link
table once per matching article. Existing entries are filled here; SQLite keeps the join.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "ALTER TABLE search_searchdocument ADD COLUMN clusters int4[] NOT NULL DEFAULT '{}'",
    "UPDATE search_searchdocument d SET clusters = c.ids FROM ("
    " SELECT article_id, array_agg(cluster_id ORDER BY cluster_id) AS ids FROM articles_article_clusters GROUP BY article_id"
    ") c WHERE c.article_id = d.article_id",
    "CREATE INDEX search_doc_clusters_gin ON search_searchdocument USING gin (clusters)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_doc_clusters_gin",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS clusters",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0004_denormalise_status_and_date")]

    operations = [migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_BACKWARD))]
