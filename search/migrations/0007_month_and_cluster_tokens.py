"""Publication-month, year and cluster tokens in each entry's ``grams`` (see search/extra_tokens.py).

Existing entries get theirs here, computed as extra_tokens does; entries written from now on
carry them from the start. SQLite's FTS5 table needs none: its index is not asked for windows.
"""

from django.db import migrations

FORWARD = """
UPDATE search_searchdocument SET grams = grams
    || CASE WHEN published_at IS NULL THEN '{}'::int4[] ELSE ARRAY[(1 + m.i) << 16, (18000 + m.i / 12) << 16] END
    || ARRAY(SELECT (20000 + c) << 16 FROM unnest(clusters) AS c)
FROM (SELECT article_id AS id, LEAST(GREATEST(0,
        (EXTRACT(YEAR FROM published_at AT TIME ZONE 'UTC')::int - 2000) * 12
        + EXTRACT(MONTH FROM published_at AT TIME ZONE 'UTC')::int - 1), 17987) AS i
    FROM search_searchdocument) AS m
WHERE m.id = search_searchdocument.article_id
"""
BACKWARD = "UPDATE search_searchdocument SET grams = ARRAY(SELECT g FROM unnest(grams) AS g WHERE g & 65535 <> 0)"


def _run(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0006_commentator_ids")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
