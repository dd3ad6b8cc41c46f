"""Data scope of support for every role (design rule 2): Ticket and GuidanceSession follow the outlet;
DistrictContact is the district's; FaqEntry is shared knowledge."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sheyin.accounts.roles import LEVEL, Level, Role
from sheyin.accounts.scope import scoped
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.tests.factories import municipal
from sheyin.support import services
from sheyin.support.models import Category, DistrictContact, FaqEntry, GuidanceSession, Ticket

from .factories import world

pytestmark = pytest.mark.django_db


def test_every_role_sees_exactly_its_scope(reference) -> None:
    home, other = world(), world("110108")
    objs = {}
    for key, w in (("home", home), ("other", other)):
        t = services.ticket_raise(category=Category.OTHER, title="t", description="描述一下问题", by=w.staff)
        services.ticket_close(ticket=t, resolution="ok", by=w.officer)
        objs[key] = {
            Ticket: t.pk,
            GuidanceSession: services.guidance_log(
                outlet=w.outlet, held_at=timezone.now(), topic="x", outcome="solved", by=w.officer
            ).pk,
            DistrictContact: services.contact_set(
                district=w.outlet.district, category=Category.OTHER, user=w.officer, by=w.head
            ).pk,
            FaqEntry: services.faq_publish(ticket=t, question="q", answer="a", by=w.officer).pk,
        }
    wrong = []
    for role in Role:
        level = LEVEL[role]
        if level == Level.ALL:
            user = user_with_role(role, agency=municipal())
        elif level == Level.DISTRICT:
            user = user_with_role(role, agency=home.outlet.district)
        elif level == Level.BANK:
            user = user_with_role(role, bank=home.outlet.bank)
        else:
            user = user_with_role(role, outlet=home.outlet)
        for model in (Ticket, GuidanceSession, DistrictContact, FaqEntry):
            seen = set(scoped(model.objects.all(), user).values_list("pk", flat=True))
            everything = model in (FaqEntry,) or level == Level.ALL or (
                model is DistrictContact and level != Level.DISTRICT)  # fmt: skip
            want = {objs[k][model] for k in (("home", "other") if everything else ("home",))}
            if model is Ticket and role == Role.OUTLET_STAFF:
                want = set()  # 仅本人: another member of staff raised it
            if seen != want:
                wrong.append(f"{role} {model.__name__}: saw {seen}, wanted {want}")
    assert not wrong, wrong


def test_window_staff_see_read_and_close_only_the_tickets_they_raised(client, reference) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import PermissionDenied
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from sheyin.staffing.tests.factories import StaffFactory, active_grant, staff_with_account

    w = world()
    active_grant(StaffFactory(outlet=w.outlet, user=w.staff))  # window staff work under a grant (R2.0)
    colleague = staff_with_account(w.outlet).user
    active_grant(colleague.staff_member)
    png = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")
    mine = services.ticket_raise(category=Category.OTHER, title="我的问题", description="描述一下问题",
                                 attachments=[png], by=w.staff)  # fmt: skip
    theirs = services.ticket_raise(category=Category.OTHER, title="同事的问题", description="描述一下问题",
                                   by=colleague)  # fmt: skip
    client.force_login(w.staff)
    listing = client.get(reverse("support:ticket_list")).content.decode()
    assert "我的问题" in listing and "同事的问题" not in listing
    assert client.get(reverse("support:ticket_detail", args=[theirs.pk])).status_code == 404
    attachment = mine.attachments.get()
    client.force_login(colleague)
    assert client.get(reverse("support:attachment", args=[attachment.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.ticket_close(ticket=mine, resolution="已解决", by=colleague)
    page = client.get(reverse("support:ticket_detail", args=[theirs.pk])).content.decode()
    assert reverse("support:ticket_close", args=[theirs.pk]) in page
    client.force_login(w.manager)
    assert "同事的问题" in client.get(reverse("support:ticket_list")).content.decode()
    assert (
        services.ticket_close(ticket=mine, resolution="网点负责人确认已解决", by=w.manager).status == "closed"
    )


def test_the_bank_reads_its_outlets_tickets_but_does_not_close_them(client, reference) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError
    from django.urls import reverse

    w = world()
    t = services.ticket_raise(
        category=Category.OTHER, title="网点问题", description="描述一下问题", by=w.staff
    )
    bank_admin = user_with_role(Role.BANK_ADMIN, bank=w.outlet.bank)
    client.force_login(bank_admin)
    page = client.get(reverse("support:ticket_detail", args=[t.pk])).content.decode()
    assert "网点问题" in page and reverse("support:ticket_close", args=[t.pk]) not in page
    with pytest.raises(ValidationError):
        services.ticket_close(ticket=t, resolution="代为办结", by=bank_admin)
    assert services.ticket_close(ticket=t, resolution="已答复并办结", by=w.officer).status == "closed"
