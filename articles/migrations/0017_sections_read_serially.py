"""On PostgreSQL, no parallel workers for scans of the sections.

The site reads sections a few at a time (an article's, a page of a commentator's, a count that
stops at 2,001) and the search index's rebuild reads them 500 articles at a time. At a million
articles the planner judged a busy commentator's sections large enough for parallel workers,
which cost more to start (4 or 5 ms a query) than the reading they shared: the commentator's page
took 20 to 22 ms instead of 15 or 16. The table's own setting (parallel_workers = 0) keeps every
scan of it serial and leaves other tables as the server is set.
"""

from django.db import migrations


def serial(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE articles_section SET (parallel_workers = 0)")


def as_the_server_is_set(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE articles_section RESET (parallel_workers)")


class Migration(migrations.Migration):
    dependencies = [("articles", "0016_commentator_listing_index")]

    operations = [migrations.RunPython(serial, as_the_server_is_set)]
