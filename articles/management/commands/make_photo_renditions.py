from django.core.management.base import BaseCommand

from articles.models import Photo
from articles.photos.renditions import photo_make_renditions


class Command(BaseCommand):
    help = "为缺少规格图（或规格图已过期）的图片生成规格图；--force 全部重新生成。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="重新生成全部规格图（例如调整了尺寸之后）",
        )

    def handle(self, *args, force=False, **options):
        made = failed = 0
        for photo in Photo.objects.exclude(image="").order_by("pk").iterator(chunk_size=200):
            try:
                if photo_make_renditions(photo, force=force):
                    made += 1
            except Exception as error:  # one unreadable file must not stop the rest
                failed += 1
                self.stderr.write(f"图片 {photo.pk}（{photo.image.name}）：{error}")
        self.stdout.write(f"生成 {made} 张图片的规格图，失败 {failed} 张。")
        if failed:
            raise SystemExit(1)
