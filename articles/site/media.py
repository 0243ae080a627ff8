"""Serving media where no web server or bucket does it."""

from django.conf import settings
from django.http import Http404
from django.views.static import serve

from articles.photos.renditions import RENDITION_DIR


def serve_media(request, path):
    """Serve var/media/ from Django when SERVE_MEDIA is on (development, `make run`).

    Checked per request rather than when URLs load, so tests can switch it on. Renditions have
    names that change with their source, so browsers may keep them for a year.
    """
    if not getattr(settings, "SERVE_MEDIA", settings.DEBUG):
        raise Http404("media is served by the web server")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    if path.startswith(f"{RENDITION_DIR}/"):
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "public, max-age=86400"
    return response
