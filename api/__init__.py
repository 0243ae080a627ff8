"""The read API (/api/v1/): articles, issues, clusters, commentators and tags as JSON.

Layers, from the top down: urls (the URL patterns, each view behind the gate) → main (the
NinjaAPI: operations, error handlers, the OpenAPI schema, the docs page) → articles | browse
(the endpoints) → records | searching | cursors (what the endpoints share: JSON records of
the models, the calls into search, keyset cursors) → gate | problems | tokens (HTTP: methods,
tokens, the rate limit, caching headers, problem details) → models (the token).

Who sees what is articles.selectors.articles_for(user), the site's one rule: anonymous clients
read what readers see; a staff member's token reads what the article admin lists for them.
"""
