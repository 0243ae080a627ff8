"""The newsroom's roles as groups: 记者, 编辑, 部门主任, 总编辑, 档案员.

What each role may do on which article (own drafts, articles in review, levels of review) is
decided in articles/workflow/policy.py; these permissions only open the doors those rules then guard.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDIT = ("add", "change", "delete", "view")
TEXT_PARTS = [("articles", model, action) for model in ("section", "credit", "photo") for action in EDIT]
PEOPLE = [
    ("articles", model, action) for model in ("commentator", "contributor") for action in ("add", "change", "view")
]
LOOK_UP = [
    ("articles", "issue", "view"),
    ("articles", "page", "view"),
    ("articles", "reviewevent", "view"),
    ("clusters", "cluster", "view"),
    ("clusters", "project", "view"),
    ("clusters", "organization", "view"),
    ("clusters", "milestone", "view"),
    ("taggit", "tag", "view"),
    ("taggit", "tag", "add"),
]
DESK = [
    ("articles", "article", "add"),
    ("articles", "article", "change"),
    ("articles", "article", "view"),
    *TEXT_PARTS,
    *PEOPLE,
    *LOOK_UP,
    ("articles", "issue", "add"),
    ("articles", "issue", "change"),
    ("articles", "page", "add"),
    ("articles", "page", "change"),
    ("articles", "article", "review_first"),
]

ROLES = {
    "记者": [
        ("articles", "article", "add"),
        ("articles", "article", "change"),
        ("articles", "article", "view"),
        ("articles", "article", "delete"),
        *TEXT_PARTS,
        ("articles", "commentator", "add"),
        ("articles", "commentator", "view"),
        ("articles", "contributor", "add"),
        ("articles", "contributor", "view"),
        *LOOK_UP,
    ],
    "编辑": DESK,
    "部门主任": [*DESK, ("articles", "article", "review_second")],
    "总编辑": [
        *DESK,
        ("articles", "article", "delete"),
        ("articles", "article", "review_second"),
        ("articles", "article", "review_final"),
        ("articles", "article", "publish_article"),
        ("articles", "article", "withdraw_article"),
        ("articles", "article", "restore_revision"),
        ("articles", "article", "edit_metadata"),
    ],
    "档案员": [
        ("articles", "article", "view"),
        ("articles", "article", "change"),
        ("articles", "article", "edit_metadata"),
        ("articles", "article", "import_article"),
        *[("articles", model, "view") for model in ("section", "credit", "photo")],
        *PEOPLE,
        *LOOK_UP,
        ("articles", "issue", "add"),
        ("articles", "issue", "change"),
        ("articles", "page", "add"),
        ("articles", "page", "change"),
        ("taggit", "tag", "change"),
    ],
}


def codename(model, action):
    return f"{action}_{model}" if action in ("add", "change", "delete", "view") else action


def seed(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = set()
        for app_label, model, action in grants:
            wanted.add(
                Permission.objects.get(
                    content_type__app_label=app_label,
                    content_type__model=model,
                    codename=codename(model, action),
                ).pk
            )
        group.permissions.set(wanted)


def unseed(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_review_events_and_permissions"),
        ("clusters", "0003_cluster_cover_photo"),
        (
            "taggit",
            "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx",
        ),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
