from __future__ import annotations

import shutil
import tempfile

import pytest

from sheyin.cooperation import open_items


@pytest.fixture(autouse=True)
def _verify_mounted(settings):  # type: ignore[no-untyped-def]
    """/verify/plaque/<n>/ answers in tests whether or not config/urls.py mounts it yet."""
    settings.ROOT_URLCONF = "sheyin.cooperation.tests.urls"


@pytest.fixture(autouse=True)
def _media(settings):  # type: ignore[no-untyped-def]
    path = tempfile.mkdtemp(prefix="coop-media-")
    settings.MEDIA_ROOT = path
    yield
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(autouse=True)
def _own_open_item_sources():  # type: ignore[no-untyped-def]
    """These tests decide which open-item sources exist (other apps test their own sources)."""
    saved = list(open_items._SOURCES)
    open_items._SOURCES.clear()
    yield
    open_items._SOURCES[:] = saved


@pytest.fixture
def open_item_source():  # type: ignore[no-untyped-def]
    """A stand-in for casework's 'archives not handed over' source; the test sets what it reports."""
    reported: list[dict[str, str]] = []

    def source(outlet):  # type: ignore[no-untyped-def]
        return [dict(r) for r in reported]

    open_items.register_open_item_source(source)
    yield reported
    open_items.unregister_open_item_source(source)
