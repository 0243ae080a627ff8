"""Each index entry also lists its article's commentator ids (and, on SQLite, its cluster ids).

Facet counts for a result set then come from the rows the search reads anyway, instead of
three further queries over the link tables with thousands of ids each. PostgreSQL keeps the
ids as int4[] (clusters already since 0005); SQLite, which has no arrays, as comma-separated
text. Existing entries are filled here, so no rebuild is needed.
"""

from django.db import migrations

FORWARD = {
    "postgresql": [
        "ALTER TABLE search_searchdocument ADD COLUMN commentators int4[] NOT NULL DEFAULT '{}'",
        "UPDATE search_searchdocument d SET commentators = s.ids FROM ("
        " SELECT article_id, array_agg(DISTINCT commentator_id ORDER BY commentator_id) AS ids"
        " FROM articles_section WHERE commentator_id IS NOT NULL GROUP BY article_id"
        ") s WHERE s.article_id = d.article_id",
    ],
    "sqlite": [
        "ALTER TABLE search_searchdocument ADD COLUMN clusters text NOT NULL DEFAULT ''",
        "ALTER TABLE search_searchdocument ADD COLUMN commentators text NOT NULL DEFAULT ''",
        "UPDATE search_searchdocument SET clusters = COALESCE((SELECT group_concat(cluster_id) FROM ("
        " SELECT cluster_id FROM articles_article_clusters c"
        " WHERE c.article_id = search_searchdocument.article_id ORDER BY cluster_id)), '')",
        "UPDATE search_searchdocument SET commentators = COALESCE((SELECT group_concat(commentator_id) FROM ("
        " SELECT DISTINCT commentator_id FROM articles_section s WHERE s.article_id = search_searchdocument.article_id"
        " AND commentator_id IS NOT NULL ORDER BY commentator_id)), '')",
    ],
}
BACKWARD = {
    "postgresql": ["ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS commentators"],
    "sqlite": [
        "ALTER TABLE search_searchdocument DROP COLUMN commentators",
        "ALTER TABLE search_searchdocument DROP COLUMN clusters",
    ],
}


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_article_updated_at_index"),
        ("search", "0005_cluster_ids"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
