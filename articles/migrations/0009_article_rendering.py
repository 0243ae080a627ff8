import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_article_content_changed_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleRendering",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="rendering",
                        serialize=False,
                        to="articles.article",
                        verbose_name="稿件",
                    ),
                ),
                ("version", models.PositiveIntegerField(verbose_name="稿件版本")),
                ("article_updated_at", models.DateTimeField(verbose_name="稿件修改时间")),
                ("shell", models.CharField(max_length=64, verbose_name="页面模板版本")),
                ("html", models.TextField(verbose_name="页面")),
                ("rendered_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="生成时间")),
                ("expires_at", models.DateTimeField(blank=True, null=True, verbose_name="过期时间")),
            ],
            options={
                "verbose_name": "稿件页面",
                "verbose_name_plural": "稿件页面",
            },
        ),
    ]
