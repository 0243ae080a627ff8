"""The commentators in the order of the commentator index (body, then name): a page of the index
is read in order and tests only its own people for a visible commentary, not every commentator.
The expression is articles.models.body_order(), written out here (migrations import no
application code); the query must use the same one for the database to use the index."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("articles", "0015_section_article_published_at")]

    operations = [
        migrations.AddIndex(
            model_name="commentator",
            index=models.Index(
                models.Case(
                    models.When(then=models.Value(0), title__contains="人大"),
                    models.When(then=models.Value(1), title__contains="政协"),
                    default=models.Value(2),
                ),
                models.F("name"),
                models.F("id"),
                name="commentator_listing_idx",
            ),
        ),
    ]
