"""Scoped reads for oversight (design rule 2)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from sheyin.accounts.scope import scoped

from .models import AnalysisRule, Appraisal, Finding, Rectification, TerminationProposal


def findings(user: Any) -> QuerySet[Finding]:
    return scoped(Finding.objects.select_related("outlet", "district", "rule"), user)


def rectifications(user: Any) -> QuerySet[Rectification]:
    return scoped(Rectification.objects.select_related("finding", "outlet"), user)


def appraisals(user: Any) -> QuerySet[Appraisal]:
    return scoped(Appraisal.objects.select_related("outlet", "district", "bank"), user)


def proposals(user: Any) -> QuerySet[TerminationProposal]:
    return scoped(TerminationProposal.objects.select_related("outlet", "appraisal", "previous"), user)


def rules(user: Any) -> QuerySet[AnalysisRule]:
    return scoped(AnalysisRule.objects.all(), user)
