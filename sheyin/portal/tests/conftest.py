from __future__ import annotations

import shutil
import tempfile

import pytest

from sheyin.portal import nearest, selectors


@pytest.fixture(autouse=True)
def fresh_index(monkeypatch):  # type: ignore[no-untyped-def]
    """Each test starts without a nearest-outlet index and checks the table's stamp on every query."""
    nearest.reset()
    selectors._GUIDE_CACHE.clear()
    monkeypatch.setattr(nearest, "CHECK_SECONDS", 0.0)
    yield
    nearest.reset()
    selectors._GUIDE_CACHE.clear()


@pytest.fixture
def media(settings):  # type: ignore[no-untyped-def]
    """Uploaded files go to a temporary directory removed after the test."""
    path = tempfile.mkdtemp(prefix="portal-media-")
    settings.MEDIA_ROOT = path
    yield path
    shutil.rmtree(path, ignore_errors=True)
