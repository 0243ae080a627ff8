from datetime import date

from django.urls import path, register_converter

from articles.site import views
from articles.site.epaper import PAGE_NUMBER_REGEX
from articles.site.feeds import ClusterArticlesFeed, LatestArticlesFeed


class IsoDateConverter:
    """YYYY-MM-DD that is a real day: 2019-13-45 does not match, so it is a 404, not a 500."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)  # ValueError means "no match" to the resolver

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


class IdConverter:
    """A row id: at most 18 digits, so an id past what a 64-bit column holds is a 404 like any
    unknown id instead of an overflow in the database driver."""

    regex = r"[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


class PageNumberConverter:
    """A page number (版次) as the records hold it, A04 or 03: anything else is a 404."""

    regex = PAGE_NUMBER_REGEX

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(IsoDateConverter, "isodate")
register_converter(PageNumberConverter, "pagenumber")
register_converter(IdConverter, "id")

app_name = "articles"
urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<id:pk>/", views.article_detail, name="detail"),
    path("articles/<id:pk>/<str:slug>/", views.article_detail, name="detail"),
    path("issues/", views.issue_index, name="issues"),
    path("issues/<isodate:date>/", views.issue_detail, name="issue"),
    path("issues/<isodate:date>/<pagenumber:page>/", views.epaper_page, name="epaper_page"),
    path("issues/on/", views.issue_on_date, name="issue_on_date"),
    path("commentators/", views.commentator_index, name="commentators"),
    path("commentators/<id:pk>/", views.commentator_detail, name="commentator"),
    path("tags/<str:slug>/", views.tag_detail, name="tag"),  # taggit slugs keep Chinese: not <slug:>
    path("feeds/latest/", LatestArticlesFeed(), name="feed"),
    path("feeds/clusters/<slug:slug>/", ClusterArticlesFeed(), name="cluster_feed"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
]
