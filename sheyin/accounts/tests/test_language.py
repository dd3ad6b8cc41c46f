"""The interface language: Chinese whatever the browser says, English by the switch, kept per user."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from sheyin.accounts import services
from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.tests.factories import PASSWORD, UserFactory
from sheyin.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def make_user():  # type: ignore[no-untyped-def]
    user = UserFactory()
    user.save()  # the factory sets the password after creating the row
    return user


def switch(client, language: str, next_url: str = "/"):  # type: ignore[no-untyped-def]
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def login(client, user) -> None:  # type: ignore[no-untyped-def]
    resp = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert resp.status_code == 302


def test_a_browser_asking_for_english_gets_chinese(client) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = resp.content.decode()
    assert 'lang="zh-CN"' in body and "登录" in body
    assert resp["Content-Language"] == "zh-hans"
    assert "Accept-Language" not in resp.get("Vary", "")


def test_a_signed_in_user_with_an_english_browser_gets_chinese(client) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client.force_login(user)
    resp = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="en")
    assert resp["Content-Language"] == "zh-hans" and "我的账号" in resp.content.decode()


def test_an_anonymous_visitor_switches_with_the_cookie(client) -> None:  # type: ignore[no-untyped-def]
    resp = switch(client, "en", reverse("accounts:login"))
    assert resp.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert client.get(reverse("accounts:login"))["Content-Language"] == "en"


def test_the_switch_persists_across_logout_and_login_for_that_user(client) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    login(client, user)
    switch(client, "en")
    user.refresh_from_db()
    assert user.language == "en"
    client.post(reverse("accounts:logout"))
    client.cookies.clear()  # another browser, or the cookie gone
    login(client, user)
    resp = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert resp["Content-Language"] == "en" and "My account" in resp.content.decode()


def test_another_user_on_the_same_browser_keeps_their_own_language(client) -> None:  # type: ignore[no-untyped-def]
    english, chinese = make_user(), make_user()
    login(client, english)
    switch(client, "en")
    client.post(reverse("accounts:logout"))
    login(client, chinese)
    switch(client, "zh-hans")
    assert client.get(reverse("accounts:profile"))["Content-Language"] == "zh-hans"
    client.post(reverse("accounts:logout"))
    login(client, english)
    assert client.get(reverse("accounts:profile"))["Content-Language"] == "en"


def test_the_choice_is_audited_once(client) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client.force_login(user)
    switch(client, "en")
    switch(client, "en")
    assert AuditEvent.objects.filter(action="user.language_set", object_id=str(user.pk)).count() == 1


def test_nobody_sets_another_users_language() -> None:
    user, other = make_user(), make_user()
    with pytest.raises(NotAllowed):
        services.user_language_set(user=user, language="en", by=other)
    with pytest.raises(ValidationError):
        services.user_language_set(user=user, language="fr", by=user)
