"""Scoped reads for oversight (design rule 2)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from sheyin.accounts.scope import scoped
from sheyin.institutions.models import Outlet, OutletStatus

from .models import (
    AnalysisRule,
    Appraisal,
    Consultation,
    ConsultationAction,
    Finding,
    FormalTalk,
    Inspection,
    InspectionPlan,
    Rectification,
    SelfInspection,
    TerminationProposal,
)
from .workflow import RectificationStatus


def findings(user: Any) -> QuerySet[Finding]:
    return scoped(Finding.objects.select_related("outlet", "district", "rule"), user)


def rectifications(user: Any) -> QuerySet[Rectification]:
    return scoped(Rectification.objects.select_related("finding", "outlet"), user)


def appraisals(user: Any) -> QuerySet[Appraisal]:
    return scoped(Appraisal.objects.select_related("outlet", "district", "bank"), user)


def talks(user: Any) -> QuerySet[FormalTalk]:
    return scoped(FormalTalk.objects.select_related("outlet", "district", "bank", "appraisal", "recorded_by",
                                                    "followed_by"), user)  # fmt: skip


def proposals(user: Any) -> QuerySet[TerminationProposal]:
    return scoped(TerminationProposal.objects.select_related("outlet", "appraisal", "previous"), user)


def rules(user: Any) -> QuerySet[AnalysisRule]:
    return scoped(AnalysisRule.objects.all(), user)


def plans(user: Any) -> QuerySet[InspectionPlan]:
    return scoped(InspectionPlan.objects.select_related("district"), user)


def inspections(user: Any) -> QuerySet[Inspection]:
    return scoped(Inspection.objects.select_related("outlet", "district", "bank", "inspector", "plan"), user)


def self_inspections(user: Any) -> QuerySet[SelfInspection]:
    return scoped(SelfInspection.objects.select_related("bank", "submitted_by", "reviewed_by"), user)


def consultations(user: Any) -> QuerySet[Consultation]:
    return scoped(Consultation.objects.select_related("agency", "bank").prefetch_related("actions"), user)


def outlets(user: Any) -> QuerySet[Outlet]:
    """Operating outlets the user oversees (for filing a complaint)."""
    return scoped(Outlet.objects.filter(status=OutletStatus.OPERATING).order_by("code"), user)


def inspectors(district_id: int) -> QuerySet[Any]:
    from django.contrib.auth import get_user_model

    from sheyin.accounts.roles import Role

    return (get_user_model().objects.filter(is_active=True, assignments__agency_id=district_id,
            assignments__role__in=[Role.DISTRICT_INSPECTOR, Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN])
            .distinct().order_by("pk"))  # fmt: skip


def consultation_action_for(user: Any, pk: int) -> ConsultationAction | None:
    """A follow-up action of a consultation in the user's scope (a service proposal is made from it)."""
    return (ConsultationAction.objects.select_related("consultation")
            .filter(pk=pk, consultation__in=consultations(user)).first())  # fmt: skip


def open_rectification_items(outlet: Any) -> list[dict[str, Any]]:
    """Open-item source for termination (R6.4): the outlet's rectification orders not yet closed, shown
    to the approver before a termination and tracked after it."""
    rows = (
        Rectification.objects.filter(outlet=outlet)
        .exclude(status=RectificationStatus.CLOSED)
        .select_related("finding")
        .order_by("due_date", "id")
    )
    return [
        {
            "kind": "rectification",
            "description": _("整改通知%(n)s未销号（%(s)s，期限%(d)s）")
            % {"n": r.finding.number, "s": RectificationStatus(r.status).label, "d": r.due_date},
            "object_type": "supervision.rectification",
            "object_id": str(r.pk),
            "url": reverse("supervision:rectification_detail", args=[r.pk]),
        }
        for r in rows
    ]
