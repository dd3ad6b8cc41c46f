"""Scoped reads of the lifecycle. Every list, detail, export and picker goes through these."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.scope import scoped
from sheyin.institutions.models import Outlet, OutletStatus
from sheyin.institutions.selectors import outlets_for

from . import layout
from .models import (
    Agreement,
    ApplicationFile,
    BankApplication,
    ChecklistItem,
    ChecklistTemplate,
    CooperationSettings,
    DocumentTemplate,
    Filing,
    InspectionPhoto,
    InspectionResult,
    LayoutException,
    LifecycleEvent,
    OpeningCheck,
    OpenItem,
    OutletApplication,
    OutletChangeRequest,
    Plaque,
    RenewalObjection,
    SiteInspection,
    Suspension,
    Termination,
)
from .workflow import (
    AgreementStatus,
    ChangeRequestStatus,
    ChecklistStatus,
    ExceptionStatus,
    FilingStatus,
    InspectionStatus,
    OutletApplicationStatus,
    PlaqueStatus,
    TerminationStatus,
)


def current_settings() -> CooperationSettings:
    """The municipal center's numbers (one row; created with the defaults if reference data is missing)."""
    obj, _ = CooperationSettings.objects.get_or_create(pk=1)
    return obj


def current_template(kind: str) -> DocumentTemplate | None:
    return DocumentTemplate.objects.filter(kind=kind, is_current=True).first()


def templates() -> QuerySet[DocumentTemplate]:
    return DocumentTemplate.objects.select_related("created_by").order_by("kind", "-version")


def published_checklist() -> ChecklistTemplate | None:
    return (
        ChecklistTemplate.objects.filter(status=ChecklistStatus.PUBLISHED).prefetch_related("items").first()
    )


def checklists() -> QuerySet[ChecklistTemplate]:
    return ChecklistTemplate.objects.prefetch_related("items").order_by("-version")


def bank_applications_for(user: Any) -> QuerySet[BankApplication]:
    return scoped(BankApplication.objects.select_related("bank", "reviewed_by", "decided_by"), user)


def agreements_for(user: Any) -> QuerySet[Agreement]:
    approved = Filing.objects.filter(agreement=OuterRef("pk"), status=FilingStatus.APPROVED)
    pending = Filing.objects.filter(agreement=OuterRef("pk"), status=FilingStatus.SUBMITTED)
    return scoped(
        Agreement.objects.select_related("bank", "agency", "outlet", "template").annotate(
            filed=Exists(approved), filing_pending=Exists(pending)
        ),
        user,
    )


def municipal_agreement_of(bank: Any) -> Agreement | None:
    """The bank's live municipal agreement (active), if any: the gate for outlet applications (R4.2)."""
    return Agreement.objects.filter(
        bank=bank, kind=Agreement.Kind.MUNICIPAL, status=AgreementStatus.ACTIVE
    ).first()


def district_agreement_of(outlet: Any) -> Agreement | None:
    return (
        Agreement.objects.filter(
            outlet=outlet,
            kind=Agreement.Kind.DISTRICT,
            status__in=[AgreementStatus.DRAFT, AgreementStatus.ACTIVE],
        )
        .order_by("-created_at")
        .first()
    )


def expiring(qs: QuerySet[Agreement], days: int, today: dt.date | None = None) -> QuerySet[Agreement]:
    today = today or timezone.localdate()
    return qs.filter(status=AgreementStatus.ACTIVE, end_date__lte=today + dt.timedelta(days=days))


def filings_for(user: Any) -> QuerySet[Filing]:
    return scoped(
        Filing.objects.select_related(
            "agreement", "outlet", "outlet__bank", "district", "submitted_by", "checked_by"
        ),
        user,
    )


def filing_queue_for(user: Any) -> QuerySet[Agreement]:
    """Signed district agreements and where their filing stands (deadline tracked, R4.4)."""
    return agreements_for(user).filter(kind=Agreement.Kind.DISTRICT).exclude(status=AgreementStatus.DRAFT)


