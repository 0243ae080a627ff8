"""An index on the content changes that exist: the sitemap index dates the articles' section by
the newest of them without a pass over the archive (articles.site.sitemaps)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("articles", "0012_content_change_notifications")]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                condition=models.Q(("content_changed_at__isnull", False)),
                fields=["content_changed_at"],
                name="article_content_changed_idx",
            ),
        ),
    ]
