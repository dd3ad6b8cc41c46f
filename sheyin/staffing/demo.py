"""Demo data for outlet staff: courses, sessions, a question bank, rosters, exams, agreements and grants.

The demo outlet (where the demo users outlet_staff and outlet_manager work) is fully staffed and certified;
a handful of other outlets have rosters with gaps, so the staffing check lists shortfalls. History before
today (attended sessions, earlier exams and agreements of people without an account) is written directly;
everything a person does today goes through the services. Idempotent: runs once.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from sheyin.accounts.models import User
from sheyin.accounts.roles import Role
from sheyin.audit.context import client_address
from sheyin.common.identifiers import make_id_number
from sheyin.institutions.models import Agency, Outlet, OutletStatus

from . import reference, services
from .models import (
    AgreementTemplate,
    ConfidentialityAgreement,
    Course,
    Enrolment,
    Question,
    StaffEvent,
    StaffMember,
    TrainingSession,
)
from .pdfs import agreement_pdf
from .workflow import EnrolmentStatus, Post

DEMO_DISTRICT = "110105"
OTHER_DISTRICT = "110108"

COURSES: list[tuple[str, str, str, str | None, bool, str]] = [
    ("PX-001", "社保经办业务与个人信息保护（上岗培训）", Course.Kind.CENTRALISED, None, True,
     "社银合作管理办法与服务事项清单；无差别受理规范；个人权益记录查询打印；社保卡业务；个人信息保护与数据安全；投诉与好差评。"),
    ("PX-002", "窗口业务顶岗实训", Course.Kind.ON_THE_JOB, DEMO_DISTRICT, False,
     "在区社保经办机构服务大厅跟岗，完成参保登记、待遇资格认证、社保卡补换等业务的实际操作。"),
    ("PX-003", "临柜指导（远程视频）", Course.Kind.AT_COUNTER, DEMO_DISTRICT, False,
     "区社保经办机构业务骨干通过视频或到网点现场，对新开业网点的首批业务进行临柜指导。"),
    ("PX-004", "个人信息保护与数据安全专项测试", Course.Kind.CENTRALISED, None, True,
     "年度数据安全专项测试：个人信息保护法要点、敏感个人信息、终端与网络安全、安全事件报告。"),
]  # fmt: skip
# The data-security test draws from the questions on data security (indices into QUESTIONS).
SECURITY_QUESTIONS = [1, 2, 3, 4, 7, 11, 14, 15, 18]

# (kind, text, options, right answers, explanation)
QUESTIONS: list[tuple[str, str, list[str], list[int], str]] = [
    ("single", "参保人员在合作网点查询打印个人权益记录时，经办人员首先应当：",
     ["核验本人身份证件或社会保障卡", "直接按姓名查询", "请其他窗口代为查询", "要求提供单位证明"], [0],
     "查询个人信息须先核验本人身份。"),
    ("single", "《社会保险法》第八十一条要求社会保险经办机构及其工作人员对在工作中知悉的用人单位和个人信息应当：",
     ["予以保密，不得泄露", "定期向社会公开", "提供给合作银行营销使用", "由工作人员自行保管"], [0], ""),
    ("single", "合作网点经办人员登录社保业务系统，应当使用：",
     ["本人账号", "网点公用账号", "网点负责人账号", "任意同事的账号"], [0], "一人一号，不得共用。"),
    ("single", "经办人员离开窗口时，对已登录的业务系统应当：",
     ["锁定屏幕或退出登录", "保持登录以便回来继续", "请引导员代为操作", "关闭显示器即可"], [0], ""),
    ("single", "网点发现疑似个人信息泄露事件，正确的做法是：",
     ["立即停止相关操作并向网点负责人和区社保经办机构报告", "先自行删除相关记录", "等待月底统一报告", "告知参保人后不再处理"], [0], ""),
    ("single", "合作网点向区社保经办机构移交业务档案的默认时限是：",
     ["5个工作日内", "当月月底前", "一年内", "无需移交"], [0], "附件10默认规则。"),
    ("single", "下列哪项业务原则上不委托合作网点办理？",
     ["退休待遇申领", "参保证明查询打印", "社会保障卡临时挂失", "灵活就业人员参保登记"], [0], ""),
    ("single", "个人权益记录打印件上的社会保障号码应当：",
     ["脱敏显示", "完整显示", "不显示姓名", "手写补充"], [0], ""),
    ("single", "好差评中，下列哪一项属于差评？",
     ["不满意", "基本满意", "满意", "非常满意"], [0], "不满意、非常不满意为差评。"),
    ("single", "网点经办人员的业务权限默认有效期为：",
     ["2年", "半年", "5年", "长期有效"], [0], "到期须重新认证。"),
    ("multiple", "经办人员获得业务权限前，必须满足的条件包括：",
     ["完成规定学时的培训", "考核合格且在有效期内", "签署保密协议", "取得会计从业资格"], [0, 1, 2], "经区社保经办机构培训、考核合格并签署保密协议后，方可获得业务权限。"),
    ("multiple", "下列做法中，违反数据安全要求的有：",
     ["用手机拍摄业务系统界面", "用U盘拷贝参保人员信息", "把参保信息提供给本行信用卡部门营销", "业务完成后退出系统"], [0, 1, 2], ""),
    ("multiple", "合作网点必须同时提供的服务方式有：",
     ["自助服务终端办理", "网厅自助办理", "柜台办理", "上门办理"], [0, 1, 2], "合作网点须同时实现自助服务终端机办理、网厅自助办理、柜台办理三种合作模式。"),
    ("multiple", "社保卡即时制卡窗口应当配备的设备有：",
     ["电脑", "高拍仪", "第三代社保卡制卡机", "点钞机"], [0, 1, 2], "人工服务窗口配备电脑、高拍仪、第三代社保卡制卡机等设施设备。"),
    ("multiple", "属于敏感个人信息、须加强保护的有：",
     ["身份证号码", "医疗健康信息", "金融账户信息", "网点营业时间"], [0, 1, 2], "个人信息保护法第二十八条。"),
    ("true_false", "经办人员可以将自己的系统账号借给同一网点的同事临时使用。", [], [1], "一人一号，不得转借。"),
    ("true_false", "网点终止合作后，区社保经办机构应当收回该网点经办人员的业务权限。", [], [0], "合作终止后，区社保经办机构收回网点经办人员的业务权限并收回标牌。"),
    ("true_false", "所有合作网点对清单内的服务事项应当无差别受理。", [], [0], "一个清单、一个标准、一套流程，清单内事项无差别受理。"),
    ("true_false", "经过参保人员口头同意后，网点可以将其参保信息提供给第三方机构。", [], [1],
     "未经授权不得向第三方提供社会保险数据。"),
    ("true_false", "经办人员调往同一银行的其他网点后，原网点的业务权限继续有效。", [], [1], "调动即撤销原网点权限。"),
]  # fmt: skip

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国晓东海燕丹萍婷雪梅宇辉鹏志文斌玲红琳"
PDF_STUB = b"%PDF-1.4\n% demo score sheet\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def _id_number(rng: random.Random, used: set[str]) -> str:
    while True:
        birth = dt.date(1975, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 25))
        value = make_id_number(f"110105{birth:%Y%m%d}{rng.randint(0, 999):03d}")
        if value not in used:
            used.add(value)
            return value


def _at(days_ago: int, hour: int = 9) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def seed(rng: random.Random, stdout: Any) -> None:
    if Course.objects.filter(code="PX-001").exists():
        stdout.write("staffing demo data: already present")
        return
    if not AgreementTemplate.objects.exists():
        reference.load(stdout)
    users = {u.username: u for u in User.objects.filter(username__in=[
        "outlet_staff", "outlet_manager", "district_officer", "district_admin"])}  # fmt: skip
    staff_user, manager_user = users.get("outlet_staff"), users.get("outlet_manager")
    officer, admin = users.get("district_officer"), users.get("district_admin")
    if staff_user is None or manager_user is None:
        stdout.write("staffing demo data: demo accounts missing, skipped")
        return
    home = Outlet.objects.get(pk=staff_user.assignments.get(role=Role.OUTLET_STAFF).outlet_id or 0)
    chaoyang = Agency.objects.get(code=DEMO_DISTRICT)
    haidian = Agency.objects.get(code=OTHER_DISTRICT)

    courses: dict[str, Course] = {}
    for code, title, kind, district, has_exam, description in COURSES:
        courses[code] = services.course_save(
            data={"code": code, "title": title, "kind": kind, "district": chaoyang if district else None,
                  "description": description, "exam_question_count": 5 if code == "PX-004" else 10,
                  "exam_minutes": 15 if code == "PX-004" else 30,
                  "has_exam": has_exam, "certifies": code == "PX-001", "active": True},
            by=None,
        )  # fmt: skip
    for i, (kind, text, options, answer, explanation) in enumerate(QUESTIONS):
        if kind != "true_false":  # the right options are listed first above; shuffle them into place
            order = list(range(len(options)))
            rng.shuffle(order)
            options, answer = [options[j] for j in order], sorted(order.index(a) for a in answer)
        for code in ("PX-001", "PX-004") if i in SECURITY_QUESTIONS else ("PX-001",):
            services.question_save(
                course=courses[code],
                data={
                    "kind": kind,
                    "text": text,
                    "options": options,
                    "answer": answer,
                    "explanation": explanation,
                },
                by=None,
            )

    def session(
        course: str, district: Agency, days: int, hours: str, place: str = "", video: str = ""
    ) -> Any:
        start = _at(days)  # days ago; negative: in the future
        return services.session_save(
            data={"course": courses[course], "district": district, "starts_at": start,
                  "ends_at": start + dt.timedelta(hours=8), "place": place, "video_link": video, "capacity": 30,
                  "hours": Decimal(hours)},
            by=None,
        )  # fmt: skip

    past = [
        session("PX-001", chaoyang, 60, "8", place="朝阳区社会保险事业管理中心三层培训室"),
        session("PX-002", chaoyang, 45, "8", place="朝阳区社会保险事业管理中心服务大厅"),
        session("PX-001", haidian, 50, "8", place="海淀区社会保险事业管理中心培训室"),
        session("PX-001", chaoyang, 740, "8", place="朝阳区社会保险事业管理中心三层培训室"),
        session("PX-002", chaoyang, 735, "8", place="朝阳区社会保险事业管理中心服务大厅"),
        session("PX-002", haidian, 48, "8", place="海淀区社会保险事业管理中心服务大厅"),
    ]
    upcoming = [
        session("PX-001", chaoyang, -7, "8", place="朝阳区社会保险事业管理中心三层培训室"),
        session("PX-003", chaoyang, -14, "2", video="https://meeting.sheyin.intra/room/chaoyang-0312"),
        session("PX-002", haidian, -10, "8", place="海淀区社会保险事业管理中心服务大厅"),
    ]
    for s in past:
        services.session_transition(session=s, action="complete", by=None)

    used: set[str] = set()
    counter = [0]

    def add(outlet: Outlet, post: str, name: str | None = None, user: Any = None) -> StaffMember:
        counter[0] += 1
        staff = services.staff_create(
            outlet=outlet,
            data={"employee_no": f"{outlet.bank.short_name[:2]}{outlet.code[-4:]}{counter[0]:03d}",
                  "name": name or _name(rng), "id_number": _id_number(rng, used),
                  "phone": f"13{rng.randint(100000000, 999999999)}", "post": post},
            by=None,
        )  # fmt: skip
        if user is not None:
            staff = services.staff_link_user(staff=staff, user=user, by=None)
        staff.events.update(at=_at(90))  # joined the roster before the history below
        return staff

    def attend(staff: StaffMember, sessions: list[TrainingSession]) -> None:
        for s in sessions:
            Enrolment.objects.create(session=s, staff=staff, status=EnrolmentStatus.ATTENDED, hours_earned=s.hours,
                                     attended_on=timezone.localdate(s.ends_at))  # fmt: skip
            StaffEvent.objects.create(staff=staff, at=s.ends_at, kind=StaffEvent.Kind.TRAINING, by_name="系统",
                                      text=f"参加培训“{s}”，获得{s.hours}学时")  # fmt: skip

    def sit_online(staff: StaffMember, user: Any, days_ago: int, right: int = 10) -> None:
        start = _at(days_ago, 14)
        attempt = services.attempt_start(staff=staff, course=courses["PX-001"], by=user, now=start)
        answers = {}
        for i, row in enumerate(attempt.answers.select_related("question").order_by("position")):
            q = row.question
            answers[q.pk] = q.answer if i < right else [(q.answer[0] + 1) % len(q.options)]
        services.attempt_submit(
            attempt=attempt, by=user, answers=answers, now=start + dt.timedelta(minutes=18)
        )

    def sit_offline(staff: StaffMember, days_ago: int, score: int) -> None:
        services.attempt_record_offline(
            staff=staff, course=courses["PX-001"], score=score, taken_on=timezone.localdate() - dt.timedelta(days=days_ago),
            evidence=ContentFile(PDF_STUB, name="score-sheet.pdf"), by=None, note="演示数据：线下考试",
        )  # fmt: skip

    def signed(staff: StaffMember, days_ago: int) -> None:
        """An agreement signed before this system's demo began (people without a demo account)."""
        tpl = AgreementTemplate.objects.order_by("-version").first()
        assert tpl is not None
        when = _at(days_ago, 16)
        c = ConfidentialityAgreement.objects.create(
            staff=staff, template=tpl, title=tpl.title, body=tpl.body, signed_name=staff.name, consent=True,
            signed_at=when, client_address="10.12.8.31",
            valid_until=timezone.localdate(when) + dt.timedelta(days=services.StaffingSettings.current().agreement_validity_days),
        )  # fmt: skip
        c.pdf.save(f"agreement-{c.pk}.pdf", ContentFile(agreement_pdf(c)), save=True)
        StaffEvent.objects.create(staff=staff, at=when, kind=StaffEvent.Kind.AGREEMENT, by_name=staff.name,
                                  text=f"签署保密协议（v{tpl.version}）")  # fmt: skip

    local = home.district_id == chaoyang.pk  # the demo district users may act on the demo outlet

    def grant(staff: StaffMember, channels: list[str], district_users: bool = True) -> None:
        district_users = district_users and staff.district_id == chaoyang.pk and local
        g = services.grant_propose(staff=staff, channels=channels, categories=["query", "registration", "benefits", "card"],
                                   note="上岗授权", by=officer if district_users else None)  # fmt: skip
        services.grant_decide(
            grant=g, action="approve", note="条件齐备，同意", by=admin if district_users else None
        )

    # The demo outlet: the two demo users (window staff and manager) plus a guide, all certified.
    me = add(home, Post.WINDOW, name="周经办", user=staff_user)
    attend(me, past[:2])
    sit_online(me, staff_user, 40)
    token = client_address.set("10.12.8.21")  # the outlet terminal the demo users "signed" on
    services.agreement_sign(staff=me, typed_name=me.name, consent=True, by=staff_user, now=_at(38, 10))
    grant(me, ["T", "O", "W"])
    boss = add(home, Post.MANAGER, name="孙网点", user=manager_user)
    attend(boss, past[:2])
    sit_online(boss, manager_user, 39, right=9)
    services.agreement_sign(staff=boss, typed_name=boss.name, consent=True, by=manager_user, now=_at(37, 10))
    client_address.reset(token)
    grant(boss, ["T", "O", "W"])
    guide = add(home, Post.GUIDE)
    attend(guide, past[:2])
    sit_offline(guide, 41, 88)
    signed(guide, 36)
    grant(guide, ["T", "O"])
    if home.windows > 1:
        second = add(home, Post.WINDOW)
        attend(second, past[:2])
        sit_offline(second, 41, 92)
        signed(second, 36)
        grant(second, ["O", "W"])

    # Other outlets of the demo district: rosters at different stages, so the check shows gaps.
    others = list(
        Outlet.objects.filter(district=chaoyang, status=OutletStatus.OPERATING)
        .exclude(pk=home.pk)
        .order_by("code")[:5]
    )
    for i, outlet in enumerate(others):
        w1 = add(outlet, Post.WINDOW)
        g1 = add(outlet, Post.GUIDE)
        attend(w1, past[:2])
        attend(g1, past[:2])
        if i % 2 == 0:  # certified window staff and guide
            sit_offline(w1, 42, 85 + i)
            signed(w1, 35)
            grant(w1, ["O", "W"])
        else:  # trained, agreement signed, exam not yet passed: a shortfall
            sit_offline(w1, 42, 70 + i)
            signed(w1, 35)
        if i < 3:
            sit_offline(g1, 42, 90)
            signed(g1, 35)
            grant(g1, ["T", "O"])
        if i == 0:  # a certification that runs out soon: reminders go out
            old = add(outlet, Post.WINDOW)
            attend(old, past[3:5] + past[:2])  # the first training two years ago, re-training this year
            sit_offline(old, 715, 86)
            signed(old, 712)
            grant(old, ["W"])
        if i == 1:  # ready, waiting for the district admin's approval
            ready = add(outlet, Post.WINDOW)
            attend(ready, past[:2])
            sit_offline(ready, 30, 95)
            signed(ready, 28)
            services.grant_propose(staff=ready, channels=["O", "W"], categories=["query", "card"],
                                   note="新入职窗口人员，已完成培训考核", by=officer)  # fmt: skip
        if i == 2:  # left the bank: grant revoked
            gone = add(outlet, Post.WINDOW)
            attend(gone, past[:2])
            sit_offline(gone, 42, 84)
            signed(gone, 35)
            grant(gone, ["O", "W"])
            services.staff_transition(staff=gone, action="leave", reason="本人辞职", by=None)
    # Enrolments in the next centralised session (the outlet manager enrols).
    newcomers = StaffMember.objects.filter(outlet__in=others[1::2], post=Post.WINDOW, grants__isnull=True)
    for s in newcomers[:3]:
        services.enrolment_create(session=upcoming[0], staff=s, by=None)

    # A district elsewhere, to show scope: one outlet in Haidian with a certified pair.
    far = Outlet.objects.filter(district=haidian, status=OutletStatus.OPERATING).order_by("code").first()
    if far is not None:
        for post, ch in ((Post.WINDOW, ["O", "W"]), (Post.GUIDE, ["T", "O"])):
            p = add(far, post)
            attend(p, [past[2], past[5]])
            sit_offline(p, 44, 90)
            signed(p, 40)
            grant(p, ch, district_users=False)
    stdout.write(
        f"staffing demo data: {Course.objects.count()} courses, {Question.objects.count()} questions, "
        f"{TrainingSession.objects.count()} sessions, {StaffMember.objects.count()} staff"
    )
