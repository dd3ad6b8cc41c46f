"""A finding's evidence as a reader sees it (R9.4): Chinese labels, Beijing time, and links to the records it
cites (the cases, the staff look-ups, the inspection, the ratings, the appraisal), never a raw key or id.

A finding stores its evidence as a small dict written by whoever found it (an analysis rule, an inspection,
the hotline import, a failed appraisal). `evidence_of(finding, user)` turns it into facts and tables; links
are offered only to records the reader may open (each through its app's scoped selector).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .models import Finding


@dataclass(frozen=True)
class Cell:
    text: str
    url: str = ""
    muted: str = ""  # a short note after the text (a status)


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    url: str = ""


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[Cell]]
    more: str = ""  # "see all in …" under the table
    more_url: str = ""


@dataclass
class Evidence:
    facts: list[Fact] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    links: list[Fact] = field(default_factory=list)  # "open the records" links under the facts

    @property
    def empty(self) -> bool:
        return not (self.facts or self.tables or self.links)


# --- formatting -----------------------------------------------------------------------------------------


def when(value: Any) -> str:
    """An instant (aware datetime or ISO text; naive means UTC) in Beijing time."""
    if not value:
        return "—"
    moment = value
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    return str(value)


def day(value: Any) -> str:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            return value
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _percent(value: Any) -> str:
    try:
        return f"{float(value) * 100:.1f}%"
    except (TypeError, ValueError):
        return "—"


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _q(name: str, **params: Any) -> str:
    return f"{reverse(name)}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


def _period_days(f: Finding) -> tuple[str, str]:
    """The first and last day of the finding's period ("2026-11-18" or "2026-10-20~2026-11-18")."""
    first, _sep, last = (f.period or "").partition("~")
    first = first or timezone.localdate(f.found_at).isoformat()
    return first, last or first


# --- the records evidence cites (each through its app's selectors) --------------------------------------


def _staff_names(ids: Iterable[Any]) -> dict[int, str]:
    keys = {int(i) for i in ids if str(i).isdigit()}
    return {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=keys)}


def _cases(user: Any, ids: Iterable[Any]) -> dict[int, Cell]:
    """Receipt numbers of cases, linked when the reader may open them."""
    from sheyin.casework import selectors as casework

    keys = {int(i) for i in ids if str(i).isdigit()}
    if not keys:
        return {}
    visible = set(casework.cases_for(user).filter(pk__in=keys).values_list("pk", flat=True))
    out = {}
    for pk, number, status in casework.case_numbers(keys):
        url = reverse("casework:case_detail", args=[pk]) if pk in visible else ""
        out[pk] = Cell(number, url, status)
    return out


def _case_list(user: Any, f: Finding, label: str, **filters: Any) -> Fact | None:
    if not user.has_perm("casework.view"):
        return None
    return Fact(label, "", _q("casework:case_list", outlet=f.outlet_id, **filters))


def _staff_fact(ev: dict[str, Any]) -> Fact | None:
    if "staff_id" not in ev:
        return None
    name = _staff_names([ev["staff_id"]]).get(int(ev["staff_id"])) if str(ev["staff_id"]).isdigit() else None
    return Fact(_("经办人"), name or _("（账号已删除）"))


# --- one renderer per rule and per source ---------------------------------------------------------------


