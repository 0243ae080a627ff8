"""Demo content and synthetic archives, kept apart from the production code paths: the demo
articles (text files in this folder), drawn demo photos (``drawings``) and the synthetic archive
for benchmarks (``archive``, behind ``generate_archive``)."""
