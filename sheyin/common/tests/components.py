"""Tests that need a component outside Python (Redis, the streaming replica, the local S3 server) skip when it
is missing on a developer's machine; in CI they must not: `.ci/run` sets `SHEYIN_CI_REQUIRE_COMPONENTS=1`, and
then a missing component fails the test instead, naming what is missing (docs/operations.md, "CI").

The switch also takes a list of component names (`redis,s3`): `.ci/run` narrows it that way only when it
could not start a component at all, and then prints why at the end of its output."""

from __future__ import annotations

import os
from typing import Literal, NoReturn

import pytest

REQUIRE_ENV = "SHEYIN_CI_REQUIRE_COMPONENTS"

Component = Literal["redis", "replica", "s3"]
COMPONENTS: tuple[Component, ...] = ("redis", "replica", "s3")
_ALL = ("1", "true", "yes", "on")


def components_required(component: Component | None = None) -> bool:
    """Whether the run requires `component` (or, without one, any component at all)."""
    value = os.environ.get(REQUIRE_ENV, "").strip().lower()
    if value in _ALL:
        return True
    named = {part.strip() for part in value.split(",") if part.strip()}
    return bool(named) if component is None else component in named


def component_missing(component: Component, reason: str) -> NoReturn:
    """Skip the calling test — or fail it when the run requires that component."""
    if components_required(component):
        pytest.fail(f"{reason} — {REQUIRE_ENV} requires it, so this test may not be skipped", pytrace=False)
    pytest.skip(reason)