def _off_hours(f: Finding, ev: dict[str, Any], user: Any, out: Evidence) -> set[str]:
    out.facts.append(Fact(_("非营业时间受理"), _("%(n)s笔") % {"n": ev.get("count", "—")}))
    if ev.get("hours"):
        out.facts.append(Fact(_("营业时间"), _("工作日%(h)s") % {"h": str(ev["hours"]).replace("-", "—")}))
    out.facts.append(Fact(_("最早一笔"), when(ev.get("first_at"))))
    out.facts.append(Fact(_("最晚一笔"), when(ev.get("last_at"))))
    cases = _cases(user, [ev.get("first_case_id"), ev.get("last_case_id")])
    rows = [[Cell(label), cases[int(ev[key])]] for key, label in (("first_case_id", _("最早一笔")),
            ("last_case_id", _("最晚一笔"))) if str(ev.get(key, "")).isdigit() and int(ev[key]) in cases]  # fmt: skip
    if rows and ev.get("first_case_id") == ev.get("last_case_id"):
        rows = rows[:1]
    if rows:
        out.tables.append(Table(_("涉及的受理业务"), [_("说明"), _("受理编号")], rows))
    first, last = _period_days(f)
    if link := _case_list(user, f, _("查看期间内本网点的受理记录"), **{"from": first, "to": last}):
        out.links.append(link)
    return {"count", "hours", "first_at", "last_at", "first_case_id", "last_case_id"}


def _staff_volume(f: Finding, ev: dict[str, Any], user: Any, out: Evidence) -> set[str]:
    if fact := _staff_fact(ev):
        out.facts.append(fact)
    out.facts += [
        Fact(_("日期"), day(ev.get("day", ""))),
        Fact(_("当日受理"), _("%(n)s笔") % {"n": ev.get("count", "—")}),
        Fact(_("本网点人日均值"), _("%(n)s笔") % {"n": _number(ev.get("outlet_mean", "—"))}),
        Fact(_("标准差"), _number(ev.get("outlet_sigma", "—"))),
        Fact(_("统计的人日数"), str(ev.get("staff_days", "—"))),
        Fact(_("判定标准"), _("高于均值加%(k)s倍标准差") % {"k": _number(ev.get("sigma_k", 3))}),
    ]
    if ev.get("day") and (link := _case_list(user, f, _("查看当日本网点的受理记录"),
                                             **{"from": day(ev["day"]), "to": day(ev["day"])})):  # fmt: skip
        out.links.append(link)
    return {"staff_id", "day", "count", "outlet_mean", "outlet_sigma", "staff_days", "sigma_k"}


def _snooping(f: Finding, ev: dict[str, Any], user: Any, out: Evidence) -> set[str]:
    days = int(ev.get("window_days", 1) or 1)
    if "queries" in ev:  # an older run of the rule read terminal queries
        return _terminal_queries(f, ev, user, out, days)
    from sheyin.casework import selectors as casework

    if fact := _staff_fact(ev):
        out.facts.append(fact)
    out.facts += [
        Fact(_("无对应业务的查询"), _("%(n)s次") % {"n": ev.get("lookups", "—")}),
        Fact(_("涉及人员"), _("%(n)s人") % {"n": ev.get("persons", "—")}),
        Fact(_("查询时间"), f"{when(ev.get('first_at'))} — {when(ev.get('last_at'))}"),
        Fact(_("比对范围"), _("查询前后%(d)s日内本网点该人员的业务（已取消的不计）") % {"d": days}),
    ]
    first, last = _period_days(f)
    staff_id = str(ev.get("staff_id", ""))
    if user.has_perm("casework.view_lookups") and staff_id.isdigit():
        rows = []
        qs = casework.with_backing(casework.lookups_for(user), days, backed=False).filter(
            outlet_id=f.outlet_id, staff_id=int(staff_id),
            pk__gte=int(ev.get("first_lookup_id") or 0), pk__lte=int(ev.get("last_lookup_id") or 0),
        ).order_by("at", "id")  # fmt: skip
        found = list(qs[:51])
        cases = _cases(user, [x.case_id for x in found[:50] if x.case_id])
        for x in found[:50]:
            case = cases.get(x.case_id) if x.case_id else None
            rows.append([Cell(when(x.at)), Cell(x.person_masked), case or Cell("—")])
        params = {
            "outlet": f.outlet_id,
            "staff": staff_id,
            "from": first,
            "to": last,
            "backed": 0,
            "days": days,
        }
        url = _q("casework:lookup_list", **params)
        out.tables.append(Table(_("无对应业务的查询记录"), [_("查询时间"), _("证件号码（脱敏）"), _("所在业务")],
                                rows, _("在经办人员查询记录中查看全部") if rows else "", url))  # fmt: skip
        if not rows:
            out.links.append(Fact(_("在经办人员查询记录中查看"), "", url))
    return {"staff_id", "lookups", "persons", "first_lookup_id", "last_lookup_id", "first_at", "last_at",
            "window_days"}  # fmt: skip


