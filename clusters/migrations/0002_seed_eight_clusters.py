from django.db import migrations

# The eight hundred-billion-yuan industry clusters, in the order the city names them.
# (slug, name, short name, aliases one per line, summary)
CLUSTERS = [
    (
        "military-civil",
        "军民融合",
        "",
        "军民融合产业\n军民融合产业园",
        "以白沙绿岛军民融合产业园和衡山科学城为载体，联合央企、高校发展核技术应用、光电与特种芯片等产业。",
    ),
    (
        "nonferrous",
        "有色金属",
        "",
        "有色金属产业\n铜铅锌",
        "依托水口山百年冶炼基础，以中国五矿铜铅锌产业基地为龙头，推动有色金属冶炼和精深加工提质升级。",
    ),
    (
        "new-energy-vehicles",
        "新能源汽车",
        "",
        "新能源汽车产业\n新能源车",
        "引进整车与动力电池、电机电控等配套项目，培育新能源汽车及零部件产业链。",
    ),
    (
        "rail-transit",
        "轨道交通",
        "",
        "轨道交通产业\n有轨电车\n云轨",
        "以松木经开区比亚迪轨道交通智能制造产业园为核心，建设轨道交通装备制造基地与示范线。",
    ),
    (
        "fine-chemicals",
        "精细化工",
        "",
        "精细化工产业\n盐化工",
        "以松木经开区为主阵地，推动盐卤化工向精细化、绿色化延伸。",
    ),
    (
        "textiles",
        "纺织服装",
        "",
        "纺织服装产业",
        "承接沿海产业转移，发展纺织、印染与服装加工，打造纺织服装产业集群。",
    ),
    (
        "tourism",
        "全域旅游",
        "",
        "全域旅游产业\n旅游产业",
        "以南岳衡山为龙头，串联城乡文旅资源，推动全域旅游发展。",
    ),
    (
        "camellia-oil",
        "油茶等农副产品种植加工",
        "油茶",
        "油茶产业\n农副产品种植加工\n茶油",
        "扩大油茶等特色农产品种植基地，延伸精深加工，带动乡村产业振兴。",
    ),
]


def seed(apps, schema_editor):  # never import app code in a migration
    Cluster = apps.get_model("clusters", "Cluster")
    for position, (slug, name, short_name, aliases, summary) in enumerate(CLUSTERS, start=1):
        Cluster.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "short_name": short_name,
                "aliases": aliases,
                "summary": summary,
                "position": position,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("clusters", "Cluster").objects.filter(slug__in=[c[0] for c in CLUSTERS]).delete()


class Migration(migrations.Migration):
    dependencies = [("clusters", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
