"""Scoped reads for oversight (design rule 2)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

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
