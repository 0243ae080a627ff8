from django.urls import path

from articles.feeds import ClusterArticlesFeed
from clusters import views

app_name = "clusters"
urlpatterns = [
    path("clusters/", views.cluster_index, name="index"),
    path("clusters/<slug:slug>/", views.cluster_detail, name="detail"),
    path("feeds/clusters/<slug:slug>/", ClusterArticlesFeed(), name="feed"),
]
