"""The REST API under /api/v1/ (Django Ninja). Each domain app contributes a `router` in its `api.py`;
they are discovered here so that no app edits this file."""

from __future__ import annotations

import importlib

from django.conf import settings
from ninja import NinjaAPI

api = NinjaAPI(
    title="社银合作管理平台 API",
    version="1.0.0",
    description="总对总 integration API for banks' head-office systems (R2.0). See README for signing.",
    urls_namespace="api",
)

for app in settings.INSTALLED_APPS:
    if not app.startswith("sheyin.") or app == "sheyin.api":
        continue
    try:
        module = importlib.import_module(f"{app}.api")
    except ModuleNotFoundError as exc:
        if exc.name != f"{app}.api":
            raise
        continue
    router = getattr(module, "router", None)
    if router is not None:
        api.add_router(f"/{app.split('.')[-1]}/", router)
