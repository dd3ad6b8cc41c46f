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
            if seen != want:
                wrong.append(f"{role} {model.__name__}: saw {seen}, wanted {want}")
    assert not wrong, wrong
