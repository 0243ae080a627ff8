"""One of every public page type, with content that exercises its markup: used by the
accessibility (axe-core) and HTML validity (Nu HTML Checker) checks.

build_site() makes the content and returns ({page type: path}, the seed article). Photos are real (with renditions
when the data is committed), so figure, picture and srcset markup is checked too.
"""

import datetime

from articles.models import Photo
from tests.epaper.public_sheets import add_region, give_image
from tests.factories import ContributorFactory, MilestoneFactory, ProjectFactory, cluster, image_file
from tests.site.conftest import READER_PAGE_TYPES, SEED_DAY, add_section, build_seed_article, published_on, reader_paths

NEXT_DAY = SEED_DAY + datetime.timedelta(days=1)

# Page types readers reach, as DESIGN.md lists them (the search page with results, and the 404),
# and the e-paper's.
PAGE_TYPES = [
    *READER_PAGE_TYPES,
    "issue with page images",
    "e-paper page",
    "e-paper page without image",
    "date picker, no paper that day",
]


def build_site():
    """The content, and (paths by page type, the seed article)."""
    seed = build_seed_article()
    photographer = ContributorFactory(name="黄沐")
    Photo.objects.create(
        article=seed,
        is_lead=True,
        image=image_file("lead.jpg"),
        caption="比亚迪轨道交通智能制造产业园。",
        alt_text="园区里新建的厂房",
        photographer=photographer,
    )
    Photo.objects.create(
        article=seed,
        position=1,
        image=image_file("gallery.jpg"),
        caption="水口山有色金属冶炼基地。",
        alt_text="冶炼厂的高烟囱",
        photographer=ContributorFactory(name="陈太仰"),
    )
    rail = cluster("rail-transit")
    rail.cover_photo = Photo.objects.create(
        image=image_file("cover.jpg"), alt_text="列车驶过高架桥", caption="轨道交通产业园试验线。"
    )
    rail.save()
    front = published_on(
        NEXT_DAY,
        title="衡阳市胶轮有轨电车示范线加快建设",
        kicker="轨道交通产业集群",
        subtitle="示范线全长12.5公里",
        lead=(
            "2018年12月26日，衡阳市胶轮有轨电车示范线工程正式启动，这是我市轨道交通产业集群发展的又一重要节点。"
            "\n\n示范线建成后，将串联松木经开区、高新区和城市中心，带动车辆制造、运营维护等上下游企业落户衡阳。"
        ),
        clusters=[rail],
        tags=["两会"],
    )
    add_section(front, 1, "示范线带动产业链", "市人大代表", "夏君山")
    project = ProjectFactory(name="比亚迪轨道交通智能制造产业园", cluster=rail)
    MilestoneFactory(
        date=datetime.date(2018, 12, 26), text="胶轮有轨电车示范线工程启动", project=project, source_article=front
    )
    # The e-paper: the front page drawn with Pillow, the story outlined on it; the seed page has no image.
    give_image(front.page)
    add_region(front.page, front, [[0.05, 0.08], [0.95, 0.08], [0.95, 0.5], [0.05, 0.5]])
    paths = {
        **reader_paths(seed, calendar="/issues/?year=2019"),
        "issue with page images": f"/issues/{NEXT_DAY:%Y-%m-%d}/",
        "e-paper page": f"/issues/{NEXT_DAY:%Y-%m-%d}/A01/",
        "e-paper page without image": f"/issues/{SEED_DAY:%Y-%m-%d}/A04/",
        "date picker, no paper that day": "/issues/on/?date=2019-01-07",
    }
    return paths, seed
