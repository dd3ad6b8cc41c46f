"""Demo district oversight in 朝阳区 (R7.2, R7.4, R7.5, R9.4; Annex 13): a public complaint, one run of the data
rules, this quarter's inspection plan with one visit done (two failed items become findings), a rectification
answered by the outlet and awaiting verification, a bank self-inspection report awaiting review, a
consultation with two follow-up actions (one done) and the appraisals of the last completed quarter.

Everything goes through the services as the demo users; the nightly data rules run as the system (the job's
own entry point). Idempotent: once the demo district has an inspection plan or a consultation, nothing is added.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sheyin.accounts.models import RoleAssignment, User
from sheyin.accounts.roles import Role
from sheyin.institutions.models import Agency, Outlet, OutletStatus

from . import appraisal, services
from .checklists import INSPECTION_ITEMS, SELF_INSPECTION_ITEMS
from .models import Appraisal, Consultation, Finding, FormalTalk, Inspection, InspectionPlan, Rectification

DEMO_DISTRICT = "110105"  # 朝阳区
USERS = [
    "district_admin",
    "district_officer",
    "district_inspector",
    "outlet_manager",
    "bank_admin",
    "muni_admin",
]


def _photo(label: str) -> SimpleUploadedFile:
    """A stand-in for a photo taken on site (no people, no personal data)."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (800, 500), (236, 240, 244))
    d = ImageDraw.Draw(img)
    d.rectangle((24, 24, 776, 476), outline=(90, 110, 140), width=4)
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    try:
        font = ImageFont.truetype(str(settings.SHEYIN_PDF_FONT), 36)
    except OSError:  # the picture is decoration
        font = ImageFont.load_default()
    text = f"{label}（演示照片）"
    # Centred: the pages show a square thumbnail cut from the middle.
    d.text(((800 - d.textlength(text, font=font)) / 2, 230), text, fill=(50, 60, 80), font=font)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return SimpleUploadedFile("photo.png", buf.getvalue(), content_type="image/png")


