"""Pages: service proposals (R10.2) — the proposer's list and form, the municipal center's review, decision
and carrying into the catalogue draft, and the timeline every party follows."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from sheyin.accounts.roles import Role
from sheyin.accounts.scope import assignments_of
from sheyin.common.access import permission_required
from sheyin.common.forms import apply_errors
from sheyin.common.listing import ListSpec, apply, list_view, paginate

from . import proposals, selectors
from .forms import (
    ItemForm,
    ProposalDecisionForm,
    ProposalForm,
    ProposalReturnForm,
    ProposalReviewForm,
    ProposalWithdrawForm,
    item_from_proposal,
    proposal_initial,
)
from .models import ServiceProposal
from .workflow import PROPOSAL_ACTION_LABELS, ProposalStatus, proposal_actions

PROPOSAL_LIST = ListSpec(search_fields=("number", "title", "reasons", "bank__name", "agency__name"),
                         filters={"status": "status", "origin": "origin"}, order_by=("-submitted_at", "-id"),
                         sorts={"number": "number", "title": "title", "origin": "origin", "volume": "expected_volume",
                                "submitted": "submitted_at", "status": "status"})  # fmt: skip


def _proposes_directly(user: Any) -> bool:
    """Banks and districts propose on their own; the municipal center only through a consultation."""
    return user.has_perm("catalogue.propose") and any(
        a.role in (Role.BANK_ADMIN, Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER) for a in assignments_of(user)
    )


@list_view(PROPOSAL_LIST)
@permission_required("catalogue.view_proposals")
def proposal_list(request: HttpRequest) -> HttpResponse:
    mine = selectors.proposals_for(request.user)
    qs = apply(mine, request, PROPOSAL_LIST)
    counts = {s: n for s, n in ((s, mine.filter(status=s).count()) for s in (ProposalStatus.SUBMITTED, ProposalStatus.REVIEWED,
                                                                           ProposalStatus.ACCEPTED)) if n}  # fmt: skip
    return render(request, "catalogue/proposal_list.html", {
        "page_obj": paginate(qs, request), "statuses": ProposalStatus.choices, "origins": ServiceProposal.Origin.choices,
        "can_propose": _proposes_directly(request.user),
        "counts": [(ProposalStatus(s).label, s, n) for s, n in counts.items()],
    })  # fmt: skip


def _consultation_action(request: HttpRequest) -> Any:
    """The consultation action a proposal is made from (`?action=`), in the user's scope, or None."""
    raw = request.GET.get("action") or request.POST.get("consultation_action") or ""
    if not raw.isdigit():
        return None
    from sheyin.supervision import selectors as supervision

    action = supervision.consultation_action_for(request.user, int(raw))
    if action is None:
        raise PermissionDenied
    return action


@permission_required("catalogue.propose")
def proposal_new(request: HttpRequest) -> HttpResponse:
    action = _consultation_action(request)
    if action is None and not _proposes_directly(request.user):
        raise PermissionDenied
    if action is not None and selectors.proposals_by_action([action.pk]):
        messages.info(request, _("该会商事项已提出过服务事项建议。"))
        return redirect(
            "catalogue:proposal_detail", pk=selectors.proposals_by_action([action.pk])[action.pk].pk
        )
    initial = (
        {"title": action.description[:60], "reasons": _("会商议定：%(c)s") % {"c": action.consultation.title}}
        if action
        else {}
    )
    form = ProposalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            p = proposals.proposal_submit(data=form.cleaned_data, consultation_action=action, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您没有执行此操作的权限。"))
        else:
            messages.success(request, _("建议已提交，市级经办机构初审后将告知结果。"))
            return redirect("catalogue:proposal_detail", pk=p.pk)
    return render(request, "catalogue/proposal_form.html", {"form": form, "action": action})


@permission_required("catalogue.propose")
def proposal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A returned proposal, completed and submitted again."""
    p = get_object_or_404(selectors.proposals_for(request.user), pk=pk)
    if "resubmit" not in proposal_actions(p, request.user):
        raise PermissionDenied
    form = ProposalForm(request.POST or None, initial=proposal_initial(p))
    if request.method == "POST" and form.is_valid():
        try:
            proposals.proposal_resubmit(proposal=p, data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("建议已补充并重新提交。"))
            return redirect("catalogue:proposal_detail", pk=p.pk)
    return render(request, "catalogue/proposal_form.html", {"form": form, "proposal": p})


STEPS = {
    "withdraw": (ProposalWithdrawForm, lambda p, d, by: proposals.proposal_withdraw(proposal=p, reason=d["reason"], by=by),
                 _("建议已撤回。")),
    "return": (ProposalReturnForm, lambda p, d, by: proposals.proposal_return(proposal=p, reason=d["reason"], by=by),
               _("已退回建议单位补充。")),
    "review": (ProposalReviewForm, lambda p, d, by: proposals.proposal_review(proposal=p, by=by, **d),
               _("初审意见已提交，等待市级管理员审定。")),
    "accept": (ProposalDecisionForm, lambda p, d, by: proposals.proposal_decide(proposal=p, accept=True, note=d["note"], by=by),
               _("已采纳，可纳入服务事项清单草稿。")),
    "reject": (ProposalDecisionForm, lambda p, d, by: proposals.proposal_decide(proposal=p, accept=False, note=d["note"], by=by),
               _("已决定不予采纳，并告知建议单位。")),
}  # fmt: skip


@permission_required("catalogue.view_proposals")
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The proposal, its timeline, and the one step each party may take now (a named step table)."""
    p = get_object_or_404(selectors.proposals_for(request.user), pk=pk)
    allowed = proposal_actions(p, request.user)
    forms: dict[str, Any] = {
        name: cls(prefix=name) for name, (cls, _call, _ok) in STEPS.items() if name in allowed
    }
    if request.method == "POST":
        step = request.POST.get("step", "")
        if step not in STEPS or step not in allowed:
            raise PermissionDenied
        cls, call, ok = STEPS[step]
        forms[step] = form = cls(request.POST, prefix=step)
        if form.is_valid():
            try:
                call(p, form.cleaned_data, request.user)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, ok)
                return redirect("catalogue:proposal_detail", pk=pk)
    events = [
        (e, PROPOSAL_ACTION_LABELS.get(e.action) or _("提交建议")) for e in p.events.select_related("by")
    ]
    return render(request, "catalogue/proposal_detail.html", {
        "p": p, "events": events, "allowed": allowed, "item": selectors.proposal_item(p),
        "steps": [(name, PROPOSAL_ACTION_LABELS[name], form) for name, form in forms.items()],
    })  # fmt: skip


@permission_required("catalogue.review_proposals")
def proposal_carry(request: HttpRequest, pk: int) -> HttpResponse:
    """An accepted proposal becomes an item of the next catalogue draft (the officer completes it)."""
    p = get_object_or_404(selectors.proposals_for(request.user), pk=pk)
    if "carry" not in proposal_actions(p, request.user):
        raise PermissionDenied
    form = ItemForm(request.POST or None, initial=item_from_proposal(p))
    draft = selectors.open_version_for(request.user)
    if request.method == "POST" and form.is_valid():
        try:
            proposals.proposal_carry(proposal=p, item=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您没有执行此操作的权限。"))
        else:
            messages.success(request, _("已纳入服务事项清单草稿，随该版本审核发布。"))
            return redirect("catalogue:proposal_detail", pk=p.pk)
    return render(request, "catalogue/proposal_carry.html", {"form": form, "p": p, "draft": draft})
