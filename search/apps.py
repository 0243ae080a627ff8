from django.apps import AppConfig


class SearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "search"
    verbose_name = "全文检索"

    def ready(self):
        from search import indexing

        # Model signals for single saves, articles.signals for bulk writes, and a rebuild after
        # migrations that change the tokens (see search.indexing).
        indexing.connect_signals(self)

        from articles.hooks import register_admin_search
        from search.admin_search import admin_search

        register_admin_search(admin_search)  # the article admin's search box uses the index
