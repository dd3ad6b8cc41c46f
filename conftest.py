"""Shared test fixtures: reference data and one user per role (factories live in each app's tests/)."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture
def reference(db):  # type: ignore[no-untyped-def]
    """The municipal center and the 16 district agencies, as `make run` loads them."""
    call_command("seed_reference", verbosity=0)


@pytest.fixture
def calendar(db):  # type: ignore[no-untyped-def]
    call_command("seed_calendar", verbosity=0)
