"""Discovery of per-app hook modules (reference data, demo data), so no app edits another's command."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

from django.conf import settings


def app_modules(name: str) -> Iterator[ModuleType]:
    """Each installed `sheyin.*` app's `<app>.<name>` module, in INSTALLED_APPS order."""
    for app in settings.INSTALLED_APPS:
        if not app.startswith("sheyin."):
            continue
        try:
            yield importlib.import_module(f"{app}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.{name}":
                raise
