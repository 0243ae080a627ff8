"""Photos: uploads checked by their content (``images``), renditions made once (``renditions``),
files kept in step with rows (``signals``, connected in ``ArticlesConfig.ready()``) and the
upload form (``forms``)."""
