from __future__ import annotations

import pytest

from sheyin.planning import coverage


@pytest.fixture(autouse=True)
def _fresh_caches():  # type: ignore[no-untyped-def]
    """Case counts are cached in the process; every test starts from the database as it sets it up."""
    coverage.clear_caches()
    yield
    coverage.clear_caches()
