"""Tests that need a component outside Python (Redis, the streaming replica, the local S3 server) skip when it
is missing on a developer's machine; in CI they must not: `.ci/run` sets `SHEYIN_CI_REQUIRE_COMPONENTS=1`, and
then a missing component fails the test instead, naming what is missing (docs/operations.md, "CI")."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

REQUIRE_ENV = "SHEYIN_CI_REQUIRE_COMPONENTS"


def components_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def component_missing(reason: str) -> NoReturn:
    """Skip the calling test — or fail it when the run requires every component."""
    if components_required():
        pytest.fail(f"{reason} — {REQUIRE_ENV} is set, so this test may not be skipped", pytrace=False)
    pytest.skip(reason)
