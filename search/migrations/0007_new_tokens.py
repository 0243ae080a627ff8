"""The index gains tokens: publication month, year and clusters (search/extra_tokens.py) and
trigrams with digits or Latin letters (search/text.py). Existing entries are rewritten here by
a rebuild into fresh tables, which search.indexing runs once `migrate` has applied this migration
(migrations import no application code); a database without entries has nothing to do.

On PostgreSQL the text columns are also compressed with lz4 where the server offers it (a
search decompresses the text of every candidate it checks, and lz4 does that several times
faster than the default pglz), and the token array is stored uncompressed out of line: pglz
gains nothing on it and only costs time on every write.
"""

from django.db import migrations


def set_storage(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
            if cursor.fetchone()[0]:
                cursor.execute(
                    "ALTER TABLE search_searchdocument "
                    "ALTER COLUMN head SET COMPRESSION lz4, ALTER COLUMN body SET COMPRESSION lz4"
                )
            cursor.execute("ALTER TABLE search_searchdocument ALTER COLUMN grams SET STORAGE EXTERNAL")


class Migration(migrations.Migration):
    dependencies = [("search", "0006_commentator_ids")]

    operations = [migrations.RunPython(set_storage, migrations.RunPython.noop)]