def filing_pending(qs: QuerySet[Agreement]) -> QuerySet[Agreement]:
    return qs.filter(Exists(Filing.objects.filter(agreement=OuterRef("pk"), status=FilingStatus.SUBMITTED)))


def not_filed(qs: QuerySet[Agreement]) -> QuerySet[Agreement]:
    """Not approved and not awaiting the check (never submitted, or every submission rejected)."""
    live = Filing.objects.filter(
        agreement=OuterRef("pk"), status__in=[FilingStatus.SUBMITTED, FilingStatus.APPROVED]
    )
    return qs.filter(~Exists(live))


def applications_for(user: Any) -> QuerySet[OutletApplication]:
    return scoped(OutletApplication.objects.select_related("bank", "district", "outlet", "branch"), user)


def application_files_for(user: Any) -> QuerySet[ApplicationFile]:
    return scoped(ApplicationFile.objects.select_related("application"), user)


def inspection_photos_for(user: Any) -> QuerySet[InspectionPhoto]:
    return scoped(InspectionPhoto.objects.select_related("result__inspection"), user)


def inspections_for(user: Any) -> QuerySet[SiteInspection]:
    return scoped(
        SiteInspection.objects.select_related(
            "application", "outlet", "outlet__bank", "template", "inspector"
        ),
        user,
    )


def inspection_queue_for(user: Any) -> QuerySet[OutletApplication]:
    """Applications waiting for a (re-)inspection."""
    return applications_for(user).filter(
        status__in=[OutletApplicationStatus.REVIEWING, OutletApplicationStatus.RECTIFYING]
    )


def latest_inspection(application: OutletApplication) -> SiteInspection | None:
    return (
        application.inspections.filter(status=InspectionStatus.COMPLETED)
        .prefetch_related(Prefetch("results", queryset=_results()))
        .order_by("-round")
        .first()
    )


def _results() -> QuerySet[Any]:
    from .models import InspectionResult

    return InspectionResult.objects.select_related("item").prefetch_related("photos")


def inspection_detail(inspection: SiteInspection) -> list[Any]:
    return list(inspection.results.select_related("item").prefetch_related("photos").order_by("item__order"))


def layout_exceptions_for(user: Any) -> QuerySet[LayoutException]:
    return scoped(
        LayoutException.objects.select_related("application", "application__outlet", "application__district"),
        user,
    )


def plaques_for(user: Any) -> QuerySet[Plaque]:
    return scoped(Plaque.objects.select_related("outlet", "outlet__bank", "outlet__district"), user)


def opening_checks_for(user: Any) -> QuerySet[OpeningCheck]:
    return scoped(
        OpeningCheck.objects.select_related("outlet", "recorded_by", "plaque", "rectification"), user
    )


def opening_checks_due(
    qs: QuerySet[OpeningCheck], today: dt.date, soon_days: int = 3
) -> QuerySet[OpeningCheck]:
    """Pending checks due within `soon_days` days, or overdue (for the district's to-do)."""
    return qs.filter(
        status=OpeningCheck.Status.PENDING,
        outlet__status=OutletStatus.OPERATING,
        due_date__lte=today + dt.timedelta(days=soon_days),
    )


def plaque_issuable(outlet: Outlet) -> bool:
    """The plaque may be issued (R4.4): accepted, with its district agreement in force and filed."""
    if outlet.status != OutletStatus.ACCEPTED:
        return False
    ag = district_agreement_of(outlet)
    return bool(
        ag
        and ag.status == AgreementStatus.ACTIVE
        and ag.filings.filter(status=FilingStatus.APPROVED).exists()
    )


def plaque_public(number: str) -> Plaque | None:
    """Public verification (no user): the plaque with its outlet, bank and district; nothing personal."""
    return (
        Plaque.objects.select_related("outlet", "outlet__bank", "outlet__district")
        .filter(number=number.strip().upper()[:30])
        .first()
    )


def suspensions_for(user: Any) -> QuerySet[Suspension]:
    return scoped(Suspension.objects.select_related("outlet", "suspended_by", "resumed_by"), user)


