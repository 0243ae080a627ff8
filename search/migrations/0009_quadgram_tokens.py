"""The index gains quadgrams: every four characters in a row with a digit or Latin letter
(search/text.py), so a date or an amount (12月26日, 2019年3月) is no longer offered by every
article that holds its trigrams in other places. Every entry's tokens change: search.indexing
rebuilds the index once `migrate` has applied this migration (migrations import no application
code); a database without entries has nothing to do. No schema changes.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("search", "0008_filter_tokens")]

    operations = []
