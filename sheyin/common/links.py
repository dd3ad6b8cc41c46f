"""Absolute addresses for what leaves the screen: QR codes on plaques, receipts, rights-record printouts
and certificates, links in agreements and notices, the API base shown to a bank's integrators.

Paper outlives the request that printed it, so such a link never uses the host of the staff member's
browser (an intranet alias, a port-forward, `127.0.0.1`): it uses the configured public base URL,
`SHEYIN_PUBLIC_BASE_URL` (see docs/operations.md).
"""

from __future__ import annotations

from django.conf import settings


def public_base_url() -> str:
    """The configured public base URL, without a trailing slash."""
    return str(getattr(settings, "SHEYIN_PUBLIC_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")


def public_url(path: str) -> str:
    """`path` (e.g. from `reverse()`, with its query string) under the public base URL."""
    if path.startswith(("http://", "https://")):
        raise ValueError("public_url() takes a path, not an absolute URL")
    return f"{public_base_url()}/{path.lstrip('/')}"