def _quarter(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def seed(rng: random.Random, stdout: Any) -> None:
    district = Agency.objects.filter(code=DEMO_DISTRICT).first()
    users = {u.username: u for u in User.objects.filter(username__in=USERS)}
    home_a = (RoleAssignment.objects.filter(user__username="outlet_manager", role=Role.OUTLET_MANAGER)
              .select_related("outlet__bank").first())  # fmt: skip
    if district is None or home_a is None or home_a.outlet is None or set(USERS) - set(users):
        stdout.write("supervision demo data: needs the demo district, outlet and accounts; skipped")
        return
    if (
        InspectionPlan.objects.filter(district=district).exists()
        or Consultation.objects.filter(agency=district).exists()
    ):
        stdout.write("supervision demo data: already present")
        return
    home = home_a.outlet
    admin, officer, inspector, manager, bank_admin, muni = (users[k] for k in USERS)
    now = timezone.now()
    today = timezone.localdate(now)

    # The risk ranking of the plan and the appraisal read bad reviews, but seed_demo runs the apps' demos in
    # INSTALLED_APPS order, where ratings comes after supervision. Its seed is idempotent ("already present"
    # when seed_demo reaches it), so run it first when there are no ratings yet.
    try:
        from sheyin.ratings import demo as ratings_demo
        from sheyin.ratings.models import Rating
    except ImportError:  # ratings not installed: no review signal
        pass
    else:
        if not Rating.objects.exists():
            ratings_demo.seed(rng, stdout)

    # A citizen complained at the district about another 朝阳 outlet (群众反映).
    others = Outlet.objects.filter(district=district, status=OutletStatus.OPERATING).exclude(pk=home.pk)
    target = others.exclude(bank_id=home.bank_id).order_by("code").first() or others.order_by("code").first()
    complaint = None
    if target is not None:
        complaint = services.finding_create(
            outlet=target, source=Finding.Source.PUBLIC_FEEDBACK, severity=Finding.Severity.MEDIUM,
            title="群众反映：午间12:00—13:30窗口停办，未按公示营业时间服务",
            detail="市民来电反映，工作日中午到网点办理社保卡挂失，窗口称午休暂停服务，网点公示的营业时间为08:30—17:30。",
            by=officer,
        )  # fmt: skip

    # The nightly data rules, once, as the job would (the system); over the window ending today so the
    # demo cases accepted today are included (a later nightly run finds the same hits and adds none).
    hits = services.analysis_run(day=today)

    # This quarter's plan: every operating outlet once, the riskiest first (R9.4, Annex 13).
    year, quarter = _quarter(today)
    plan = services.inspection_plan_generate(district=district, year=year, quarter=quarter, by=officer)

    # The demo outlet's visit, moved to today, done on the tablet: two items fail and become findings.
    visit = plan.inspections.filter(outlet=home).first()
    if visit is None:  # the demo outlet is not operating: visit it on a special inspection instead
        visit = services.inspection_schedule(outlet=home, scheduled_date=today, by=inspector)
    visit = services.inspection_assign(
        inspection=visit, inspector=inspector, scheduled_date=today, by=officer
    )
    failed = {
        0: "服务清单仍为2024年版本，未更新公示新增的社保卡服务事项",
        7: "2号窗口显示器未加装防窥膜，台面留有未取走的参保证明打印件",
    }
    results = [{"item": str(t), "result": "fail" if n in failed else "pass", "note": failed.get(n, "")}
               for n, t in enumerate(INSPECTION_ITEMS)]  # fmt: skip
    visit = services.inspection_record(
        inspection=visit, results=results, photos=[_photo("2号窗口台面")], by=inspector,
        notes="网点整体运行规范，人员在岗与备案一致；服务清单公示和个人信息保护两项不符合，已当场告知网点负责人。",
    )  # fmt: skip

    # The privacy finding orders rectification; the outlet manager answers with evidence: awaiting verification.
    privacy = visit.findings.filter(evidence__item=str(INSPECTION_ITEMS[7])).first()
    answered = None
    if privacy is not None:
        order = services.rectification_order(
            finding=privacy, by=officer,
            requirement="所有窗口显示器加装防窥膜；打印件当场交付申请人，作废件当日碎纸处理；组织一次个人信息保护培训。",
        )  # fmt: skip
        once = services.rectification_answer(
            rectification=order, evidence=[_photo("防窥膜安装后")], by=manager,
            answer="已为全部3个窗口显示器加装防窥膜，配置碎纸机。",
        )  # fmt: skip
        # The district sends it back once (the training was missing); the outlet answers again: two rounds.
        once = services.rectification_verify(rectification=once, accept=False, by=officer,
                                              note="未见个人信息保护培训的签到记录，请补充。")  # fmt: skip
        answered = services.rectification_answer(
            rectification=once, evidence=[_photo("培训签到表")], by=manager,
            answer="已于本周组织全体经办人员个人信息保护培训，附签到表；防窥膜和碎纸机已在上次报送。",
        )  # fmt: skip

    # The bank files its self-inspection report for the last completed quarter: awaiting the district's review.
    last_year, last_quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    gaps = {5: "部分网点备用路由器未纳入专网设备台账，已要求补登"}
    self_results = [{"item": str(t), "result": "fail" if n in gaps else "pass", "note": gaps.get(n, "")}
                    for n, t in enumerate(SELF_INSPECTION_ITEMS)]  # fmt: skip
    report = services.self_inspection_submit(
        period=f"{last_year}Q{last_quarter}", results=self_results, by=bank_admin,
        summary="本季度对辖内社保合作网点开展内部控制自查，制度、人员授权和个人信息保护总体落实到位；"
                "专网设备台账存在1项不足，已于自查期间整改。",
    )  # fmt: skip

    # A consultation with the demo bank and its two follow-up actions; the first is already done.
    held = dt.datetime.combine(
        today - dt.timedelta(days=6), dt.time(14, 30), tzinfo=timezone.get_current_timezone()
    )
    consultation = services.consultation_record(
        agency=district, bank=home.bank, held_at=held, by=admin,
        title=f"{year}年第{quarter}季度{home.bank.short_name}合作网点工作会商",
        attendees=f"区社保中心：张区管、刘区办、陈稽核；{home.bank.short_name}北京市分行：赵行管及朝阳辖内网点负责人",
        minutes="通报本季度问题反馈办理、好差评和现场检查情况；银行介绍专网设备更新和人员培训安排。",
        decisions="一、银行统一更新辖内网点服务清单公示；二、年底前完成窗口显示器防窥改造。",
        actions=[
            {"description": "统一更新辖内网点服务清单公示牌", "owner": home.bank.short_name,
             "due_date": today - dt.timedelta(days=1)},
            {"description": "完成辖内全部网点窗口显示器防窥改造", "owner": home.bank.short_name,
             "due_date": dt.date(year, 12, 31)},
            {"description": "建议将“社保卡金融账户激活指导”列入服务事项清单", "owner": "区社保中心",
             "due_date": dt.date(year, 12, 31)},
        ],
    )  # fmt: skip
    first = consultation.actions.order_by("due_date", "id").first()
    if first is not None:
        services.consultation_action_done(action=first, note="已更新朝阳辖内全部网点的服务清单公示牌，附照片备查。",
                                          by=officer)  # fmt: skip

    # Last quarter at the demo outlet: a poor inspection, a public complaint and a rectification answered
    # after its deadline — enough data to appraise it, and it fails (the other outlets have too little data).
    # The other apps' history has the same quarter slip (sheyin.common.demo_history.slump): more bad reviews,
    # rectified late, and archives handed over late, so their figures agree with the verdict.
    _last_quarter_history(
        home, last_year, last_quarter, inspector=inspector, officer=officer, manager=manager
    )

    # Appraisals of the last completed quarter for every outlet (city-wide, so by the municipal center).
    rows = appraisal.appraisal_compute(year=last_year, quarter=last_quarter, by=muni)
    talk = FormalTalk.objects.filter(
        outlet=home, appraisal__year=last_year, appraisal__quarter=last_quarter
    ).first()
    if talk is not None:  # the district held the talk yesterday and recorded it; the follow-up is pending
        talk = appraisal.formal_talk_record(
            talk=talk, held_at=now - dt.timedelta(days=1), place="朝阳区社会保险事业管理中心三层会议室", by=officer,
            attendees=f"区社保中心：张区管、刘区办；{home.bank.short_name}北京市分行：赵行管；网点负责人",
            minutes="通报上季度考核不合格：现场检查得分偏低、群众反映营业时间问题、整改逾期报送。银行说明原因，承认管理不到位。",
            commitments="一、两周内完成全部窗口个人信息保护整改\n二、严格执行公示营业时间\n三、整改通知按期报送",
            commitment_due=today + dt.timedelta(days=30),
        )  # fmt: skip

    # Service proposals (R10.2): the bank's awaiting the first review, the district's returned for more,
    # and the consultation's reviewed and accepted by two different people at the municipal center.
    proposed = _proposals(consultation, bank_admin=bank_admin, district_officer=officer, district_admin=admin,
                          muni_admin=muni)  # fmt: skip
    grades = {g: sum(1 for a in rows if a.grade == g) for g in Appraisal.Grade.values}
    stdout.write(
        f"supervision demo data: complaint {complaint.number if complaint else '-'}, analysis "
        f"{sum(hits.values())} new finding(s), plan {plan} with {plan.inspections.count()} visits, inspection "
        f"score {visit.score} ({visit.findings.count()} findings), rectification "
        f"{answered.get_status_display() if answered else '-'}, self-inspection {report.period} "
        f"{report.get_status_display()}, consultation with {consultation.actions.count()} actions, "
        f"{len(rows)} appraisals {last_year}Q{last_quarter} ({', '.join(f'{k} {v}' for k, v in grades.items())}), "
        f"{Rectification.objects.filter(outlet__district=district).count()} rectifications in 朝阳, "
        f"formal talk {talk.get_status_display() if talk else '-'}, {proposed} service proposal(s)"
    )


def _last_quarter_history(
    home: Outlet, year: int, quarter: int, *, inspector: Any, officer: Any, manager: Any
) -> None:
    """Moved into last quarter after being made through the services (history, as the casework demo does)."""
    first, _last = services.quarter_bounds(year, quarter)
    tz = timezone.get_current_timezone()
    visit_day, complaint_day = first + dt.timedelta(days=40), first + dt.timedelta(days=20)
    visit = services.inspection_schedule(outlet=home, scheduled_date=visit_day, by=inspector)
    failed = {1: "叫号屏未显示服务事项，群众不清楚在哪个窗口办理", 4: "经办人员未佩戴工牌",
              6: "自助终端旁无引导人员"}  # fmt: skip
    results = [{"item": str(t), "result": "fail" if n in failed else "pass", "note": failed.get(n, "")}
               for n, t in enumerate(INSPECTION_ITEMS)]  # fmt: skip
    visit = services.inspection_record(inspection=visit, results=results, by=inspector,
                                       notes="窗口引导和人员规范不到位，已当场告知网点负责人。")  # fmt: skip
    visited = dt.datetime.combine(visit_day, dt.time(10, 30), tzinfo=tz)
    Inspection.objects.filter(pk=visit.pk).update(visited_at=visited)
    Finding.objects.filter(inspection=visit).update(found_at=visited)
    complaint = services.finding_create(
        outlet=home, source=Finding.Source.PUBLIC_FEEDBACK, severity=Finding.Severity.LOW, by=officer,
        title="群众反映：周六上午网点未按公示时间开门",
        detail="市民来电反映周六09:00到网点办理社保卡挂失，网点10:00才开门，公示营业时间为09:00—16:00。",
    )  # fmt: skip
    order = services.rectification_order(finding=complaint, requirement="严格按公示时间营业，报送整改情况。", by=officer,
                                         today=complaint_day)  # fmt: skip
    found = dt.datetime.combine(complaint_day, dt.time(15, 0), tzinfo=tz)
    Finding.objects.filter(pk=complaint.pk).update(found_at=found)
    Rectification.objects.filter(pk=order.pk).update(ordered_at=found)
    late = services.rectification_answer(rectification=order, by=manager,
                                         answer="已调整周末排班，周六09:00前到岗开门。")  # fmt: skip
    answered = dt.datetime.combine(order.due_date + dt.timedelta(days=6), dt.time(11, 0), tzinfo=tz)
    Rectification.objects.filter(pk=late.pk).update(answered_at=answered)
    late.round_set.update(answered_at=answered)
    services.rectification_verify(rectification=late, accept=True, by=officer, note="已核实，但报送逾期。")


def _proposals(consultation: Consultation, *, bank_admin: Any, district_officer: Any, district_admin: Any,
               muni_admin: Any) -> int:  # fmt: skip
    from sheyin.catalogue import proposals

    muni_officer = User.objects.filter(username="muni_officer").first()
    proposals.proposal_submit(by=bank_admin, data={
        "title": "灵活就业人员缴费基数申报指导", "category": "registration", "audience": "individual", "channels": ["O", "W"],
        "description": "在网厅自助区指导灵活就业人员在线申报缴费基数，必要时在窗口协助提交。",
        "reasons": "每年缴费基数申报期前后，网点接待大量咨询；网厅自助区有引导员，操作简单、风险可控。",
        "expected_volume": 80000, "volume_basis": "本行朝阳辖内网点2026年申报期咨询台账约1.2万人次，按全市网点推算。",
        "materials": "居民身份证"})  # fmt: skip
    district = proposals.proposal_submit(by=district_officer, data={
        "title": "城乡居民养老保险待遇领取资格集中认证", "category": "benefits", "audience": "individual",
        "channels": ["T", "W"], "description": "老年人在网点自助终端人脸识别认证，窗口协助不会操作的老人。",
        "reasons": "辖区老年人多，认证季社区服务站排队长，网点分布广、就近方便。", "expected_volume": 30000})  # fmt: skip
    n = 2
    if muni_officer is not None:
        proposals.proposal_return(proposal=district, by=muni_officer,
                                  reason="请补充认证季各网点的预计人次和老年人协助的安排。")  # fmt: skip
        action = consultation.actions.filter(description__contains="金融账户激活").first()
        if action is not None:
            p = proposals.proposal_submit(consultation_action=action, by=district_admin, data={
                "title": "社保卡金融账户激活指导", "category": "card", "audience": "individual", "channels": ["T", "W"],
                "description": "持卡人在合作网点自助终端或窗口激活第三代社保卡金融账户，经办人员现场指导。",
                "reasons": "会商议定：持卡人到网点咨询激活的很多，网点有终端和窗口，由银行经办、风险可控。",
                "expected_volume": 120000, "volume_basis": "会商中银行提供的前三季度咨询量约9万人次",
                "materials": "社会保障卡\n居民身份证"})  # fmt: skip
            p = proposals.proposal_review(proposal=p, recommend=True, by=muni_officer,
                                          opinion="高频需求，网点具备终端和窗口条件，风险可控，建议采纳。")  # fmt: skip
            proposals.proposal_decide(
                proposal=p, accept=True, note="同意，纳入下一版服务事项清单。", by=muni_admin
            )
            n += 1
    return n
