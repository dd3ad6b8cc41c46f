"""The REST API under /api/v1/ (Django Ninja), the contract with the banks' head-office systems (R2.0).

Each domain app contributes, in its `sheyin/<app>/api.py`:
- `router`: mounted at /api/v1/<app>/ (authenticated: `auth=ANY_AUTH` from sheyin.api.auth);
- `public_router` (optional): mounted at /api/v1/public/ (`auth=None`, public data only);
- `CLIENT_PERMISSIONS` (optional): permission codes a bank's head-office client may use.
They are discovered here so that no app edits this file. Signing, idempotency, rate limits, problem
responses and audit are the same for every router: see sheyin/api/gateway.py and docs/api.md.
"""

from __future__ import annotations

import importlib

from django.conf import settings

from sheyin.api import routes as api_routes
from sheyin.api.gateway import SheyinAPI
from sheyin.api.principal import register_client_permissions
from sheyin.api.signing import ALGORITHM

api = SheyinAPI(
    title="社银合作管理平台 API",
    version="1.0.0",
    description=(
        "总对总 integration API for banks' head-office systems (R2.0). Bank clients sign every request "
        f"({ALGORITHM}; headers X-Sheyin-Key, X-Sheyin-Timestamp, X-Sheyin-Nonce, X-Sheyin-Signature); "
        "users may call with a personal token (Authorization: Bearer). Writes need an Idempotency-Key. "
        "Errors are application/problem+json with a stable `code`. See docs/api.md."
    ),
    urls_namespace="api-v1",
)
api.add_router("/auth/", api_routes.router)

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
    public_router = getattr(module, "public_router", None)
    if public_router is not None:
        api.add_router("/public/", public_router)
    register_client_permissions(getattr(module, "CLIENT_PERMISSIONS", set()))
