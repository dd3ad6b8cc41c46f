"""Scoped reads of the registry. Every list, detail, search, export and picker goes through these."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from sheyin.accounts.roles import LEVEL, Level, Role
from sheyin.accounts.scope import assignments_of, scoped

from .models import Agency, Bank, Branch, Outlet, OutletStatus


def outlets_for(user: Any) -> QuerySet[Outlet]:
    return scoped(Outlet.objects.select_related("bank", "district", "branch"), user)


def banks_for(user: Any) -> QuerySet[Bank]:
    return scoped(Bank.objects.all(), user).annotate(
        outlet_count=Count("outlets", filter=Q(outlets__status=OutletStatus.OPERATING))
    )


def branches_for(user: Any) -> QuerySet[Branch]:
    return scoped(Branch.objects.select_related("bank", "district"), user)


def agencies_for(user: Any) -> QuerySet[Agency]:
    return scoped(Agency.objects.all(), user)


def public_outlets() -> QuerySet[Outlet]:
    """Outlets the public may see: operating only (a suspended or terminated outlet leaves every listing)."""
    return Outlet.objects.filter(status=OutletStatus.OPERATING).select_related("bank", "district")


def districts() -> QuerySet[Agency]:
    """The 16 district agencies (public reference data)."""
    return Agency.objects.filter(level=Agency.Level.DISTRICT).order_by("code")


def municipal_center() -> Agency:
    return Agency.objects.get(level=Agency.Level.MUNICIPAL)


def offices() -> QuerySet[Agency]:
    """SI agency offices with a location (layout rules keep outlets away from them, R8.4)."""
    return Agency.objects.filter(lon__isnull=False, lat__isnull=False)


def district_choices_for(user: Any) -> QuerySet[Agency]:
    """The districts a list's district filter offers: all of them to municipal and bank users (their data
    spans districts); a district officer's own district(s) only, and an outlet's people their outlet's
    district (their assignment carries it), so neither is offered a choice that cannot match a row."""
    own: set[int] = set()
    for a in assignments_of(user):
        level = LEVEL[Role(a.role)]
        if level not in (Level.DISTRICT, Level.OUTLET, Level.SELF) or a.agency_id is None:
            return districts()
        own.add(a.agency_id)
    return districts().filter(pk__in=own)


def bank_choices_for(user: Any) -> QuerySet[Bank]:
    return scoped(Bank.objects.all(), user).order_by("name")


def outlet_choices_for(user: Any) -> QuerySet[Outlet]:
    return scoped(Outlet.objects.select_related("bank"), user).order_by("code")


def banks_in(qs: QuerySet[Bank], *, district: Agency | None = None, **_: Any) -> QuerySet[Bank]:
    """Of the banks a list's filter offers (`qs`, already the user's), those with an outlet in `district`."""
    if district is None:
        return qs
    return qs.filter(pk__in=Outlet.objects.filter(district=district).values("bank_id"))


def outlets_in(
    qs: QuerySet[Outlet], *, district: Agency | None = None, bank: Bank | None = None
) -> QuerySet[Outlet]:
    """Of the outlets a list's filter offers (`qs`, already the user's), those of `district` and `bank`."""
    if district is not None:
        qs = qs.filter(district=district)
    if bank is not None:
        qs = qs.filter(bank=bank)
    return qs
