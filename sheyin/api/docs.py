"""Interactive API docs from this server only (no CDN): Swagger UI's files come from the django-ninja
package itself, served by `asset`, and the page obeys the strict CSP (no inline script or style)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import ninja
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import DocsBase

ASSET_DIR = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}


@functools.cache
def _read(name: str) -> bytes:
    return (ASSET_DIR / name).read_bytes()


def asset(request: HttpRequest, name: str) -> HttpResponse:
    if name not in ASSETS:
        raise Http404(name)
    response = HttpResponse(_read(name), content_type=ASSETS[name])
    response["Cache-Control"] = "public, max-age=86400"
    return response


class LocalSwagger(DocsBase):
    settings: dict[str, Any] = {
        "layout": "BaseLayout",
        "deepLinking": True,
        "validatorUrl": None,  # Swagger UI would otherwise call validator.swagger.io
        "persistAuthorization": False,
        "displayRequestDuration": True,
    }

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        assets = {
            n.split(".")[0].replace("-", "_"): reverse(f"{api.urls_namespace}:docs-asset", args=[n])
            for n in ASSETS
        }
        return render(
            request, "api/swagger.html", {"swagger_settings": settings, "api": api, "assets": assets}
        )
