#!/usr/bin/env bash
# Fault: the media disk is full when an editor uploads a photo.
#
# MEDIA_ROOT is a 2 MiB tmpfs mounted by this script (needs root; without a mount the test suite's
# tests/operations/test_unavailable.py covers the same path with /dev/full, which answers ENOSPC),
# filled up to about 100 KB with a filler file; a throwaway SQLite database; gunicorn behind nginx
# (TLS: the session cookie is Secure). An editor logs into the admin with curl and uploads a photo
# through 图片 → 增加. What must hold: the answer is the 507 page saying in Chinese that nothing was
# saved; no Photo row, and no file (whole or partial) left in MEDIA_ROOT; after the filler is
# removed the same upload succeeds, renditions included. Exits 1 otherwise.
source "$(dirname "$0")/../lib.sh"

begin_run disk-full
mkdir -p "$WORK/media"
if ! mount -t tmpfs -o size=2m,mode=0755 tmpfs "$WORK/media" 2>/dev/null; then
  echo "SKIP: mounting a tmpfs is not permitted here; tests/operations/test_unavailable.py::test_a_photo_upload_on_a_full_disk_says_so_in_chinese_and_saves_nothing covers this path with /dev/full (ENOSPC)."
  exit 2
fi
unset REDIS_URL DATABASE_REPLICA_URLS
export DATABASE_URL=sqlite:///$WORK/db.sqlite3
export DJANGO_MEDIA_ROOT=$WORK/media
export DJANGO_BEHIND_PROXY=1
password=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(16))')
"$PYTHON" manage.py migrate --noinput -v0 || die "migrate failed"
"$PYTHON" manage.py collectstatic --noinput -v0
DJANGO_SUPERUSER_PASSWORD=$password "$PYTHON" manage.py createsuperuser --noinput --username editor --email editor@example.com >/dev/null ||
  die "createsuperuser failed"
"$PYTHON" - "$WORK/photo.jpg" <<'PY'
import sys
from PIL import Image
Image.effect_noise((900, 600), 30).convert("RGB").save(sys.argv[1], "JPEG", quality=85)
PY

app_port=$(free_port)
https_port=$(free_port)
export DJANGO_CSRF_TRUSTED_ORIGINS=https://127.0.0.1:$https_port
start_gunicorn "$app_port" gunicorn
start_nginx "$https_port" "$app_port"
base=https://127.0.0.1:$https_port
jar=$WORK/cookies
token() { grep -oE 'name="csrfmiddlewaretoken" value="[^"]+"' | head -1 | sed -E 's/.*value="([^"]+)"/\1/'; }

csrf=$(curl -sk -c "$jar" -b "$jar" "$base/admin/login/" | token)
code=$(curl -sk -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' -e "$base/admin/login/" \
  --data-urlencode "csrfmiddlewaretoken=$csrf" --data-urlencode "username=editor" \
  --data-urlencode "password=$password" --data-urlencode "next=/admin/" "$base/admin/login/?next=/admin/")
[ "$code" = 302 ] || die "could not log in (HTTP $code)"

upload() { # upload OUTPUT_FILE → prints the HTTP status
  local form
  form=$(curl -sk -c "$jar" -b "$jar" "$base/admin/articles/photo/add/")
  curl -sk -c "$jar" -b "$jar" -o "$1" -w '%{http_code}' -e "$base/admin/articles/photo/add/" \
    -F "csrfmiddlewaretoken=$(token <<<"$form")" -F "image=@$WORK/photo.jpg;type=image/jpeg" \
    -F "position=0" -F "caption=松木经开区" -F "alt_text=厂房外景" -F "photographer=" -F "article=" \
    "$base/admin/articles/photo/add/"
}
photos() { DJANGO_DEBUG=1 "$PYTHON" manage.py shell --no-imports -v0 -c 'from articles.models import Photo; print(Photo.objects.count())'; }
media_files() { (cd "$WORK/media" && find . -type f ! -name filler | sort); }

free_kb=$(df -k --output=avail "$WORK/media" | tail -1)
dd if=/dev/zero of="$WORK/media/filler" bs=1K count=$((free_kb - 100)) status=none 2>/dev/null
event "media disk filled: $(df -h --output=avail "$WORK/media" | tail -1 | tr -d ' ') free of 2 MiB; uploading a $(du -k "$WORK/photo.jpg" | cut -f1) KB photo"
status_full=$(upload "$WORK/full.html")
photos_full=$(photos)
files_full=$(media_files)
message=$(grep -oE '存储空间已满，图片没有保存|没有留下残缺的文件或记录' "$WORK/full.html" | sort -u | tr '\n' ' ')

rm -f "$WORK/media/filler"
event "filler removed"
status_room=$(upload "$WORK/room.html")
sleep 1
photos_room=$(photos)
files_room=$(media_files | wc -l)

echo
echo "## A photo upload on a full disk (2 MiB tmpfs as MEDIA_ROOT)"
echo "Disk full:  HTTP $status_full; message: ${message:-none}; Photo rows: $photos_full; files left in MEDIA_ROOT: ${files_full:-none}"
echo "With room:  HTTP $status_room; Photo rows: $photos_room; files in MEDIA_ROOT: $files_room (master and renditions)"
if [ "$status_full" = 507 ] && [ -n "$message" ] && [ "$photos_full" = 0 ] && [ -z "$files_full" ] &&
  [ "$status_room" = 302 ] && [ "$photos_room" = 1 ] && [ "$files_room" -ge 3 ]; then
  echo "PASS: a clear 507 page in Chinese, no row and no partial file; the same upload succeeds once there is room"
else
  echo "FAIL"
  sed -n '1,40p' "$WORK/full.html" | head -c 2000
  exit 1
fi
