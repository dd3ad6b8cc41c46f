"""Login security (等保 level 3): lock-out, password policy, expiry, idle sessions, revocation, CSP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from sheyin.accounts import services
from sheyin.accounts.models import User
from sheyin.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def make_user() -> User:
    user = UserFactory()
    user.save()
    return user


def post_login(client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_the_login_page_speaks_chinese_by_default(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="zh-CN"' in body and "社银合作管理平台" in body and "登录" in body


def test_five_failures_lock_the_account_even_with_the_right_password(client) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    for _ in range(5):
        resp = post_login(client, user.username, "Wrong-pass-9")
    resp = post_login(client, user.username, PASSWORD)
    assert resp.status_code == 429
    assert "账号已锁定" in resp.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock_and_the_error_is_in_chinese(client) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    for _ in range(4):
        resp = post_login(client, user.username, "Wrong-pass-9")
    assert "账号或密码错误" in resp.content.decode()
    assert post_login(client, user.username, PASSWORD).status_code == 302


def test_the_lock_lasts_ten_minutes_by_default() -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    assert pytest.approx(10 / 60) == settings.AXES_COOLOFF_TIME


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short1A!", None), ("alllowercase1", "至少3类"), ("Qz8wxymn", None), ("abc", "至少")],
)
def test_passwords_need_eight_characters_of_three_classes(password: str, reason: str | None) -> None:
    user = make_user()
    if reason is None:
        services.user_set_password(user=user, new_password=password, by=user)
    else:
        with pytest.raises(ValidationError) as exc:
            services.user_set_password(user=user, new_password=password, by=user)
        assert any(reason in m for m in exc.value.messages)


def test_none_of_the_last_five_passwords_may_be_reused() -> None:
    user = make_user()
    history = [f"Pass-word-{i}" for i in range(5)]
    for p in history:
        services.user_set_password(user=user, new_password=p, by=user)
    for p in history:
        with pytest.raises(ValidationError, match="最近5次"):
            services.user_set_password(user=user, new_password=p, by=user)
    # The first password is now the sixth most recent: it may come back.
    services.user_set_password(user=user, new_password=PASSWORD, by=user)


def test_an_expired_password_must_be_changed_before_anything_else(client) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=91))
    client.force_login(user)
    resp = client.get(reverse("dashboards:home"))
    assert resp.status_code == 302 and resp["Location"] == reverse("accounts:password_change")


def test_sessions_end_after_ten_idle_minutes() -> None:
    assert settings.SESSION_COOKIE_AGE == 600
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_revoking_sessions_takes_effect_on_the_very_next_request(client) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client.force_login(user)
    assert client.get(reverse("dashboards:home")).status_code == 200
    services.user_revoke_sessions(user=user, reason="测试", by=None)
    resp = client.get(reverse("dashboards:home"))
    assert resp.status_code == 302 and resp["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session


def test_every_page_carries_a_strict_content_security_policy(client) -> None:  # type: ignore[no-untyped-def]
    csp = client.get(reverse("accounts:login"))["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_passwords_are_hashed_with_argon2_in_production() -> None:
    from config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_check_deploy_is_clean_under_production_settings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        # Its own empty database: the keys are compared with what a database stores (sheyin.common.keys).
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SHEYIN_SECRET_KEY": "k" * 30 + "-production-like-secret-key-0123456789",
        "SHEYIN_DATA_KEY": "aa" * 16,
        "SHEYIN_INDEX_KEY": "bb" * 32,
        "SHEYIN_ALLOWED_HOSTS": "sheyin.example.cn",
    }
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_staff_of_a_terminated_outlet_cannot_log_in_again(client, reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.accounts.roles import Role
    from sheyin.accounts.tests.factories import user_with_role
    from sheyin.institutions.models import OutletStatus
    from sheyin.institutions.tests.factories import OutletFactory

    staff = user_with_role(Role.OUTLET_STAFF, outlet=OutletFactory(status=OutletStatus.TERMINATED))
    resp = post_login(client, staff.username, PASSWORD)
    assert resp.status_code == 200
    assert "合作已终止" in resp.content.decode()
    assert "_auth_user_id" not in client.session
