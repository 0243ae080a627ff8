"""Demo photos drawn with Pillow: a scene for each cluster, so the demo needs no downloaded image.

The drawings are deterministic (seeded), go through the same clean-up and renditions as an
upload, and are credited to the three photographers of the seed page.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFilter

from articles.models import Article, Contributor, Photo
from articles.photos.images import clean_image
from clusters.models import Cluster

SIZE = (1800, 1200)
PHOTOGRAPHERS = ["黄沐", "陈太仰", "王翟"]

# slug: (caption, alt text) — what the drawing shows, in the paper's words.
SCENES = {
    "military-civil": (
        "白沙绿岛军民融合产业园厂房。",
        "黄昏时分，产业园里几栋冒着白烟的蓝灰色厂房，远处是连绵的山。",
    ),
    "nonferrous": (
        "水口山有色金属冶炼基地。",
        "冶炼厂的高烟囱和炉口的橙色火光，前景堆放着金属锭。",
    ),
    "new-energy-vehicles": (
        "新能源汽车驶过产业园区道路。",
        "蓝天下一条宽阔道路，几辆彩色小汽车驶过，路边立着充电桩。",
    ),
    "rail-transit": (
        "轨道交通产业园的试验线上，列车驶过高架桥。",
        "一列白色列车行驶在高架桥上，桥下是绿地和远山。",
    ),
    "fine-chemicals": (
        "精细化工园区的储罐区。",
        "一排银白色圆柱形储罐，由管道相连，背景是晴朗的天空。",
    ),
    "textiles": (
        "纺织服装企业的锯齿形屋顶厂房。",
        "锯齿形屋顶的厂房前摆着红、黄、蓝、绿四色布卷。",
    ),
    "tourism": (
        "南岳衡山脚下，湘江上的游船。",
        "青山之上一座宝塔，山下江面上有一条游船，天空晴朗。",
    ),
    "camellia-oil": (
        "油茶林里，油茶果挂满枝头。",
        "一排排油茶树种在梯田般的山坡上，树上结着红色和黄色的果实。",
    ),
}


def _gradient(size, top, bottom) -> Image.Image:
    height = size[1]
    column = Image.new("RGB", (1, height))
    for y in range(height):
        t = y / max(1, height - 1)
        column.putpixel(
            (0, y),
            tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    return column.resize(size)


def _ridge(draw, rng, width, base, amplitude, colour, step=60):
    points = [(0, base)]
    y = base
    for x in range(0, width + step, step):
        y = max(
            base - amplitude,
            min(base + amplitude // 3, y + rng.randint(-amplitude // 4, amplitude // 4)),
        )
        points.append((x, y))
    points += [(width, 10_000), (0, 10_000)]
    draw.polygon(points, fill=colour)


def _factory(draw, rng, x, ground, colour, chimney=True):
    w, h = rng.randint(220, 360), rng.randint(120, 220)
    draw.rectangle((x, ground - h, x + w, ground), fill=colour)
    for wx in range(x + 20, x + w - 30, 45):
        draw.rectangle((wx, ground - h + 30, wx + 25, ground - h + 55), fill=(235, 230, 200))
    if chimney:
        cx = x + w - 60
        draw.rectangle((cx, ground - h - 160, cx + 28, ground - h), fill=(120, 110, 105))
        for i in range(4):
            r = 22 + i * 10
            draw.ellipse(
                (
                    cx - r + 14 + i * 25,
                    ground - h - 200 - i * 45 - r,
                    cx + r + 14 + i * 25,
                    ground - h - 200 - i * 45 + r,
                ),
                fill=(225, 225, 230),
            )
    return x + w


def draw_scene(slug: str, seed: int = 0, size=SIZE) -> Image.Image:
    """A simple landscape for a cluster: sky, hills and the cluster's subject."""
    rng = random.Random(f"{slug}-{seed}")
    width, height = size
    evening = slug in ("military-civil", "nonferrous")
    sky = ((245, 170, 110), (255, 225, 180)) if evening else ((90, 150, 215), (200, 225, 245))
    image = _gradient(size, *sky)
    draw = ImageDraw.Draw(image)
    sun_x, sun_y = (
        rng.randint(width // 5, width * 4 // 5),
        rng.randint(height // 10, height // 4),
    )
    draw.ellipse(
        (sun_x - 70, sun_y - 70, sun_x + 70, sun_y + 70),
        fill=(255, 240, 200) if evening else (255, 250, 225),
    )
    _ridge(draw, rng, width, height * 45 // 100, 120, (120, 145, 170))
    _ridge(draw, rng, width, height * 58 // 100, 80, (80, 130, 95))
    ground = height * 78 // 100
    draw.rectangle((0, ground, width, height), fill=(95, 150, 85))

    if slug in ("military-civil", "textiles", "nonferrous"):
        x = rng.randint(40, 120)
        while x < width - 300:
            colour = {
                "military-civil": (85, 105, 130),
                "textiles": (190, 185, 170),
                "nonferrous": (105, 90, 85),
            }[slug]
            right = _factory(draw, rng, x, ground, colour, chimney=slug != "textiles")
            if slug == "textiles":
                top = ground - 200
                for tx in range(x, right, 50):
                    draw.polygon(
                        [(tx, top), (tx + 50, top - 40), (tx + 50, top)],
                        fill=(150, 150, 140),
                    )
            x = right + rng.randint(40, 120)
        if slug == "nonferrous":
            for i in range(14):
                bx, by = 120 + (i % 7) * 70, height - 90 - (i // 7) * 30
                draw.rectangle(
                    (bx, by, bx + 60, by + 26),
                    fill=(190, 190, 200),
                    outline=(120, 120, 130),
                )
            draw.ellipse(
                (width // 2 - 60, ground - 80, width // 2 + 60, ground + 20),
                fill=(255, 140, 40),
            )
        if slug == "textiles":
            for i, colour in enumerate([(200, 40, 50), (240, 200, 40), (40, 90, 180), (40, 150, 90)]):
                cx = 200 + i * 140
                draw.ellipse(
                    (cx, height - 170, cx + 110, height - 60),
                    fill=colour,
                    outline=(60, 60, 60),
                    width=3,
                )
    elif slug == "new-energy-vehicles":
        draw.rectangle((0, height - 260, width, height - 80), fill=(70, 72, 78))
        for x in range(0, width, 160):
            draw.rectangle((x, height - 175, x + 80, height - 165), fill=(240, 240, 240))
        for i in range(4):
            cx = 150 + i * 420 + rng.randint(-40, 40)
            colour = rng.choice([(220, 60, 60), (40, 120, 210), (245, 245, 245), (60, 180, 120)])
            draw.rounded_rectangle((cx, height - 250, cx + 260, height - 170), radius=30, fill=colour)
            draw.rounded_rectangle((cx + 50, height - 300, cx + 200, height - 240), radius=25, fill=colour)
            for wx in (cx + 40, cx + 180):
                draw.ellipse((wx, height - 200, wx + 50, height - 150), fill=(25, 25, 25))
        for x in range(100, width, 380):
            draw.rectangle((x, ground - 150, x + 40, ground), fill=(40, 170, 110))
    elif slug == "rail-transit":
        deck = ground - 140
        draw.rectangle((0, deck, width, deck + 30), fill=(170, 170, 175))
        for x in range(60, width, 240):
            draw.rectangle((x, deck + 30, x + 36, ground + 40), fill=(150, 150, 155))
        start = rng.randint(100, 300)
        draw.rounded_rectangle((start, deck - 90, start + 1200, deck), radius=40, fill=(245, 245, 250))
        draw.rectangle((start, deck - 40, start + 1200, deck - 30), fill=(200, 40, 50))
        for wx in range(start + 60, start + 1150, 90):
            draw.rectangle((wx, deck - 75, wx + 55, deck - 50), fill=(60, 90, 130))
    elif slug == "fine-chemicals":
        for i in range(5):
            tx = 120 + i * 330
            draw.rectangle((tx, ground - 260, tx + 220, ground), fill=(215, 220, 225))
            draw.ellipse((tx, ground - 290, tx + 220, ground - 230), fill=(235, 238, 240))
            draw.rectangle((tx + 220, ground - 120, tx + 330, ground - 105), fill=(150, 155, 160))
    elif slug == "tourism":
        peak_x = width * 2 // 3
        draw.polygon(
            [(peak_x - 500, ground), (peak_x, height // 5), (peak_x + 500, ground)],
            fill=(60, 110, 80),
        )
        draw.rectangle(
            (peak_x - 18, height // 5 - 120, peak_x + 18, height // 5),
            fill=(150, 60, 50),
        )
        for level in range(4):
            y = height // 5 - 120 + level * 30
            draw.polygon(
                [
                    (peak_x - 50 + level * 4, y),
                    (peak_x, y - 30),
                    (peak_x + 50 - level * 4, y),
                ],
                fill=(90, 50, 40),
            )
        draw.rectangle((0, ground + 40, width, height), fill=(80, 140, 190))
        draw.polygon(
            [
                (300, ground + 140),
                (560, ground + 140),
                (520, ground + 190),
                (340, ground + 190),
            ],
            fill=(240, 230, 210),
        )
    elif slug == "camellia-oil":
        for row in range(5):
            y = ground - 60 + row * 70
            for x in range(40 + (row % 2) * 60, width, 150):
                r = 45 + row * 4
                draw.ellipse((x - r, y - r, x + r, y + r), fill=(35 + row * 8, 110 + row * 6, 50))
                for _ in range(5):
                    fx, fy = (
                        x + rng.randint(-r // 2, r // 2),
                        y + rng.randint(-r // 2, r // 2),
                    )
                    draw.ellipse(
                        (fx - 7, fy - 7, fx + 7, fy + 7),
                        fill=rng.choice([(200, 50, 40), (230, 180, 50)]),
                    )
    # A little softness, as a lens would give: flat vector edges look unlike a photograph.
    return image.filter(ImageFilter.GaussianBlur(1.2))


def demo_photo_file(slug: str, seed: int = 0):
    """A drawn scene through the same clean-up an upload gets."""
    buffer = io.BytesIO()
    draw_scene(slug, seed, size=SIZE).save(buffer, "JPEG", quality=90)
    return clean_image(buffer).as_upload()


def _photographer(index: int) -> Contributor:
    contributor, _ = Contributor.objects.get_or_create(name=PHOTOGRAPHERS[index % len(PHOTOGRAPHERS)])
    return contributor


def attach_demo_photos(*, max_articles: int = 12) -> int:
    """Give each cluster a cover photo and demo articles a lead photo; returns how many were made.

    Idempotent: clusters with a cover and articles with photos are left as they are.
    """
    made = 0
    slugs = list(SCENES)
    for index, cluster in enumerate(Cluster.objects.filter(cover_photo__isnull=True, slug__in=slugs)):
        caption, alt_text = SCENES[cluster.slug]
        photo = Photo.objects.create(
            image=demo_photo_file(cluster.slug),
            caption=caption,
            alt_text=alt_text,
            photographer=_photographer(index),
            credit_role="制图",  # the demo's images are drawings
        )
        Cluster.objects.filter(pk=cluster.pk).update(cover_photo=photo)
        made += 1

    articles = Article.objects.filter(photos__isnull=True).order_by("pk").prefetch_related("clusters")[:max_articles]
    for number, article in enumerate(articles):
        article_slugs = [c.slug for c in article.clusters.all() if c.slug in SCENES] or [slugs[number % len(slugs)]]
        # The article about all eight clusters gets a gallery: one photo from each of the three photographers.
        scenes = article_slugs[:3] if len(article_slugs) > 1 else article_slugs
        for position, slug in enumerate(scenes):
            caption, alt_text = SCENES[slug]
            Photo.objects.create(
                article=article,
                is_lead=position == 0,
                position=position,
                image=demo_photo_file(slug, seed=article.pk),
                caption=caption,
                alt_text=alt_text,
                photographer=_photographer(number + position),
                credit_role="制图",
            )
            made += 1
    return made
