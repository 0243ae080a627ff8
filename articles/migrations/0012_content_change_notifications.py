"""PostgreSQL: announce every committed change to what public pages are made from.

A statement-level trigger on each table sends ``NOTIFY hengyang_content``; PostgreSQL
delivers it to listeners when the transaction commits (hengyang_cms/changes.py), once per
transaction however many statements sent it. Tables written while pages are served (stored
renderings, review events, the search index) are left out: a reader's first view of an
article stores its page, and must not announce a change. Nothing happens on SQLite.
"""

from django.db import migrations

CHANNEL = "hengyang_content"
FUNCTION = "hengyang_content_changed"

# (app label, model name): everything a public page shows.
WATCHED = [
    ("articles", "Issue"),
    ("articles", "Page"),
    ("articles", "PageRegion"),
    ("articles", "Contributor"),
    ("articles", "Commentator"),
    ("articles", "Article"),
    ("articles", "Section"),
    ("articles", "Credit"),
    ("articles", "Photo"),
    ("clusters", "Cluster"),
    ("clusters", "Organization"),
    ("clusters", "Project"),
    ("clusters", "Milestone"),
    ("taggit", "Tag"),
    ("taggit", "TaggedItem"),
]


def tables(apps):
    names = []
    for app_label, model_name in WATCHED:
        model = apps.get_model(app_label, model_name)
        names.append(model._meta.db_table)
        names.extend(
            field.remote_field.through._meta.db_table
            for field in model._meta.local_many_to_many
            if field.remote_field.through._meta.auto_created
        )
    return names


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.connection.ops.quote_name
    schema_editor.execute(
        f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END $$"""
    )
    for table in tables(apps):
        schema_editor.execute(
            f"CREATE OR REPLACE TRIGGER {quote(table + '_changed')} "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {quote(table)} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.connection.ops.quote_name
    for table in tables(apps):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(table + '_changed')} ON {quote(table)}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_epaper"),
        ("clusters", "0003_cluster_cover_photo"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create, drop)]
