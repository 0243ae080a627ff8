from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_article_relations"),
    ]

    operations = [
        migrations.AddField(
            model_name="photo",
            name="renditions",
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="规格图"),
        ),
    ]
