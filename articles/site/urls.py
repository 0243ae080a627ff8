from datetime import date

from django.urls import path, register_converter

from articles.site import views
from articles.site.feeds import ClusterArticlesFeed, LatestArticlesFeed


class IsoDateConverter:
    """YYYY-MM-DD that is a real day: 2019-13-45 does not match, so it is a 404, not a 500."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)  # ValueError means "no match" to the resolver

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


register_converter(IsoDateConverter, "isodate")

app_name = "articles"
urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<int:pk>/", views.article_detail, name="detail"),
    path("articles/<int:pk>/<str:slug>/", views.article_detail, name="detail"),
    path("issues/", views.issue_index, name="issues"),
    path("issues/<isodate:date>/", views.issue_detail, name="issue"),
    path("commentators/", views.commentator_index, name="commentators"),
    path("commentators/<int:pk>/", views.commentator_detail, name="commentator"),
    path("tags/<str:slug>/", views.tag_detail, name="tag"),  # taggit slugs keep Chinese: not <slug:>
    path("feeds/latest/", LatestArticlesFeed(), name="feed"),
    path("feeds/clusters/<slug:slug>/", ClusterArticlesFeed(), name="cluster_feed"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
]