def _terminal_queries(f: Finding, ev: dict[str, Any], user: Any, out: Evidence, days: int) -> set[str]:
    out.facts += [
        Fact(_("终端权益记录查询"), _("%(n)s次") % {"n": ev.get("queries", "—")}),
        Fact(_("涉及人员"), _("%(n)s人") % {"n": ev.get("persons", "—")}),
        Fact(_("比对范围"), _("查询前后%(d)s日内本网点该人员的业务") % {"d": days}),
    ]
    if user.has_perm("kiosk.view_queries"):
        first, last = _period_days(f)
        out.links.append(
            Fact(_("在终端查询记录中查看"), "", _q("kiosk:query_list", **{"from": first, "to": last}))
        )
    return {"queries", "persons", "first_query_id", "last_query_id", "window_days"}


def _rates(f: Finding, ev: dict[str, Any], user: Any, out: Evidence) -> set[str]:
    out.facts += [
        Fact(_("期间受理"), _("%(n)s笔") % {"n": ev.get("cases", "—")}),
        Fact(_("不予办理"), _("%(n)s笔（%(r)s）") % {"n": ev.get("rejected", "—"), "r": _percent(ev.get("reject_rate"))}),
        Fact(_("取消"), _("%(n)s笔（%(r)s）") % {"n": ev.get("cancelled", "—"), "r": _percent(ev.get("cancel_rate"))}),
    ]  # fmt: skip
    first, last = _period_days(f)
    for status, label in (("rejected", _("查看不予办理的业务")), ("cancelled", _("查看已取消的业务"))):
        if link := _case_list(user, f, label, status=status, **{"from": first, "to": last}):
            out.links.append(link)
    return {"cases", "rejected", "cancelled", "reject_rate", "cancel_rate"}


def _repeated_edits(f: Finding, ev: dict[str, Any], user: Any, out: Evidence) -> set[str]:
    cases = _cases(user, [ev.get("case_id")])
    case = cases.get(int(ev["case_id"])) if str(ev.get("case_id", "")).isdigit() else None
    if case is not None:
        out.facts.append(Fact(_("受理业务"), case.text, case.url))
    if fact := _staff_fact(ev):
        out.facts.append(fact)
    out.facts.append(Fact(_("修改操作"), _("%(n)s次") % {"n": ev.get("edits", "—")}))
    return {"case_id", "staff_id", "edits"}


def _rating_burst(f: Finding, ev: dict[str, Any], user: Any, out: Evidence) -> set[str]:
    from sheyin.ratings.models import Level
    from sheyin.ratings.selectors import ratings_for

    level = ev.get("level")
    out.facts += [
        Fact(_("相同评价"), _("%(n)s条") % {"n": ev.get("count", "—")}),
        Fact(_("评价等级"), str(Level(level).label) if level in Level.values else "—"),
        Fact(_("出现时间"), f"{when(ev.get('first_at'))} — {when(ev.get('last_at'))}"),
    ]
    ids = [int(i) for i in ev.get("rating_ids", []) if str(i).isdigit()]
    rows = [[Cell(when(r.created_at)), Cell(r.get_level_display()), Cell(r.item_name or "—"), Cell(r.comment or "—")]
            for r in ratings_for(user).filter(pk__in=ids).order_by("created_at", "id")[:50]]  # fmt: skip
    if rows:
        out.tables.append(
            Table(_("评价明细"), [_("评价时间"), _("评价等级"), _("服务事项"), _("评价内容")], rows)
        )
    return {"count", "rating_ids", "level", "first_at", "last_at"}


