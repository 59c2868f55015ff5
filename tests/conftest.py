"""Shared test set-up: make the helper modules in ``tests/`` importable; repeatable examples."""

from __future__ import annotations

import os
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

# property-based tests draw the same examples on every machine and every run (no example
# database carried between runs), so that `make test` gives one verdict everywhere; set
# HYPOTHESIS_PROFILE=explore to search with fresh random examples
from hypothesis import settings  # noqa: E402

settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
