"""Production sessions (Redis in front of the database): a request restarts the idle timer in the cache
(not again within 15 seconds); the database copy is rewritten when the session changes or once a minute,
not on every page.
Sessions signed in through Django's ModelBackend, before the platform's own backend, stay signed in."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from sheyin.accounts import session_store
from sheyin.accounts.backends import BACKEND, LEGACY_BACKEND
from sheyin.accounts.middleware import LOGIN_AT
from sheyin.accounts.session_store import CACHE_RENEW_SECONDS, DB_RENEW_SECONDS, SessionStore
from sheyin.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PRODUCTION_SESSIONS = override_settings(SESSION_ENGINE="sheyin.accounts.session_store")


def make_user():  # type: ignore[no-untyped-def]
    user = UserFactory()
    user.save()  # with its password, so that the session's hash matches
    return user


def _row_expiry(key: str):  # type: ignore[no-untyped-def]
    return Session.objects.get(session_key=key).expire_date


@PRODUCTION_SESSIONS
def test_a_renewal_restarts_the_idle_timer_in_the_cache_and_leaves_the_row_for_a_minute(client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user())
    key = client.cookies["sessionid"].value
    written = _row_expiry(key)
    with mock.patch.object(session_store, "_now", return_value=session_store._now() + 30):
        assert client.get(reverse("accounts:profile")).status_code == 200
    assert _row_expiry(key) == written  # renewed in the cache only
    assert cache.get(SessionStore.cache_key_prefix + key) is not None
    with mock.patch.object(session_store, "_now", return_value=session_store._now() + DB_RENEW_SECONDS + 1):
        assert client.get(reverse("accounts:profile")).status_code == 200
    assert _row_expiry(key) > written  # a minute on: the row follows


@PRODUCTION_SESSIONS
def test_a_renewal_moments_after_the_last_one_writes_nothing(client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user())
    key = SessionStore.cache_key_prefix + client.cookies["sessionid"].value
    start = session_store._now()
    writes: list[str] = []
    real_set = cache.set

    def counting_set(k, *args, **kwargs):  # type: ignore[no-untyped-def]
        writes.append(k)
        return real_set(k, *args, **kwargs)

    with mock.patch.object(session_store, "_now", return_value=start):
        assert client.get(reverse("accounts:profile")).status_code == 200  # the first page may write
    with mock.patch.object(cache, "set", side_effect=counting_set):
        for offset in (1, CACHE_RENEW_SECONDS - 1):
            with mock.patch.object(session_store, "_now", return_value=start + offset):
                assert client.get(reverse("accounts:profile")).status_code == 200
        assert key not in writes
        with mock.patch.object(session_store, "_now", return_value=start + CACHE_RENEW_SECONDS):
            assert client.get(reverse("accounts:profile")).status_code == 200
        assert writes.count(key) == 1  # the idle timer restarted


def test_a_change_to_the_session_is_written_to_the_database_at_once() -> None:
    store = SessionStore()
    store["step"] = 1
    store.save(must_create=True)
    again = SessionStore(store.session_key)
    again["step"] = 2
    again.save()
    cache.delete(again.cache_key)  # as after a Redis restart: read from the row
    assert SessionStore(store.session_key).load()["step"] == 2


@PRODUCTION_SESSIONS
def test_after_the_cache_lost_a_session_it_is_read_back_from_the_database(client) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client.force_login(user)
    cache.clear()
    resp = client.get(reverse("accounts:profile"))
    assert resp.status_code == 200 and user.display_name in resp.content.decode()


@pytest.mark.parametrize("engine", ["django.contrib.sessions.backends.db", "sheyin.accounts.session_store"])
def test_a_session_signed_in_through_djangos_model_backend_stays_signed_in(client, engine) -> None:  # type: ignore[no-untyped-def]
    import time

    from django.conf import settings

    user = make_user()
    with override_settings(SESSION_ENGINE=engine):
        from importlib import import_module

        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = LEGACY_BACKEND
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store[LOGIN_AT] = time.time()
        store.save(must_create=True)
        client.cookies["sessionid"] = store.session_key
        resp = client.get(reverse("accounts:profile"))
        assert resp.status_code == 200 and user.display_name in resp.content.decode()
        assert client.session[BACKEND_SESSION_KEY] == BACKEND


def test_the_platforms_backend_reads_no_django_permission_tables(django_assert_num_queries) -> None:
    from sheyin.accounts.backends import AccountBackend

    user = UserFactory()
    with django_assert_num_queries(0):
        assert AccountBackend().get_all_permissions(user) == set()
