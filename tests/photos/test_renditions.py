"""Renditions: made once after the save commits, reused, remade when the file changes, deleted with it."""

import io

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image

from articles.models import Photo
from articles.photos.images import clean_image
from articles.photos.renditions import RENDITION_WIDTHS, photo_make_renditions, rendition_records
from tests.factories import ArticleFactory
from tests.photos import images
from tests.photos.conftest import media_files

pytestmark = pytest.mark.django_db


def test_a_saved_photo_gets_webp_and_jpeg_renditions_at_each_width(make_photo, settings):
    photo = make_photo(size=(2000, 1333))
    records = rendition_records(photo)
    assert sorted((r["width"], r["format"]) for r in records) == sorted(
        (w, f) for w in RENDITION_WIDTHS for f in ("webp", "jpeg")
    )
    for record in records:
        with photo.image.storage.open(record["name"]) as handle:
            made = Image.open(handle)
            made.load()
        assert made.format == {"webp": "WEBP", "jpeg": "JPEG"}[record["format"]]
        assert made.size == (record["width"], record["height"])
        assert abs(record["height"] - round(1333 * record["width"] / 2000)) <= 1
        assert not made.getexif() and "icc_profile" not in made.info
    assert media_files(settings) == {photo.image.name} | {r["name"] for r in records}
    assert all(r["name"].startswith("renditions/photos/") for r in records)


def test_renditions_of_a_camera_photo_are_upright_and_carry_no_metadata(make_photo):
    photo = make_photo(content=images.camera_jpeg(size=(1800, 1200), orientation=6))
    assert (photo.width, photo.height) == (1200, 1800)
    for record in rendition_records(photo):
        with photo.image.storage.open(record["name"]) as handle:
            data = handle.read()
        assert images.SERIAL.encode() not in data and b"Exif\x00\x00" not in data
        assert record["height"] > record["width"]


def test_a_small_photo_is_never_upscaled(make_photo):
    photo = make_photo(size=(900, 600))
    assert sorted({r["width"] for r in rendition_records(photo)}) == [400, 800, 900]
    tiny = make_photo(size=(300, 200))
    assert {(r["width"], r["height"]) for r in rendition_records(tiny)} == {(300, 200)}


def test_renditions_are_made_once_and_reused(make_photo, settings):
    photo = make_photo(size=(1000, 700))
    root = settings.MEDIA_ROOT
    before = {name: (root / name).stat().st_mtime_ns for name in media_files(settings)}

    assert photo_make_renditions(photo) is False
    photo.caption = "改了说明，图片没变"
    photo.save()  # outside an on_commit capture: nothing would run anyway, and nothing is scheduled
    photo.refresh_from_db()
    assert photo_make_renditions(photo) is False
    assert {name: (root / name).stat().st_mtime_ns for name in media_files(settings)} == before


def test_saving_without_a_new_file_schedules_no_work(make_photo, django_capture_on_commit_callbacks):
    photo = make_photo(size=(600, 400))
    with django_capture_on_commit_callbacks() as callbacks:
        photo.caption = "新的图片说明"
        photo.save()
    assert callbacks == []


def test_a_replaced_file_gets_new_renditions_and_the_old_files_go(
    make_photo, settings, django_capture_on_commit_callbacks
):
    photo = make_photo(size=(1000, 700))
    old_files = media_files(settings)

    replacement = clean_image(io.BytesIO(images.encode(images.picture((1300, 1000)), "PNG"))).as_upload()
    with django_capture_on_commit_callbacks(execute=True):
        photo.image = replacement
        photo.save()
    photo.refresh_from_db()

    records = rendition_records(photo)
    assert photo.renditions["source"] == photo.image.name and photo.image.name.endswith(".png")
    assert sorted({r["width"] for r in records}) == [400, 800, 1200, 1300]
    assert media_files(settings) == {photo.image.name} | {r["name"] for r in records}
    assert not old_files & media_files(settings)


