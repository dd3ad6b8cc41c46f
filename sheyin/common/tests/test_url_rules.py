"""Every URL declares who may reach it (deny by default), and a view without a rule is refused."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from sheyin.common.access import EXEMPT_PREFIXES, AccessRuleMiddleware, rule_of


def walk(patterns, prefix: str = ""):  # type: ignore[no-untyped-def]
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def test_every_url_has_a_permission_rule() -> None:
    missing = [
        route
        for route, view in walk(get_resolver().url_patterns)
        if not ("/" + route).startswith(EXEMPT_PREFIXES) and rule_of(view) is None
    ]
    assert not missing, f"views without an access rule: {missing}"


def test_the_api_is_the_only_exempt_prefix_and_it_authenticates_itself() -> None:
    assert EXEMPT_PREFIXES == ("/api/",)


@pytest.mark.django_db
def test_a_view_without_a_rule_is_refused() -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    def naked(request):  # type: ignore[no-untyped-def]
        return HttpResponse("open")

    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    mw = AccessRuleMiddleware(lambda r: HttpResponse())
    with pytest.raises(PermissionDenied):
        mw.process_view(request, naked, (), {})
