"""Pages offer only the steps the server will take (guards included) and name who acts next; the to-dos
of a step close when it is taken, by whoever takes it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sheyin.cooperation import services
from sheyin.notifications.models import Notification

from .factories import People, cooperating, inspected, submitted

pytestmark = pytest.mark.django_db


def _page(user: Any, url: str) -> str:
    c = Client()
    c.force_login(user)
    return c.get(url).content.decode()


def _open_todos(user: Any, url: str) -> int:
    return Notification.objects.filter(user=user, kind="task", done_at__isnull=True, url=url).count()


def test_acceptance_refused_by_a_failed_must_item_is_not_offered_and_says_why(reference) -> None:
    p = cooperating()
    app = inspected(p, fail=("M5",))  # a must item failed (R3.2): the server refuses 验收通过
    url = reverse("cooperation:application_detail", args=[app.pk])
    body = _page(p.district_admin, url)
    accept = reverse("cooperation:application_action", args=[app.pk, "accept"])
    assert f'action="{accept}"' not in body
    assert 'data-testid="blocked-step"' in body and "必备项不符合" in body
    assert "R3.2" not in body  # the refusal is shown in the user's words, without the rule number
    # the steps the server does allow stay offered
    assert f'action="{reverse("cooperation:application_action", args=[app.pk, "rectify"])}"' in body
    # and the server refuses what is not offered
    c = Client()
    c.force_login(p.district_admin)
    c.post(accept)
    app.refresh_from_db()
    assert app.status == "inspected"


def test_a_passed_inspection_offers_acceptance(reference) -> None:
    p = cooperating()
    app = inspected(p)
    body = _page(p.district_admin, reverse("cooperation:application_detail", args=[app.pk]))
    assert f'action="{reverse("cooperation:application_action", args=[app.pk, "accept"])}"' in body


def test_the_bank_is_told_who_acts_next_while_the_district_reviews(reference) -> None:
    p = cooperating()
    app = submitted(p)
    body = _page(p.bank_admin, reverse("cooperation:application_detail", args=[app.pk]))
    assert "等待区社保经办机构审核受理" in body
    assert "当前没有您可办理的操作" not in body


def test_the_reviewer_of_a_bank_application_is_not_offered_its_approval(reference) -> None:
    from sheyin.accounts.models import RoleAssignment
    from sheyin.accounts.roles import Role

    p = People()
    data = {"applicant": "branch", "contact_name": "甲", "contact_phone": "1", "planned_outlets": 1,
            "proposal": "方案"}  # fmt: skip
    app = services.bank_application_create(bank=p.bank, data=data, by=p.bank_admin)
    app = services.bank_application_submit(application=app, by=p.bank_admin)
    # a municipal admin who also holds the officer's role reviews, and then may not approve (maker–checker)
    agency = p.muni_admin.assignments.get().agency
    RoleAssignment.objects.create(user=p.muni_admin, role=Role.MUNICIPAL_OFFICER, agency=agency)
    services.bank_application_review(application=app, opinion="材料齐全", by=p.muni_admin)
    url = reverse("cooperation:bank_application_detail", args=[app.pk])
    approve = reverse("cooperation:bank_application_action", args=[app.pk, "approve"])
    mine = _page(p.muni_admin, url)
    assert f'action="{approve}"' not in mine and "审核人不能审批同一申请" in mine
    assert f'action="{approve}"' in _page(p.muni_admin2, url)


def test_submitting_and_admitting_close_the_to_dos_they_answer(reference) -> None:
    p = cooperating()
    app = submitted(p)
    url = reverse("cooperation:application_detail", args=[app.pk])
    assert _open_todos(p.district_officer, url) == 1 and _open_todos(p.district_admin, url) == 1
    services.outlet_application_admit(application=app, by=p.district_officer)
    # taken by the officer: the admin's copy of the same to-do is done too
    assert _open_todos(p.district_officer, url) == 0 and _open_todos(p.district_admin, url) == 0
    n = Notification.objects.filter(user=p.district_admin, url=url).get()
    assert n.done_at is not None and n.read_at is not None


def test_a_returned_application_to_do_closes_when_the_bank_submits_again(reference) -> None:
    p = cooperating()
    app = submitted(p)
    services.outlet_application_return(application=app, reason="补充平面图", by=p.district_officer)
    url = reverse("cooperation:application_detail", args=[app.pk])
    assert _open_todos(p.bank_admin, url) == 1
    services.outlet_application_submit(application=app, by=p.bank_admin)
    assert _open_todos(p.bank_admin, url) == 0
    assert _open_todos(p.district_officer, url) == 1  # the next step's to-do
