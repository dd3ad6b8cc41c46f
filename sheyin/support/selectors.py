"""Scoped reads for tickets, guidance sessions, contacts and the FAQ (design rule 2)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from sheyin.accounts.models import RoleAssignment
from sheyin.accounts.roles import Role
from sheyin.accounts.scope import scoped

from .models import DistrictContact, FaqEntry, GuidanceSession, Ticket

# Who can be a district's contact, or be handed its tickets: its own officers (R9.2).
DISTRICT_ROLES = (Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_INSPECTOR)


def tickets(user: Any) -> QuerySet[Ticket]:
    return scoped(Ticket.objects.select_related("outlet", "district", "bank", "assignee", "raised_by"), user)


def guidance_sessions(user: Any) -> QuerySet[GuidanceSession]:
    return scoped(GuidanceSession.objects.select_related("outlet", "host", "ticket"), user)


def contacts(user: Any) -> QuerySet[DistrictContact]:
    """With `still_works_there`: the contact still holds a district role there (a contact who does not, or
    whose account is switched off, is passed over: their district's officers get the tickets)."""
    works_there = RoleAssignment.objects.filter(
        user=OuterRef("user"), agency=OuterRef("district"), role__in=DISTRICT_ROLES
    )
    return scoped(
        DistrictContact.objects.select_related("district", "user").annotate(
            still_works_there=Exists(works_there)
        ),
        user,
    )


def faq(user: Any, q: str = "", category: str = "") -> QuerySet[FaqEntry]:
    qs = scoped(FaqEntry.objects.filter(published=True), user)
    if q:
        qs = qs.filter(Q(question__icontains=q) | Q(answer__icontains=q))
    if category:
        qs = qs.filter(category=category)
    return qs


def tickets_due(start: Any, end: Any) -> QuerySet[Any]:
    """For the appraisal (system read): per outlet, tickets due to close in [start, end] (dates) and how
    many were closed on time."""
    from django.db.models import Count, F

    return (
        Ticket.objects.filter(close_due__gte=start, close_due__lte=end)
        .values("outlet_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(closed_at__date__lte=F("close_due"))))
        .order_by()
    )


def assignees_for(user: Any) -> QuerySet[Any]:
    """Whom `user` may hand tickets to: active officers of their own district, or for the municipal center
    every district's officers and its own staff (the service checks each ticket's district again)."""
    from django.contrib.auth import get_user_model

    from sheyin.accounts.models import RoleAssignment
    from sheyin.accounts.roles import Role
    from sheyin.accounts.scope import assignments_of

    district_roles = [Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_INSPECTOR]
    municipal_roles = [Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER]
    mine = list(assignments_of(user))
    if any(a.role in municipal_roles for a in mine):
        wanted = Q(role__in=district_roles) | Q(role__in=municipal_roles)
    else:
        own = [a.agency_id for a in mine if a.agency_id and a.role in district_roles]
        wanted = Q(role__in=district_roles, agency_id__in=own)
    ids = RoleAssignment.objects.filter(wanted).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("username")
