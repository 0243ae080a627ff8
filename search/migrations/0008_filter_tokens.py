"""Each entry keeps its article's page number, and the index gains tokens for commentators and
page numbers, and for months and years back to 1949 (search/extra_tokens.py), so a search
limited to a page, a commentator or a date before 2000 is one index lookup. Every entry's
tokens change: search.indexing rebuilds the index once `migrate` has applied this migration
(migrations import no application code); a database without entries has nothing to do.

The column is added by plain SQL: Django would rebuild the table on SQLite to add it, and the
rebuilt table would lose the columns earlier migrations added without fields (clusters,
commentators).
"""

from django.db import migrations, models

ADD = "ALTER TABLE search_searchdocument ADD COLUMN page varchar(4) NOT NULL DEFAULT ''"
DROP = "ALTER TABLE search_searchdocument DROP COLUMN page"


def _run(statement):
    def run(apps, schema_editor):
        schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0007_new_tokens")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(_run(ADD), _run(DROP))],
            state_operations=[
                migrations.AddField(
                    model_name="searchdocument",
                    name="page",
                    field=models.CharField(blank=True, db_default="", default="", max_length=4, verbose_name="版次"),
                ),
            ],
        )
    ]
