"""Demo problem tickets in 朝阳区 (R9.2): the district's named contacts, six tickets from three outlets in every
state the pages show (new, answered, answered then followed up, closed twice, one overdue and escalated), a
remote guidance session and two FAQ entries from the closed tickets. The demo outlet's own staff raise
theirs; the demo bank raises the others for two more of its 朝阳 outlets (its head-office channel).

Everything goes through the services as the demo users; only history (when a ticket was raised) is moved
back with a queryset update afterwards, because the services always stamp "now". Idempotent: once the demo
district has tickets, nothing is added.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from sheyin.accounts.models import RoleAssignment, User
from sheyin.accounts.roles import Role
from sheyin.institutions.models import Agency, Outlet, OutletStatus
from sheyin.institutions.workdays import add_working_days

from . import services
from .models import Category, DistrictContact, Ticket, TicketMessage
from .workflow import TicketStatus

DEMO_DISTRICT = "110105"  # 朝阳区


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
    prefix = f"WT{timezone.localdate(raised):%Y%m%d}"
    n = Ticket.objects.filter(number__startswith=prefix).count() + 1
    while Ticket.objects.filter(number=f"{prefix}{n:04d}").exists():
        n += 1
    Ticket.objects.filter(pk=ticket.pk).update(
        number=f"{prefix}{n:04d}", raised_at=raised, reply_due=reply_due, close_due=close_due,
        first_reply_at=ticket.first_reply_at - shift if ticket.first_reply_at else None,
        closed_at=ticket.closed_at - shift if ticket.closed_at else None,
        escalated_at=ticket.escalated_at - shift if ticket.escalated_at else None,
    )  # fmt: skip
    for m in TicketMessage.objects.filter(ticket=ticket):
        TicketMessage.objects.filter(pk=m.pk).update(at=m.at - shift)
    ticket.refresh_from_db()
    return ticket


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
    states = {s: Ticket.objects.filter(district=district, status=s).count() for s in TicketStatus.values}
    stdout.write(
        f"support demo data: {sum(states.values())} tickets ({', '.join(f'{k} {v}' for k, v in states.items())}), "
        f"escalated {sum(escalated.values())}, {DistrictContact.objects.filter(district=district).count()} contacts, "
        f"1 guidance session, 2 FAQ entries"
    )
