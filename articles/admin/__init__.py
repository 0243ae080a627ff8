"""The newsroom's admin for articles and what they are made of.

- ``model_admins``: the model admins (articles with their sections, credits and photos; issues,
  pages, commentators, contributors, photos), registered when Django loads this package;
- ``workflow``: the review workflow's half of the article admin (buttons, confirmations, bulk
  actions, review trail, preview, revisions, optimistic locking);
- ``importing``: uploading files in the paper's format, with a preview to confirm;
- ``tags``: tag autocomplete over tag names;
- ``accounts``: adding a person with their role, the login form, Chinese names for django-axes;
- ``epaper``: page files (PDF or image), the region editor and drafts from a region's text.
"""

from articles.admin import accounts, epaper, model_admins  # noqa: F401  (registers the model admins)

accounts.install()
epaper.install()
