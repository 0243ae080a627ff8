from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "稿件"

    def ready(self):
        from articles.photos import signals

        signals.connect()

        from articles.epaper import signals as epaper_signals

        epaper_signals.connect()  # page images: renditions after commit, replaced files deleted

        from articles.site import article_page

        article_page.connect()  # stored article pages follow edits to what they show
