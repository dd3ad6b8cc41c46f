"""Reads of the catalogue. Public selectors (the version in force, its items, the history) need no user;
staff selectors take the user and narrow to what the role may see: published versions for every
business role, drafts and reviews for the municipal center only.

Casework calls `version_in_force` / `item_in_force` when it accepts a case and stores the version.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from sheyin.accounts.scope import scoped

from .models import CatalogueReview, CatalogueVersion, ServiceItem, ServiceProposal
from .workflow import OPEN, Status


def _instant(at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return timezone.now()
    if timezone.is_naive(at):
        raise ValueError("an instant must be timezone-aware")
    return at


# --- public -------------------------------------------------------------------------------------


def published_versions() -> QuerySet[CatalogueVersion]:
    """Every published version, newest effective date first (scheduled ones included)."""
    return (
        CatalogueVersion.objects.filter(status=Status.PUBLISHED)
        .annotate(item_count=Count("items"))
        .order_by("-effective_from")
    )


def version_in_force(at: dt.datetime | None = None) -> CatalogueVersion | None:
    """The published version whose effective moment is the latest one not after `at` (default: now).
    The switch happens exactly at the effective instant: at that instant the new version is in force."""
    return (
        CatalogueVersion.objects.filter(status=Status.PUBLISHED, effective_from__lte=_instant(at))
        .order_by("-effective_from")
        .first()
    )


def items_in_force(at: dt.datetime | None = None) -> QuerySet[ServiceItem]:
    version = version_in_force(at)
    if version is None:
        return ServiceItem.objects.none()
    return version.items.order_by("category", "code")


def item_in_force(code: str, at: dt.datetime | None = None) -> ServiceItem | None:
    """The item with this code as the version in force at `at` states it; None if not listed then."""
    version = version_in_force(at)
    if version is None:
        return None
    return version.items.filter(code=code).select_related("version").first()


def published_version(number: int) -> CatalogueVersion | None:
    return CatalogueVersion.objects.filter(status=Status.PUBLISHED, number=number).first()


def public_item(code: str, version: CatalogueVersion | None = None) -> ServiceItem | None:
    version = version or version_in_force()
    if version is None or version.status != Status.PUBLISHED:
        return None
    return version.items.filter(code=code).select_related("version").first()


def latest_published() -> CatalogueVersion | None:
    """The most recently published version (it may not be in force yet): new drafts copy it."""
    return CatalogueVersion.objects.filter(status=Status.PUBLISHED).order_by("-number").first()


def catalogue_notices() -> dict[int, Any]:
    """The public notice of each published version, by version id."""
    from sheyin.notices.models import PublicNotice
    from sheyin.notices.selectors import public_notices

    label = CatalogueVersion._meta.label_lower
    out: dict[int, Any] = {}
    for n in public_notices(PublicNotice.Kind.CATALOGUE).filter(object_type=label).order_by("published_at"):
        if n.object_id.isdigit():
            out.setdefault(int(n.object_id), n)
    return out


# --- staff --------------------------------------------------------------------------------------


def sees_drafts(user: Any) -> bool:
    return user.has_perm("catalogue.edit") or user.has_perm("catalogue.publish")


def versions_for(user: Any) -> QuerySet[CatalogueVersion]:
    if not user.has_perm("catalogue.view"):
        return CatalogueVersion.objects.none()
    qs = scoped(CatalogueVersion.objects.all(), user)
    if not sees_drafts(user):
        qs = qs.filter(status=Status.PUBLISHED)
    return qs.select_related("created_by", "submitted_by", "reviewed_by", "based_on").annotate(
        item_count=Count("items")
    )


def items_for(user: Any) -> QuerySet[ServiceItem]:
    if not user.has_perm("catalogue.view"):
        return ServiceItem.objects.none()
    qs = scoped(ServiceItem.objects.all(), user)
    if not sees_drafts(user):
        qs = qs.filter(version__status=Status.PUBLISHED)
    return qs.select_related("version")


def reviews_for(user: Any, version: CatalogueVersion) -> QuerySet[CatalogueReview]:
    if not sees_drafts(user):
        return CatalogueReview.objects.none()
    return scoped(CatalogueReview.objects.filter(version=version), user).select_related("by")


def open_version_for(user: Any) -> CatalogueVersion | None:
    """The draft or in-review version, if any (there is at most one)."""
    return versions_for(user).filter(status__in=OPEN).first()


# --- service proposals (R10.2) ------------------------------------------------------------------------


def proposals_for(user: Any) -> QuerySet[ServiceProposal]:
    """Proposals in scope: the municipal center sees all, a district its own, a bank those it made or took
    part in (a consultation with it)."""
    if not user.has_perm("catalogue.view_proposals"):
        return ServiceProposal.objects.none()
    return scoped(ServiceProposal.objects.select_related("agency", "bank", "proposed_by", "version"), user)


def proposals_by_action(action_ids: list[int]) -> dict[int, ServiceProposal]:
    """The proposal made from each consultation action (the consultation page links them)."""
    return {p.consultation_action_id: p for p in ServiceProposal.objects.filter(consultation_action_id__in=action_ids)
            if p.consultation_action_id}  # fmt: skip


def proposal_item(p: ServiceProposal) -> ServiceItem | None:
    """The item a proposal was carried in as (in its draft, or the published version)."""
    if p.version_id is None or not p.item_code:
        return None
    return ServiceItem.objects.filter(version_id=p.version_id, code=p.item_code).first()
