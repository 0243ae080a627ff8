from django.core.management.base import BaseCommand

from articles.epaper.renditions import page_make_renditions
from articles.models import Page, Photo
from articles.photos.renditions import photo_make_renditions


class Command(BaseCommand):
    help = "为缺少规格图（或规格图已过期）的图片和电子版版面图生成规格图；--force 全部重新生成。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="重新生成全部规格图（例如调整了尺寸之后）",
        )

    def handle(self, *args, force=False, **options):
        made = failed = 0
        # Photos, then the e-paper's page images (a whole issue uploaded at once may be left to this).
        for label, rows, make in (
            ("图片", Photo.objects.exclude(image=""), photo_make_renditions),
            ("版面", Page.objects.exclude(image=""), page_make_renditions),
        ):
            for row in rows.order_by("pk").iterator(chunk_size=200):
                try:
                    if make(row, force=force):
                        made += 1
                except Exception as error:  # one unreadable file must not stop the rest
                    failed += 1
                    self.stderr.write(f"{label} {row.pk}（{row.image.name}）：{error}")
        self.stdout.write(f"生成 {made} 张图片的规格图，失败 {failed} 张。")
        if failed:
            raise SystemExit(1)
