"""Request types for views behind an access rule: the user is a real, logged-in `User`."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import User


class AuthedRequest(HttpRequest):
    user: User  # AccessRuleMiddleware guarantees a logged-in user
    htmx: HtmxDetails