def _inspection(f: Finding, ev: dict[str, Any], user: Any, out: Evidence) -> set[str]:
    inspection = f.inspection
    if inspection is None and str(ev.get("inspection_id", "")).isdigit():
        from .models import Inspection

        inspection = Inspection.objects.filter(pk=int(ev["inspection_id"])).first()
    if inspection is not None:
        label = _("%(d)s 现场检查（得分%(s)s）") % {
            "d": timezone.localtime(inspection.visited_at).strftime("%Y-%m-%d %H:%M")
            if inspection.visited_at else inspection.scheduled_date.isoformat(),
            "s": inspection.score if inspection.score is not None else "—",
        }  # fmt: skip
        url = reverse("supervision:inspection_detail", args=[inspection.pk])
        out.facts.append(
            Fact(_("现场检查"), label, url if user.has_perm("supervision.view_inspections") else "")
        )
    if ev.get("item"):
        out.facts.append(Fact(_("不符合的检查项目"), str(ev["item"])))
    return {"inspection_id", "item"}


def _public_feedback(f: Finding, ev: dict[str, Any], user: Any, out: Evidence) -> set[str]:
    if ev.get("hotline_ref"):
        out.facts.append(Fact(_("12345热线工单编号"), str(ev["hotline_ref"])))
    return {"hotline_ref"}


def _appraisal(f: Finding, ev: dict[str, Any], user: Any, out: Evidence) -> set[str]:
    from .models import Appraisal

    a = (
        Appraisal.objects.filter(pk=int(ev["appraisal_id"])).first()
        if str(ev.get("appraisal_id", "")).isdigit()
        else None
    )
    if a is not None:
        url = (
            reverse("supervision:appraisal_detail", args=[a.pk])
            if user.has_perm("supervision.view_appraisals")
            else ""
        )
        out.facts.append(Fact(_("考核结果"), _("%(p)s：%(s)s分，%(g)s") % {
            "p": a.period_name, "s": a.score if a.score is not None else "—", "g": a.get_grade_display()}, url))  # fmt: skip
    components = ev.get("components") or {}
    if isinstance(components, dict) and components:
        from .appraisal import INDICATORS

        rows = [[Cell(str(label)), Cell(_number(components[key]) if components.get(key) is not None else _("无数据"))]
                for key, label in INDICATORS if key in components]  # fmt: skip
        out.tables.append(Table(_("分项得分"), [_("考核指标"), _("得分")], rows))
    return {"appraisal_id", "components"}


Renderer = Callable[[Finding, dict[str, Any], Any, Evidence], set[str]]
RULES: dict[str, Renderer] = {
    "off_hours": _off_hours,
    "staff_volume": _staff_volume,
    "snooping": _snooping,
    "rates": _rates,
    "repeated_edits": _repeated_edits,
    "rating_bursts": _rating_burst,
}
SOURCES: dict[str, Renderer] = {
    Finding.Source.INSPECTION: _inspection,
    Finding.Source.PUBLIC_FEEDBACK: _public_feedback,
    Finding.Source.RATING_BURST: _rating_burst,
    Finding.Source.APPRAISAL: _appraisal,
}


def evidence_of(f: Finding, user: Any) -> Evidence:
    """The finding's evidence for this reader. A key no renderer knows is shown as "其他信息" with its value
    in words, never under its raw name."""
    ev = dict(f.evidence or {})
    out = Evidence()
    render = RULES.get(f.rule.code) if f.rule_id and f.rule else None
    render = render or SOURCES.get(f.source)
    used = render(f, ev, user, out) if render else set()
    if f.source == Finding.Source.INSPECTION and render is not _inspection:
        used |= _inspection(f, ev, user, out)
    for key, value in ev.items():
        if key in used or value in (None, "", [], {}):
            continue
        if isinstance(value, dict):
            value = "；".join(str(v) for v in value.values())
        elif isinstance(value, list):
            value = "、".join(str(v) for v in value)
        out.facts.append(Fact(_("其他信息"), str(value)))
    return out
