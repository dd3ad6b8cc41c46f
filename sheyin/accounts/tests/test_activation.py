"""No administrator can become a business user (三员分立, 等保 level 3): a new or reset account has no password
anyone but its owner knows; the owner sets it with a one-time code sent only to them. A password change or
reset ends every session and personal token. Demo accounts never work outside demo mode."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import ClassVar

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from sheyin.accounts import services
from sheyin.accounts.models import ActivationCode, User
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import PASSWORD, user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.institutions.tests.factories import municipal
from sheyin.notifications.models import Notification

pytestmark = pytest.mark.django_db

WHOAMI = "/api/v1/auth/whoami"


class Phone:
    """A test SMS gateway: what reaches the owner's phone, and nowhere else."""

    inbox: ClassVar[list[tuple[int, str]]] = []

    def send(self, *, user_id: int, kind: str, title: str) -> None:
        return

    def send_secret(self, *, user_id: int, title: str, body: str) -> None:
        self.inbox.append((user_id, body))


def code_sent_to(user: User) -> str:
    return re.search(r"\d{8}", [b for uid, b in Phone.inbox if uid == user.pk][-1]).group(0)  # type: ignore[union-attr]


PRODUCTION_LIKE = override_settings(
    DEMO_MODE=False, SHEYIN_NOTIFICATION_SENDERS=["sheyin.accounts.tests.test_activation.Phone"]
)


@pytest.fixture(autouse=True)
def _empty_phone():  # type: ignore[no-untyped-def]
    Phone.inbox.clear()


