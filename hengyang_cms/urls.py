from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path

from articles.site.media import serve_media
from articles.site.sitemaps import sitemap_file, sitemaps
from hengyang_cms import views

admin.site.site_header = "衡阳日报采编系统"
admin.site.site_title = "衡阳日报采编系统"
admin.site.index_title = "采编管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("healthz", views.healthz, name="healthz"),
    # An index of per-section sitemaps, each paginated: a sitemap file holds at most 50,000 URLs.
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": sitemaps, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_file,
        {"sitemaps": sitemaps},
        name="sitemap_section",
    ),
    path("", include("clusters.urls")),
    path("", include("articles.site.urls")),
    path("", include("search.urls")),
]

# Uploaded photos from the file system, when no web server or bucket serves them (SERVE_MEDIA).
if settings.MEDIA_URL.startswith("/"):
    urlpatterns.append(
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.+)$",
            serve_media,
            name="media",
        )
    )