def test_stale_renditions_are_remade(make_photo):
    photo = make_photo(size=(900, 600))
    Photo.objects.filter(pk=photo.pk).update(renditions={**photo.renditions, "source": "photos/old.jpg"})
    photo.refresh_from_db()
    assert rendition_records(photo) == []
    assert photo_make_renditions(photo) is True
    assert len(rendition_records(photo)) == 6


def test_force_remakes_in_place(make_photo, settings):
    photo = make_photo(size=(900, 600))
    names = {r["name"] for r in rendition_records(photo)}
    assert photo_make_renditions(photo, force=True) is True
    assert {r["name"] for r in rendition_records(photo)} == names
    assert media_files(settings) == {photo.image.name} | names


def test_deleting_a_photo_deletes_its_files(make_photo, settings, django_capture_on_commit_callbacks):
    photo = make_photo(size=(900, 600))
    assert len(media_files(settings)) == 7
    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()
    assert media_files(settings) == set()


def test_deleting_an_article_deletes_its_photos_files(make_photo, settings, django_capture_on_commit_callbacks):
    article = ArticleFactory()
    make_photo(size=(600, 400), article=article, is_lead=True)
    make_photo(size=(500, 400), article=article, position=1)
    assert media_files(settings)
    with django_capture_on_commit_callbacks(execute=True):
        article.delete()
    assert media_files(settings) == set()


def test_a_rolled_back_delete_keeps_the_files(make_photo, settings, django_capture_on_commit_callbacks):
    photo = make_photo(size=(600, 400))
    pk, files = photo.pk, media_files(settings)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            photo.delete()
            raise RuntimeError("editor cancelled")
    assert Photo.objects.filter(pk=pk).exists()
    assert media_files(settings) == files


def test_a_file_shared_by_two_rows_stays_until_the_last_goes(make_photo, settings, django_capture_on_commit_callbacks):
    photo = make_photo(size=(600, 400))
    copy = Photo.objects.create(image=photo.image.name, alt_text="同一张图", renditions=photo.renditions)
    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()
    assert copy.image.name in media_files(settings)


def test_renditions_of_an_unreadable_master_leave_no_files_behind(settings, django_capture_on_commit_callbacks, caplog):
    photo = Photo(alt_text="坏文件")
    photo.image.save("broken.jpg", ContentFile(images.truncated_jpeg()), save=False)
    with django_capture_on_commit_callbacks(execute=True):
        photo.save()  # the after-commit work fails, is logged, and the save stands
    assert "could not make renditions" in caplog.text
    assert media_files(settings) == {photo.image.name}
    with pytest.raises(OSError):
        photo_make_renditions(photo)
    assert media_files(settings) == {photo.image.name}


def test_a_file_replaced_while_rendering_keeps_the_newer_renditions(make_photo, settings):
    photo = make_photo(size=(600, 400))
    stale = Photo.objects.get(pk=photo.pk)
    Photo.objects.filter(pk=photo.pk).update(image="photos/newer.jpg", renditions={})
    assert photo_make_renditions(stale, force=True) is False
    assert Photo.objects.get(pk=photo.pk).renditions == {}


def test_the_command_backfills_photos_without_renditions(settings, capsys):
    from django.core.management import call_command

    content = clean_image(io.BytesIO(images.encode(images.picture((700, 500)), "JPEG"))).content
    photo = Photo(alt_text="导入的旧图")
    photo.image.save("imported.jpg", ContentFile(content), save=False)
    Photo.objects.bulk_create([photo])  # no signals: as an import or a restore would
    photo = Photo.objects.get()
    assert rendition_records(photo) == []

    call_command("make_photo_renditions")
    photo.refresh_from_db()
    assert sorted((r["width"], r["format"]) for r in rendition_records(photo)) == [
        (400, "jpeg"),
        (400, "webp"),
        (700, "jpeg"),
        (700, "webp"),
    ]
    call_command("make_photo_renditions")
    assert "生成 0 张图片的规格图，失败 0 张" in capsys.readouterr().out
