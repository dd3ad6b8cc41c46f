"""Scoped reads for tickets, guidance sessions, contacts and the FAQ (design rule 2)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from sheyin.accounts.scope import scoped

from .models import DistrictContact, FaqEntry, GuidanceSession, Ticket


def tickets(user: Any) -> QuerySet[Ticket]:
    return scoped(Ticket.objects.select_related("outlet", "district", "bank", "assignee", "raised_by"), user)


def guidance_sessions(user: Any) -> QuerySet[GuidanceSession]:
    return scoped(GuidanceSession.objects.select_related("outlet", "host", "ticket"), user)


def contacts(user: Any) -> QuerySet[DistrictContact]:
    return scoped(DistrictContact.objects.select_related("district", "user"), user)


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
