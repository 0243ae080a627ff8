"""The files the import tests read: text-format fixtures beside them, and the seed page of
2019-01-08 from the shared seed folder beside the repository (tests that need it are skipped
where it is absent)."""

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SEED_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "seed"
SEED = SEED_DIR / "000_581a6fd3e0f6c134.txt"
needs_seed = pytest.mark.skipif(not SEED_DIR.is_dir(), reason="the shared seed folder is not beside the repository")