def terminations_for(user: Any) -> QuerySet[Termination]:
    return scoped(
        Termination.objects.select_related(
            "outlet", "bank", "district", "agreement", "proposed_by", "parent"
        ),
        user,
    )


def open_items_for(user: Any) -> QuerySet[OpenItem]:
    return scoped(OpenItem.objects.select_related("outlet", "termination", "closed_by"), user)


def events_for(user: Any) -> QuerySet[LifecycleEvent]:
    return scoped(LifecycleEvent.objects.select_related("actor"), user)


def lifecycle_outlets_for(user: Any) -> QuerySet[Outlet]:
    return outlets_for(user)


def publicly_listed(qs: QuerySet[Outlet] | None = None) -> QuerySet[Outlet]:
    """Outlets the public may be shown: operating with a valid plaque (a terminated outlet leaves every
    public listing, R6.4). The portal builds on this."""
    qs = qs if qs is not None else Outlet.objects.all()
    valid = Plaque.objects.filter(outlet=OuterRef("pk"), status=PlaqueStatus.VALID)
    return qs.filter(status=OutletStatus.OPERATING).filter(Exists(valid))


def bank_termination_preview(agreement: Agreement) -> dict[str, Any]:
    """What ending a bank's municipal agreement ends with it (shown before the confirmation)."""
    live = [OutletStatus.APPLYING, OutletStatus.ACCEPTED, OutletStatus.OPERATING, OutletStatus.SUSPENDED]
    outlets = list(
        Outlet.objects.filter(bank=agreement.bank, status__in=live)
        .select_related("district")
        .order_by("district__code", "code")
    )
    open_apps = OutletApplication.objects.filter(bank=agreement.bank).exclude(
        status__in=[
            OutletApplicationStatus.ACCEPTED,
            OutletApplicationStatus.REJECTED,
            OutletApplicationStatus.WITHDRAWN,
        ]
    )
    return {
        "outlets": outlets,
        "by_status": {s: sum(1 for o in outlets if o.status == s) for s in live},
        "open_applications": open_apps.count(),
        "count": len(outlets),
    }


def open_terminations(qs: QuerySet[Termination]) -> QuerySet[Termination]:
    return qs.filter(status__in=[TerminationStatus.PROPOSED, TerminationStatus.SCHEDULED])


def filing_overdue(agreement: Agreement, today: dt.date | None = None) -> bool:
    """Not yet submitted for filing after its deadline (10 working days by default)."""
    today = today or timezone.localdate()
    if agreement.filing_due is None or agreement.kind != Agreement.Kind.DISTRICT:
        return False
    submitted = agreement.filings.exclude(status=FilingStatus.REJECTED).order_by("submitted_at").first()
    if submitted is not None:
        return submitted.submitted_at.date() > agreement.filing_due
    return today > agreement.filing_due


def overdue_filings(qs: QuerySet[Agreement], today: dt.date | None = None) -> QuerySet[Agreement]:
    today = today or timezone.localdate()
    live = Filing.objects.filter(agreement=OuterRef("pk")).exclude(status=FilingStatus.REJECTED)
    return qs.filter(
        kind=Agreement.Kind.DISTRICT, status=AgreementStatus.ACTIVE, filing_due__lt=today
    ).filter(~Q(Exists(live)))


# --- reads that the application and acceptance pages show ------------------------------------------

EQUIPMENT = ("terminals", "online_counters", "windows", "document_cameras", "card_machines")

# The three modes offered together (R3.1; terminal R2.1, online self-service R2.2, counter R2.3): each row
# is (the field to blame, the requirement in words, the test over the outlet's numbers). The application's
# completeness check and the change request's three-modes check both read this one list.
MODE_RULES: list[tuple[str, Any, Any]] = [
    ("terminals", gettext_lazy("自助服务终端至少1台"), lambda v: v["terminals"] >= 1),
    ("online_counters", gettext_lazy("网厅自助服务台至少1个"), lambda v: v["online_counters"] >= 1),
    ("windows", gettext_lazy("人工窗口1至2个"), lambda v: 1 <= v["windows"] <= 2),
    (
        "document_cameras",
        gettext_lazy("高拍仪不少于人工窗口与网厅自助台之和"),
        lambda v: v["document_cameras"] >= v["windows"] + v["online_counters"],
    ),
    (
        "card_machines",
        gettext_lazy("每个人工窗口配备社保卡制卡机"),
        lambda v: v["card_machines"] >= v["windows"],
    ),
]


