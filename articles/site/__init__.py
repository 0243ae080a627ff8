"""The public site: views and their URLs, the article page (``article_page``), presentation
helpers, feeds, sitemaps and media serving. Nothing outside this package imports its views."""