@pytest.fixture
def sends(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Codes go out after the commit: `with sends():` runs them as a committed request would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def login(client: Client, username: str, password: str) -> bool:
    client.post(reverse("accounts:login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


@PRODUCTION_LIKE
def test_the_system_admin_cannot_take_over_a_business_account_end_to_end(reference, caplog, sends) -> None:  # type: ignore[no-untyped-def]
    from sheyin.api.services import token_create

    caplog.set_level(logging.DEBUG)
    sys_admin = user_with_role(Role.SYSTEM_ADMIN, agency=municipal())
    officer = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal(), phone_masked="139****5678")
    _row, token = token_create(user=officer, name="报表脚本", days=30, by=officer)
    owner = Client()
    assert login(owner, officer.username, PASSWORD)
    assert Client().get(WHOAMI, headers={"Authorization": f"Bearer {token}"}).status_code == 200

    admin = Client()
    admin.force_login(sys_admin)
    # The old takeover: choose a password for the account. Now a reset, whatever password is sent.
    with sends():
        resp = admin.post(reverse("accounts:user_reset_password", args=[officer.pk]),
                          {"password": "Take-over-2026", "reason": "本人忘记密码"}, follow=True)  # fmt: skip
    page = resp.content.decode()
    assert "激活码已发送至" in page
    code = code_sent_to(officer)
    assert code not in page

    assert not login(Client(), officer.username, "Take-over-2026")
    assert not login(Client(), officer.username, PASSWORD)  # the old password no longer works
    assert owner.get(reverse("dashboards:home")).status_code == 302  # the owner's session ended
    assert Client().get(WHOAMI, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    with pytest.raises(PermissionDenied):
        services.user_set_password(user=officer, new_password="Take-over-2026", by=sys_admin)
    for guess in ("00000000", "12345678"):
        admin.post(reverse("accounts:activate"), {"username": officer.username, "code": guess,
                                                  "new_password1": "Take-over-2026", "new_password2": "Take-over-2026"})  # fmt: skip
    assert not login(Client(), officer.username, "Take-over-2026")

    # Nothing the administrator can read holds the code: pages, the audit trail, the logs, messages.
    detail = admin.get(reverse("accounts:user_detail", args=[officer.pk])).content.decode()
    assert code not in detail and "待本人激活" in detail
    assert not any(code in f"{e.reason}{e.before}{e.after}{e.object_repr}" for e in AuditEvent.objects.all())
    assert code not in caplog.text
    assert not Notification.objects.filter(body__contains=code).exists()

    # The owner, and only the owner, sets the new password with the code from their phone.
    resp = Client().post(reverse("accounts:activate"), {"username": officer.username, "code": code,
                                                        "new_password1": "Own-choice-2027", "new_password2": "Own-choice-2027"})  # fmt: skip
    assert resp.status_code == 302 and resp["Location"] == reverse("accounts:login")
    fresh = Client()
    assert login(fresh, officer.username, "Own-choice-2027")
    assert fresh.get(reverse("dashboards:home")).status_code == 200  # no forced change: it is their own
    assert AuditEvent.objects.filter(
        action="user.password_reset", actor=sys_admin, reason="本人忘记密码"
    ).exists()
    assert AuditEvent.objects.filter(action="user.activate", actor=officer, outcome="success").exists()


@PRODUCTION_LIKE
def test_a_new_account_has_no_password_until_its_owner_activates_it(client, reference, sends) -> None:  # type: ignore[no-untyped-def]
    sys_admin = user_with_role(Role.SYSTEM_ADMIN, agency=municipal())
    client.force_login(sys_admin)
    form = client.get(reverse("accounts:user_create")).content.decode()
    assert 'name="password"' not in form
    refused = client.post(reverse("accounts:user_create"), {"username": "li.si", "display_name": "李四"})
    assert "请填写手机号或电子邮箱" in refused.content.decode()
    with sends():
        resp = client.post(reverse("accounts:user_create"),
                           {"username": "li.si", "display_name": "李四", "phone": "13912345678"}, follow=True)  # fmt: skip
    assert "激活码已发送至139****5678" in resp.content.decode()
    user = User.objects.get(username="li.si")
    assert not user.has_usable_password() and user.phone_masked == "139****5678"
    assert "13912345678" not in user.phone_enc
    code = code_sent_to(user)
    assert code not in resp.content.decode()
    Client().post(reverse("accounts:activate"), {"username": "LI.SI", "code": code,
                                                 "new_password1": "Li-si-own-2026", "new_password2": "Li-si-own-2026"})  # fmt: skip
    assert login(Client(), "li.si", "Li-si-own-2026")
    assert ActivationCode.objects.get(user=user).used_at is not None


def test_in_demo_mode_the_code_reaches_the_owners_own_message_list(client, reference, sends) -> None:  # type: ignore[no-untyped-def]
    sys_admin = user_with_role(Role.SYSTEM_ADMIN, agency=municipal())
    client.force_login(sys_admin)
    with sends():
        client.post(reverse("accounts:user_create"), {"username": "wang.wu", "display_name": "王五"})
    user = User.objects.get(username="wang.wu")
    message = Notification.objects.get(user=user)
    code = re.search(r"\d{8}", message.body).group(0)  # type: ignore[union-attr]
    assert code not in client.get(reverse("notifications:list")).content.decode()  # not the admin's list
    page = Client().get(reverse("accounts:activate"), {"username": "wang.wu"}).content.decode()
    assert 'data-testid="demo-inbox"' in page and code in page
    with override_settings(DEMO_MODE=False):
        page = Client().get(reverse("accounts:activate"), {"username": "wang.wu"}).content.decode()
        assert code not in page and "demo-inbox" not in page


@PRODUCTION_LIKE
def test_five_wrong_codes_void_it_and_an_expired_code_is_refused(reference, sends) -> None:  # type: ignore[no-untyped-def]
    sys_admin = user_with_role(Role.SYSTEM_ADMIN, agency=municipal())
    with sends():
        user = services.user_create(username="zhao", display_name="赵", phone="13700001111", by=sys_admin)
    code = code_sent_to(user)
    wrong = "0" * 8 if code != "0" * 8 else "1" * 8
    for _i in range(5):
        with pytest.raises(ValidationError, match="账号或激活码不正确"):
            services.account_activate(username="zhao", code=wrong, new_password="Zhao-own-2026")
    with pytest.raises(ValidationError):
        services.account_activate(username="zhao", code=code, new_password="Zhao-own-2026")
    assert ActivationCode.objects.get(user=user).void_at is not None
    with sends():
        services.user_resend_activation(user=user, by=sys_admin)
    fresh = code_sent_to(user)
    ActivationCode.objects.filter(user=user, void_at__isnull=True).update(
        expires_at=timezone.now() - dt.timedelta(1)
    )
    with pytest.raises(ValidationError):
        services.account_activate(username="zhao", code=fresh, new_password="Zhao-own-2026")
    with pytest.raises(ValidationError, match="账号或激活码不正确"):  # same answer: no account enumeration
        services.account_activate(username="nobody", code=fresh, new_password="Zhao-own-2026")


@PRODUCTION_LIKE
def test_a_new_code_voids_the_older_one_and_the_password_policy_applies(reference, sends) -> None:  # type: ignore[no-untyped-def]
    sys_admin = user_with_role(Role.SYSTEM_ADMIN, agency=municipal())
    with sends():
        user = services.user_create(username="qian", display_name="钱", email="qian@example.cn", by=sys_admin)
    first = code_sent_to(user)
    assert ActivationCode.objects.get(user=user).sent_to == "q***@example.cn"
    with sends():
        services.user_resend_activation(user=user, by=sys_admin)
    second = code_sent_to(user)
    if first != second:
        with pytest.raises(ValidationError):
            services.account_activate(username="qian", code=first, new_password="Qian-own-2026")
    with pytest.raises(ValidationError):
        services.account_activate(username="qian", code=second, new_password="weak")
    assert services.account_activate(
        username="qian", code=second, new_password="Qian-own-2026"
    ).check_password("Qian-own-2026")


def test_the_three_admins_cannot_reset_each_other_in_the_system(reference) -> None:  # type: ignore[no-untyped-def]
    sys_admin = user_with_role(Role.SYSTEM_ADMIN, agency=municipal())
    auditor = user_with_role(Role.AUDIT_ADMIN, agency=municipal())
    with pytest.raises(PermissionDenied):
        services.user_reset_password(user=auditor, reason="接管", by=sys_admin)
    assert auditor.check_password(PASSWORD)


def test_a_password_change_ends_every_other_session_and_token_but_not_this_one(reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.api.services import token_create

    officer = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())
    _row, token = token_create(user=officer, name="脚本", days=30, by=officer)
    here, elsewhere = Client(), Client()
    assert login(here, officer.username, PASSWORD) and login(elsewhere, officer.username, PASSWORD)
    resp = here.post(reverse("accounts:password_change"), {"old_password": PASSWORD,
                                                           "new_password1": "Brand-new-2026", "new_password2": "Brand-new-2026"})  # fmt: skip
    assert resp.status_code == 302
    assert here.get(reverse("dashboards:home")).status_code == 200
    assert elsewhere.get(reverse("dashboards:home")).status_code == 302
    assert Client().get(WHOAMI, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_demo_accounts_are_refused_outside_demo_mode(reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.api.services import token_create

    demo = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal(), is_demo=True)
    _row, token = token_create(user=demo, name="脚本", days=30, by=demo)
    session = Client()
    assert login(session, demo.username, PASSWORD)  # demo mode: the published accounts work
    with override_settings(DEMO_MODE=False):
        assert session.get(reverse("dashboards:home")).status_code == 302
        resp = Client().post(reverse("accounts:login"), {"username": demo.username, "password": PASSWORD})
        assert "演示账号不能在正式环境中登录" in resp.content.decode()
        assert Client().get(WHOAMI, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_demo_seed_flags_its_accounts_and_the_migration_flags_old_ones(reference) -> None:  # type: ignore[no-untyped-def]
    import importlib

    from django.apps import apps

    from sheyin.accounts.management.commands.seed_demo import DEMO_PASSWORD, Command
    from sheyin.institutions.tests.factories import BankFactory, OutletFactory

    migration = importlib.import_module(
        "sheyin.accounts.migrations.0002_activation_codes_encrypted_phone_demo_flag"
    )
    kept = services.user_create(username="outlet_staff", display_name="x", password=DEMO_PASSWORD, by=None)
    changed = services.user_create(username="bank_admin", display_name="y", password="Changed-2026", by=None)
    migration.flag_demo_accounts(apps, None)
    kept.refresh_from_db()
    changed.refresh_from_db()
    assert kept.is_demo and not changed.is_demo
    bank = BankFactory(short_name="工商银行")
    OutletFactory(bank=bank)
    Command()._accounts([bank])  # type: ignore[list-item]
    assert User.objects.filter(username="muni_admin", is_demo=True).exists()
