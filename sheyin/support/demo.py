"""Demo problem tickets in 朝阳区 (R9.2): the district's named contacts, six tickets from three outlets in every
state the pages show (new, answered, answered then followed up, closed twice, one overdue and escalated), a
remote guidance session and two FAQ entries from the closed tickets. The demo outlet's own staff raise
theirs; the demo bank raises the others for two more of its 朝阳 outlets (its head-office channel).

Then a year of history (sheyin.common.demo_history): a few tickets a month from the demo bank's 朝阳 outlets,
each answered and closed by the district, most within the deadlines.

Everything goes through the services as the demo users; only history (when a ticket was raised) is moved
back with a queryset update afterwards, because the services always stamp "now". Idempotent: once the demo
district has tickets, nothing is added.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.urls import reverse
from django.utils import timezone

from sheyin.accounts.models import RoleAssignment, User
from sheyin.accounts.roles import Role
from sheyin.common import demo_history
from sheyin.common.numbering import restart
from sheyin.institutions.models import Agency, Outlet, OutletStatus
from sheyin.institutions.workdays import add_working_days, is_workday
from sheyin.notifications.models import Notification

from . import services
from .models import Category, DistrictContact, Ticket, TicketMessage
from .workflow import TicketStatus

DEMO_DISTRICT = "110105"  # 朝阳区
TICKETS_PER_MONTH = 8  # raised in the demo district in an average month of the history
# The history's tickets: category, title, description, the district's answer and the resolution.
HISTORY_TICKETS = [
    (Category.CARD, "社保卡制卡进度查询", "群众询问两周前申请的社保卡制卡进度，系统显示“制卡中”，网点无法答复领卡时间。",
     "经向制卡中心核实，该批次卡片已制成，三个工作日内配送至网点，可通知群众届时领取。", "已答复群众领卡时间，卡片已送达网点。"),
    (Category.SYSTEM, "业务系统查询响应缓慢", "上午高峰时段业务系统查询参保信息响应很慢，单笔查询超过一分钟。",
     "经排查为专网线路拥塞，已协调运营商扩容；如仍缓慢请记录发生时间后补充反馈。", "线路扩容后查询恢复正常。"),
    (Category.EQUIPMENT, "自助终端读卡器无法识别社保卡", "大厅自助终端插入社保卡后提示“读卡失败”，已重启终端，问题依旧。",
     "请先清洁读卡器触点并更新驱动；已安排厂商上门检修。", "厂商更换读卡模块后恢复正常。"),
    (Category.BUSINESS, "城乡居民养老保险缴费档次变更", "群众询问一年内能否多次变更城乡居民养老保险缴费档次。",
     "每年可变更一次缴费档次，须在当年缴费前办理；当年已缴费的不再变更。", "已按答复向群众解释。"),
    (Category.POLICY, "异地就医备案后的门诊报销", "退休人员询问办理异地就医备案后，门诊费用报销比例是否变化。",
     "备案后在就医地定点医疗机构就医，按北京市待遇标准报销，比例不变。", "已答复群众。"),
    (Category.BUSINESS, "外区户籍人员办理失业登记的材料", "外区户籍人员询问在本网点办理失业登记需要哪些材料。",
     "持居民身份证即可办理，网点核验原件后受理，无需户籍地证明。", "网点已按答复受理。"),
    (Category.CARD, "社保卡临时挂失后能否在网点解挂", "群众临时挂失后找到了卡片，询问能否在网点直接解挂。",
     "可持本人居民身份证在窗口办理解挂；解挂为高风险事项，须另一名持证人员复核后提交。", "已为群众办理解挂。"),
    (Category.OTHER, "政策宣传折页补充", "网点政策宣传折页已发完，询问如何申领新版折页。",
     "新版折页已随本月物料配送；如仍不足，可到区社保中心领取。", "已领取新版宣传折页。"),
]  # fmt: skip


def _users() -> dict[str, User]:
    names = ["district_admin", "district_officer", "outlet_manager", "outlet_staff", "bank_admin"]
    return {u.username: u for u in User.objects.filter(username__in=names)}


def _backdate(ticket: Ticket, days: int) -> Ticket:
    """History: the ticket was raised `days` calendar days ago. The services stamp "now", so the times, the
    working-day deadlines (recomputed from the earlier day) and the dated number move back by update."""
    ticket = Ticket.objects.get(pk=ticket.pk)  # the caller's copy predates the reply and close
    shift = dt.timedelta(days=days)
    raised = ticket.raised_at - shift
    reply_due, close_due = services.deadlines(timezone.localdate(raised))
    Ticket.objects.filter(pk=ticket.pk).update(
        number=_number(raised), raised_at=raised, reply_due=reply_due, close_due=close_due,
        first_reply_at=ticket.first_reply_at - shift if ticket.first_reply_at else None,
        closed_at=ticket.closed_at - shift if ticket.closed_at else None,
        escalated_at=ticket.escalated_at - shift if ticket.escalated_at else None,
    )  # fmt: skip
    for m in TicketMessage.objects.filter(ticket=ticket):
        TicketMessage.objects.filter(pk=m.pk).update(at=m.at - shift)
    ticket.refresh_from_db()
    return ticket


def _number(raised: dt.datetime) -> str:
    """A free number of the day the ticket was raised."""
    prefix = f"WT{timezone.localdate(raised):%Y%m%d}"
    n = Ticket.objects.filter(number__startswith=prefix).count() + 1
    while Ticket.objects.filter(number=f"{prefix}{n:04d}").exists():
        n += 1
    return f"{prefix}{n:04d}"


def seed(rng: random.Random, stdout: Any) -> None:
    district = Agency.objects.filter(code=DEMO_DISTRICT).first()
    users = _users()
    home_a = (RoleAssignment.objects.filter(user__username="outlet_manager", role=Role.OUTLET_MANAGER)
              .select_related("outlet").first())  # fmt: skip
    needed = {"district_admin", "district_officer", "outlet_manager", "outlet_staff", "bank_admin"}
    if district is None or home_a is None or home_a.outlet is None or not needed <= set(users):
        stdout.write("support demo data: needs the demo district, outlet and accounts; skipped")
        return
    if Ticket.objects.filter(district=district).exists():
        stdout.write("support demo data: already present")
        return
    home = home_a.outlet
    admin, officer, manager, staff = (users[k] for k in ("district_admin", "district_officer", "outlet_manager",
                                                          "outlet_staff"))  # fmt: skip

    # The district head names the officer as the contact for every category (R9.2).
    for i, category in enumerate(Category.values):
        if not DistrictContact.objects.filter(district=district, category=category).exists():
            services.contact_set(district=district, category=category, user=officer,
                                 phone=f"010-6509{2100 + i:04d}", by=admin)  # fmt: skip
    bank = users["bank_admin"]
    # Two more operating 朝阳 outlets of the demo bank; the bank raises their tickets for them.
    others = list(Outlet.objects.filter(district=district, bank_id=home.bank_id, status=OutletStatus.OPERATING)
                  .exclude(pk=home.pk).order_by("code")[:2])  # fmt: skip

    def raise_at(n: int, **kw: Any) -> Ticket:
        if n < len(others):
            return services.ticket_raise(outlet=others[n], by=bank, **kw)
        return services.ticket_raise(by=staff, **kw)  # no other outlet of the bank: the demo outlet

    # 1. New: raised today, waiting for the first answer.
    services.ticket_raise(
        category=Category.CARD, title="社保卡补卡进度查询不到",
        description="群众反映9天前在本网点申请补卡，系统中查询制卡进度一直显示“受理中”，无法答复办理时间。",
        by=staff,
    )  # fmt: skip
    # 2. Answered yesterday, after a remote guidance session on the network.
    answered = services.ticket_raise(
        category=Category.SYSTEM, title="业务系统登录后频繁掉线",
        description="今天上午起两个窗口的业务系统每隔十几分钟掉线一次，需重新登录，已重启终端和路由器，问题依旧。",
        by=manager,
    )  # fmt: skip
    services.ticket_reply(
        ticket=answered,
        body="经远程排查，网点专网路由器固件版本过旧导致会话超时，已指导网点更新配置；请观察一天，如仍掉线请补充说明。",
        by=officer,
    )
    # 3. Closed by the district, turned into an FAQ entry.
    flexible = raise_at(
        0, category=Category.BUSINESS, title="灵活就业人员参保登记需要哪些材料",
        description="外省户籍人员在京灵活就业，想在网点办理参保登记，窗口不确定是否需要居住证。",
    )  # fmt: skip
    services.ticket_reply(
        ticket=flexible,
        body="非京籍人员以灵活就业身份参保须持有效期内的北京市居住证和居民身份证，网点核验原件后受理，无需其他证明。",
        by=officer,
    )
    services.ticket_close(ticket=flexible, resolution="已答复材料要求，网点已按要求受理。", by=officer)
    # 4. Closed by the outlet itself once the answer worked, also an FAQ entry.
    camera = services.ticket_raise(
        category=Category.EQUIPMENT, title="高拍仪拍摄材料无法上传",
        description="高拍仪能预览画面，但点击“拍摄上传”后提示“设备未就绪”，材料无法上传到业务系统。",
        by=staff,
    )  # fmt: skip
    services.ticket_reply(
        ticket=camera,
        body="请在终端“设备管理”中卸载高拍仪驱动后重新插拔USB线，系统会自动安装新版驱动；仍不行请联系我们远程处理。",
        by=officer,
    )
    services.ticket_close(ticket=camera, resolution="按答复重装驱动后恢复正常。", by=staff)
    # 5. Answered, then the outlet followed up: back in the contact's queue.
    followed = services.ticket_raise(
        category=Category.POLICY, title="退休人员异地居住资格认证",
        description="退休人员长期居住在外省，询问能否在本网点代为办理待遇领取资格认证。",
        by=manager,
    )  # fmt: skip
    services.ticket_reply(
        ticket=followed,
        body="资格认证可通过“北京人社”App 刷脸自助完成，无需到网点；网点可协助老人在App上操作。",
        by=officer,
    )
    services.ticket_follow_up(ticket=followed, body="老人不会使用智能手机，家属也不在身边，还有其他认证方式吗？",
                              by=manager)  # fmt: skip
    # 6. Overdue: raised last week and never answered (no contact acted). Backdated below, then the
    # escalation job (the system, as every morning) raises it.
    overdue = raise_at(
        1, category=Category.OTHER, title="网点服务标牌需要更换",
        description="网点门口“社保服务合作网点”标牌褪色严重，询问由哪个部门统一制作更换。",
    )  # fmt: skip

    _backdate(answered, 1)
    _backdate(flexible, 6)
    _backdate(camera, 4)
    _backdate(followed, 2)
    # Eight working days ago: past both the reply and the close deadline.
    today = timezone.localdate()
    day = today - dt.timedelta(days=1)
    while add_working_days(day, 8) > today:
        day -= dt.timedelta(days=1)
    _backdate(overdue, (today - day).days)
    escalated = services.tickets_escalate(today=today)

    services.guidance_log(
        outlet=home, held_at=timezone.now() - dt.timedelta(days=1, hours=2), duration_minutes=25,
        topic="业务系统掉线远程排查", outcome="partly", ticket=answered,
        note="视频连线查看路由器配置，更新会话保持参数；需观察一天后确认。", by=officer,
    )  # fmt: skip
    # The district's guidance behind an FAQ answer: shown on the ticket and under the answer (R10.2).
    services.guidance_log(
        outlet=camera.outlet, held_at=timezone.now() - dt.timedelta(hours=1), duration_minutes=15,
        topic="高拍仪驱动重装远程演示", outcome="solved", ticket=camera,
        note="视频连线演示卸载旧驱动、重新插拔USB线后自动安装新版驱动，现场拍摄上传成功。", by=officer,
    )  # fmt: skip
    services.faq_publish(
        ticket=flexible, question="外省户籍的灵活就业人员在网点办理参保登记需要哪些材料？",
        answer="持有效期内的北京市居住证和居民身份证原件即可办理，网点核验后受理，无需其他证明。", by=officer,
    )  # fmt: skip
    services.faq_publish(
        ticket=camera, question="高拍仪能预览但提示“设备未就绪”无法上传，怎么办？",
        answer="在终端“设备管理”中卸载高拍仪驱动，重新插拔USB线，系统会自动安装新版驱动；仍不行请提交问题反馈。",
        by=officer,
    )  # fmt: skip
    history = _history(rng, others=others, raisers=[staff, manager], bank=bank, officer=officer)
    states = {s: Ticket.objects.filter(district=district, status=s).count() for s in TicketStatus.values}
    stdout.write(
        f"support demo data: {sum(states.values())} tickets ({', '.join(f'{k} {v}' for k, v in states.items())}), "
        f"escalated {sum(escalated.values())}, {DistrictContact.objects.filter(district=district).count()} contacts, "
        f"1 guidance session, 2 FAQ entries; a year of history: {history} tickets"
    )


def _history(
    rng: random.Random, *, others: list[Outlet], raisers: list[User], bank: User, officer: User
) -> int:
    """A year of tickets in the demo district, topping up each month around the six above: raised by the
    demo outlet's people or by the bank for its other 朝阳 outlets, answered by the district's contact the
    same or the next working day and closed within a few days (now and then after the closing deadline).
    The demo outlet raised none due in the slump quarter: its appraisal of that quarter counts the tickets
    due then (sheyin.common.demo_history.slump). The services' messages about them were dealt with back then
    and are not left in today's inboxes. Returns the number of tickets."""
    since = timezone.now()
    plan = demo_history.Plan(timezone.localdate(since), open_day=is_workday)
    first, last = demo_history.slump(plan.today)
    tz = timezone.get_current_timezone()
    urls = []
    for at in plan.moments(
        TICKETS_PER_MONTH,
        rng,
        have=demo_history.by_month(Ticket.objects.values_list("raised_at", flat=True)),
        noise=0.3,
    ):
        category, title, description, answer, resolution = rng.choice(HISTORY_TICKETS)
        day = timezone.localdate(at)
        due = services.deadlines(day)[1]
        if others and (first <= day <= last or first <= due <= last or rng.random() < 0.5):
            ticket = services.ticket_raise(outlet=rng.choice(others), category=category, title=title,
                                           description=description, by=bank)  # fmt: skip
        else:
            ticket = services.ticket_raise(category=category, title=title, description=description,
                                           by=rng.choice(raisers))  # fmt: skip
        services.ticket_reply(ticket=ticket, body=answer, by=officer)
        services.ticket_close(ticket=ticket, resolution=resolution, by=officer)
        replied = at + dt.timedelta(minutes=rng.randrange(60, 180))
        if at.hour >= 14:  # answered the next working day, unless that is still to come
            replied = min(dt.datetime.combine(plan.next_open(day), dt.time(10, rng.randrange(60)), tzinfo=tz),
                          max(replied, since - dt.timedelta(minutes=90)))  # fmt: skip
        late = rng.random() < 0.1
        closing = plan.next_open(day, rng.randint(6, 8) if late else rng.randint(1, 4))
        closed = dt.datetime.combine(closing, dt.time(rng.randrange(14, 17), rng.randrange(60)), tzinfo=tz)
        closed = min(closed, max(replied + dt.timedelta(minutes=30), since - dt.timedelta(minutes=30)))
        _place(ticket, at, replied, closed)
        urls.append(reverse("support:ticket_detail", args=[ticket.pk]))
    restart(Ticket, "number", f"WT{plan.today:%Y%m%d}")  # today's numbers the history took are free again
    Notification.objects.filter(url__in=urls, created_at__gte=since).delete()
    return len(urls)


def _place(ticket: Ticket, raised: dt.datetime, replied: dt.datetime, closed: dt.datetime) -> None:
    """History: the ticket was raised, answered and closed at these moments (its deadlines and number follow
    the day it was raised)."""
    reply_due, close_due = services.deadlines(timezone.localdate(raised))
    Ticket.objects.filter(pk=ticket.pk).update(
        number=_number(raised), raised_at=raised, reply_due=reply_due, close_due=close_due,
        first_reply_at=replied, closed_at=closed,
    )  # fmt: skip
    TicketMessage.objects.filter(ticket=ticket, kind=TicketMessage.Kind.AGENCY).update(at=replied)
    TicketMessage.objects.filter(ticket=ticket).exclude(kind=TicketMessage.Kind.AGENCY).update(at=closed)