def equipment_of(outlet: Any, changes: dict[str, Any] | None = None) -> dict[str, int]:
    """The outlet's equipment numbers, with `changes` applied over them."""
    values = {k: int(getattr(outlet, k) or 0) for k in EQUIPMENT}
    for k, v in (changes or {}).items():
        if k in values:
            values[k] = int(v or 0)
    return values


def modes_problems(values: dict[str, int]) -> dict[str, str]:
    """The three-modes requirements these numbers miss, by field (R3.1)."""
    return {field: str(label) for field, label, ok in MODE_RULES if not ok(values)}


def completeness_checks(app: OutletApplication) -> list[tuple[str, bool]]:
    """What the district checks before it may admit the application (R4.2, R3.1, R2.1–R2.3)."""
    o = app.outlet
    kinds = list(app.files.values_list("kind", flat=True))
    return [
        (_("网点地址和坐标"), bool(o.address.strip()) and o.lon is not None),
        (_("营业时间和咨询电话"), bool(o.opening_hours.strip()) and bool(o.phone.strip())),
        *((str(label), ok(equipment_of(o))) for _field, label, ok in MODE_RULES),
        (_("网厅自助区配备打印机"), app.printers >= 1),
        (_("经办人员不少于人工窗口数"), app.staff_planned >= o.windows),
        (_("至少1名引导人员"), app.guide_planned >= 1),
        (_("人员配备方案"), bool(app.staffing_plan.strip())),
        (_("网络接入方式"), bool(app.network_plan.strip())),
        (_("平面布置图"), ApplicationFile.Kind.FLOOR_PLAN in kinds),
        (_("现场照片（门头和室内，至少2张）"), kinds.count(ApplicationFile.Kind.PHOTO) >= 2),
    ]


def missing_items(app: OutletApplication) -> list[str]:
    return [label for label, ok in completeness_checks(app) if not ok]


def site_layout(
    *, lon: float, lat: float, district: Any, exclude_outlet_id: int | None = None
) -> layout.LayoutResult:
    """The layout check (R8.4) of a site in a district, against every outlet that exists on the ground."""
    return layout.check(
        lon=lon,
        lat=lat,
        district=district,
        exclude_outlet_id=exclude_outlet_id,
        nearest=current_settings().layout_nearest_count,
    )


def layout_for(app: OutletApplication) -> layout.LayoutResult:
    o = app.outlet
    return site_layout(lon=o.lon, lat=o.lat, district=app.district, exclude_outlet_id=o.pk)


def change_target(cr: OutletChangeRequest) -> dict[str, Any]:
    """The values a change request asks for, by field (`to`)."""
    return {c["field"]: c["to"] for c in cr.changes}


def change_layout(cr: OutletChangeRequest) -> layout.LayoutResult | None:
    """The live layout check of the site a change request moves the outlet to (None if it does not move)."""
    if not cr.moves:
        return None
    to = change_target(cr)
    o = cr.outlet
    return site_layout(
        lon=float(to.get("lon", o.lon)),
        lat=float(to.get("lat", o.lat)),
        district=o.district,
        exclude_outlet_id=o.pk,
    )


def change_requests_for(user: Any) -> QuerySet[OutletChangeRequest]:
    return scoped(
        OutletChangeRequest.objects.select_related(
            "outlet", "outlet__district", "bank", "district", "requested_by", "decided_by"
        ),
        user,
    )


