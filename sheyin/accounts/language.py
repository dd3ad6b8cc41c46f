"""The interface language: Chinese unless the person chose English with the header switch.

The browser's Accept-Language is never consulted: officers' browsers are often set to English by the
IT department, yet the platform speaks Chinese first. The choice is remembered
- for a signed-in user, on the user (`User.language`, set by the switch through `user_language_set`),
  so it follows them to any computer and survives logging out and in again;
- for an anonymous visitor (the login page, the public portal), in the language cookie the switch sets.
A user who never used the switch while signed in follows the cookie (e.g. chosen on the login page).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


def _supported(code: str | None) -> str | None:
    return code if code in dict(settings.LANGUAGES) else None


def chosen_language(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        saved = _supported(getattr(user, "language", ""))
        if saved:
            return saved
    cookie = _supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    return cookie or settings.LANGUAGE_CODE


class LanguageMiddleware:
    """In place of Django's LocaleMiddleware, after the authentication middleware (it reads the user)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
