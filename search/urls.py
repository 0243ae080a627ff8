from django.urls import path

from search import views

app_name = "search"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("search/export.csv", views.export_csv, name="export_csv"),
    path("search/export.jsonl", views.export_jsonl, name="export_jsonl"),
]