def open_change_requests(qs: QuerySet[OutletChangeRequest]) -> QuerySet[OutletChangeRequest]:
    return qs.filter(status__in=[ChangeRequestStatus.SUBMITTED, ChangeRequestStatus.LAYOUT_REVIEW])


def current_suspension(outlet: Any) -> Suspension | None:
    """The outlet's suspension in force (not yet resumed), if any."""
    return Suspension.objects.filter(outlet=outlet, resumed_on__isnull=True).order_by("-starts_on").first()


def open_items_preview(outlet: Any) -> list[dict[str, Any]]:
    """What a termination of this outlet would leave open, asked of the sources now (cases in progress,
    archives not handed over, open tickets, rectifications): shown before the termination is approved."""
    from .open_items import collect

    return collect(outlet)


def public_outlet_state(code: str) -> dict[str, Any] | None:
    """For the public pages of an outlet that has been open to the public (it was given a plaque): its
    state now — operating, suspended (with the dates) or terminated (with the date). None for an unknown
    code or an outlet that never opened."""
    outlet = (
        Outlet.objects.select_related("bank", "district")
        .filter(code=code.strip()[:20])
        .filter(status__in=[OutletStatus.OPERATING, OutletStatus.SUSPENDED, OutletStatus.TERMINATED])
        .first()
    )
    if outlet is None or not Plaque.objects.filter(outlet=outlet).exists():
        return None
    state: dict[str, Any] = {"outlet": outlet, "status": outlet.status, "suspension": None, "ended_on": None}
    if outlet.status == OutletStatus.SUSPENDED:
        state["suspension"] = current_suspension(outlet)
    elif outlet.status == OutletStatus.TERMINATED:
        plaque = Plaque.objects.filter(outlet=outlet).order_by("-issued_on").first()
        state["ended_on"] = plaque.recovered_on if plaque is not None else None
    return state


def violation_keys(result: layout.LayoutResult) -> set[str]:
    return {f"{v.kind}:{v.pk}" for v in result.violations}


def acceptance_context(app: OutletApplication, result: layout.LayoutResult | None = None) -> dict[str, Any]:
    insp = latest_inspection(app)
    failed = []
    if insp is not None:
        failed = [
            r.item.code
            for r in insp.results.all()
            if r.item.level == ChecklistItem.Level.MUST and r.result == InspectionResult.Result.FAIL
        ]
    result = result or layout_for(app)
    approved = app.layout_exceptions.filter(status=ExceptionStatus.APPROVED)
    covered: set[str] = set()
    for exc in approved:
        covered |= {v["key"] for v in exc.violations}
    return {
        "municipal_agreement": municipal_agreement_of(app.bank),
        "inspection": insp,
        "failed_must": failed,
        "layout_violations": result.violation_texts(),
        # an approved exception covers the violations it named; a new neighbour needs a new approval
        "layout_exception_approved": bool(approved) and violation_keys(result) <= covered,
    }


def application_step_context(app: OutletApplication) -> dict[str, Any]:
    """The facts the application's guards read, gathered as the services gather them (for the page to
    offer only the steps the server will take)."""
    ctx: dict[str, Any] = {
        "municipal_agreement": municipal_agreement_of(app.bank),
        "missing": missing_items(app),
    }
    if app.status == "inspected":
        ctx.update(acceptance_context(app))
    return ctx


def objections_for(user: Any) -> QuerySet[RenewalObjection]:
    return scoped(RenewalObjection.objects.select_related("agreement"), user)


def renewal_party_of(user: Any, agreement: Agreement) -> str:
    """The side this user may object (and withdraw an objection) for on this agreement, or ""."""
    from sheyin.accounts.scope import assignments_of

    roles = {str(a.role) for a in assignments_of(user)}
    if "bank_admin" in roles and not roles & {"municipal_admin", "district_admin"}:
        return RenewalObjection.Party.BANK
    if (agreement.kind == Agreement.Kind.MUNICIPAL and "municipal_admin" in roles) or (
        agreement.kind == Agreement.Kind.DISTRICT and "district_admin" in roles
    ):
        return RenewalObjection.Party.AGENCY
    return ""
