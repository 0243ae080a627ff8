"""The index gains tokens: publication month, year and clusters (search/extra_tokens.py) and
trigrams with digits or Latin letters (search/text.py). Existing entries are rewritten here by
a rebuild into fresh tables; a database without entries has nothing to do.
"""

from django.db import migrations


def rebuild(apps, schema_editor):
    # The rebuild reads and writes with the project's current code: it is the same job as
    # `manage.py rebuild_search_index`, which later token changes would run again.
    from search.indexing import rebuild_index

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM search_searchdocument LIMIT 1")
        if cursor.fetchone() is None:
            return
    rebuild_index()


class Migration(migrations.Migration):
    dependencies = [("search", "0006_commentator_ids")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
