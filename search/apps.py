from django.apps import AppConfig


class SearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "search"
    verbose_name = "全文检索"

    def ready(self):
        from search import indexing

        indexing.connect_signals()
