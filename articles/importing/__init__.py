"""Importing past issues: the paper's plain-text format (``parsing``, no Django) and the
all-or-nothing importer (``importer``). Export records are read queries: ``articles.selectors``."""
