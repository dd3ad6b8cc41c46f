"""URLs of the load benchmark only: the product's URLs plus two anchors, never served by the product
(`config.urls` does not include this module; a test checks it).

* `bench_json`: a bare Django view returning a small JSON document (no database).
* `bench_rw`: a bare view doing one indexed read (an outlet by its unique code) and one insert (an API
  nonce row, the cheapest write the product makes on every signed call; purged by its periodic job).

Both pass through the same middleware as every product view; they are what a request costs before any
of the product's own work.
"""

from __future__ import annotations

import os

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils.crypto import get_random_string

from config.urls import urlpatterns as product_urlpatterns
from sheyin.common.access import public

ANCHOR_PREFIX = "__bench__/"


@public
def bench_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


@public
def bench_rw(request: HttpRequest) -> JsonResponse:
    from sheyin.api.models import Nonce
    from sheyin.institutions.models import Outlet

    code = os.environ.get("SHEYIN_BENCH_OUTLET", "")
    found = Outlet.objects.filter(code=code).values_list("pk", flat=True).first()
    Nonce.objects.create(client_id=int(os.environ["SHEYIN_BENCH_CLIENT_ID"]), nonce=get_random_string(32))
    return JsonResponse({"ok": found is not None})


urlpatterns = [
    *product_urlpatterns,
    path(f"{ANCHOR_PREFIX}json", bench_json, name="bench_json"),
    path(f"{ANCHOR_PREFIX}rw", bench_rw, name="bench_rw"),
]
