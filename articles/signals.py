"""What the articles app announces to the apps that keep data derived from articles.

Bulk writes (imports, the synthetic archive) insert rows without ``save()``, so no model signal
fires; they send these instead, as soon as the rows are written (inside the transaction, like
``post_save``: a subscriber that must wait for the commit uses ``transaction.on_commit``).
``search`` subscribes in its ``ready()``: articles never imports search.
"""

from django.dispatch import Signal

# article_ids: list[int]; bulk_load: True while a large load is under way and a single
# ``bulk_load_finished`` will follow (a subscriber may then wait and rebuild once).
articles_written = Signal()

# article_ids: list[int] — every article the load created.
bulk_load_finished = Signal()
