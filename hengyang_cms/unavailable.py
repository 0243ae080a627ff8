"""Pages for when a dependency is down, instead of a 500 or a hung worker.

- The database unreachable (PostgreSQL restarting, a failover, a network cut): 503 with
  ``Retry-After`` and a short page in Chinese, rendered without touching the database. Django
  drops the broken connection at the end of the request and the next request reconnects, so
  service comes back by itself as soon as the database does. Connection attempts give up after
  ``DJANGO_DB_CONNECT_TIMEOUT`` seconds (3), so no worker waits long on a database that does not
  answer; gunicorn's own timeout (deploy/gunicorn.conf.py) is the last resort.
- The media disk full (ENOSPC, EDQUOT) on an upload: 507 and a page saying that nothing was saved.
  The storage (hengyang_cms.storage.MediaStorage) has removed the partial file and the admin's
  transaction has rolled back the row.

Each is logged at most once per ``LOG_EVERY`` seconds per process, with the exception.
"""

from __future__ import annotations

import errno
import logging
import threading
import time

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger("hengyang_cms.unavailable")

LOG_EVERY = 10.0
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
RETRY_AFTER_SECONDS = 5

_last_logged: dict[str, float] = {}
_lock = threading.Lock()


def _log(kind: str, message: str, exc: BaseException) -> None:
    now = time.monotonic()
    with _lock:
        if now - _last_logged.get(kind, -LOG_EVERY) < LOG_EVERY:
            return
        _last_logged[kind] = now
    logger.error(message, exc_info=exc)


def _page(template: str, context: dict, status: int) -> HttpResponse:
    try:
        html = render_to_string(template, context)
    except Exception:  # the page must not fail in its turn
        html = f"<!DOCTYPE html><html lang='zh-CN'><meta charset='utf-8'><title>{context['title']}</title>"
        html += f"<h1>{context['title']}</h1><p>{context['message']}</p></html>"
    response = HttpResponse(html, status=status)
    response["Cache-Control"] = "no-store"
    return response


def database_unavailable(request, exc: BaseException) -> HttpResponse:
    _log("database", f"database unavailable while serving {request.method} {request.path}", exc)
    response = _page(
        "operations/unavailable.html",
        {
            "title": "网站暂时无法访问",
            "message": "数据库正在维护或重启，请过几秒钟刷新本页。您刚才提交的内容没有保存，请稍后重新提交。",
        },
        503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS


def storage_full(request, exc: BaseException) -> HttpResponse:
    _log("storage", f"media storage full while serving {request.method} {request.path}", exc)
    return _page(
        "operations/unavailable.html",
        {
            "title": "存储空间已满，图片没有保存",
            "message": (
                "服务器存放图片的磁盘已满，这次上传的图片没有保存，本次提交的其他修改也都没有保存（没有留下残缺的文件或记录）。"
                "请通知系统管理员清理或扩充存储空间，然后返回上一页重新提交。"
            ),
        },
        507,
    )


class ServiceUnavailableMiddleware:
    """Turns a database outage into a 503 page and a full media disk into a 507 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            return database_unavailable(request, exception)
        if is_disk_full(exception):
            return storage_full(request, exception)
        return None
