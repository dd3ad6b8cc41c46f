"""The user guides (`docs/guide/*.md`) rendered inside the workbench, and the 帮助 link of every page.

Only our own repository files are rendered, from a fixed list of names: a URL never names a file. The
Markdown is parsed with raw HTML off (markdown-it-py escapes it) and the result is cleaned again with
nh3, so a guide cannot put a script or a style into a page.

Pages shown to users carry no rule numbers: a citation such as "R4.4" or "R6.1–R6.4" in a guide is
shown as the regulation's own section title ("合作程序", "合作终止"); the guides in the repository
keep the numbers for readers of the code.

`help_link` maps the current page's URL name (namespace:name) to the guide section that explains it:
the role's own guide first, then the guides every role shares, then the top of the role's guide.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import nh3
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from markdown_it import MarkdownIt

from .roles import Role
from .scope import assignments_of

GUIDE_DIR: Path = Path(settings.BASE_DIR) / "docs" / "guide"

# The guides the app serves, in the order of the help page's tabs (nothing else is ever read).
TABS: dict[str, Any] = {
    "index": _("目录与通用操作"),
    "dashboards": _("首页与统计报表"),
    "municipal": _("市级社保经办机构"),
    "district": _("区级社保经办机构"),
    "bank": _("合作银行"),
    "outlet": _("合作网点"),
    "administrators": _("三员"),
    "public": _("公众服务"),
}
GUIDES: tuple[str, ...] = tuple(TABS)

ROLE_GUIDE: dict[str, str] = {
    Role.MUNICIPAL_ADMIN: "municipal",
    Role.MUNICIPAL_OFFICER: "municipal",
    Role.DISTRICT_ADMIN: "district",
    Role.DISTRICT_OFFICER: "district",
    Role.DISTRICT_INSPECTOR: "district",
    Role.BANK_ADMIN: "bank",
    Role.OUTLET_MANAGER: "outlet",
    Role.OUTLET_STAFF: "outlet",
    Role.SYSTEM_ADMIN: "administrators",
    Role.SECURITY_ADMIN: "administrators",
    Role.AUDIT_ADMIN: "administrators",
}

# Per guide: (URL-name pattern, section anchor), first match wins. Anchors are the headings' slugs
# (see `slugify`); a test checks every one exists in its guide.
HELP_MAP: dict[str, list[tuple[str, str]]] = {
    "municipal": [
        ("cooperation:bank_application_*", "2-银行合作申请与市级协议"),
        ("cooperation:agreement_*", "4-协议备案审核"),
        ("cooperation:filing_*", "4-协议备案审核"),
        ("cooperation:application_*", "3-布局例外审批"),
        ("cooperation:layout_*", "3-布局例外审批"),
        ("cooperation:change_request_*", "3-布局例外审批"),
        ("cooperation:plaque_*", "6-标牌暂停与终止"),
        ("cooperation:outlet_*", "6-标牌暂停与终止"),
        ("cooperation:termination_*", "6-标牌暂停与终止"),
        ("cooperation:bank_terminate", "6-标牌暂停与终止"),
        ("cooperation:settings", "7-参数与模板"),
        ("cooperation:template_edit", "7-参数与模板"),
        ("cooperation:checklist_*", "7-参数与模板"),
        ("staffing:settings", "7-参数与模板"),
        ("staffing:template_edit", "7-参数与模板"),
        ("support:settings", "7-参数与模板"),
        ("supervision:settings", "7-参数与模板"),
        ("ratings:settings", "7-参数与模板"),
        ("planning:settings", "7-参数与模板"),
        ("institutions:calendar", "7-参数与模板"),
        ("catalogue:*", "5-服务事项清单"),
        ("api:*", "8-接口管理总对总"),
        ("supervision:*", "9-监督与统计"),
        ("ratings:*", "9-监督与统计"),
        ("planning:*", "9-监督与统计"),
        ("support:*", "9-监督与统计"),
        ("*", "1-菜单一览"),
    ],
    "district": [
        ("cooperation:application_*", "2-网点设立受理--现场检查--验收"),
        ("cooperation:layout_*", "2-网点设立受理--现场检查--验收"),
        ("cooperation:inspection_*", "2-网点设立受理--现场检查--验收"),
        ("cooperation:agreement_*", "3-区级协议备案与标牌"),
        ("cooperation:filing_*", "3-区级协议备案与标牌"),
        ("cooperation:plaque_*", "3-区级协议备案与标牌"),
        ("cooperation:opening_check", "开业核查与保密和安全教育新"),
        ("cooperation:change_request_*", "4a-网点信息变更的审批"),
        ("cooperation:*", "4-运营中的网点暂停续期与终止"),
        ("staffing:education_record", "开业核查与保密和安全教育新"),
        ("staffing:*", "5-网点人员培训考试保密协议授权"),
        ("casework:handover_*", "6-档案移交确认附件10"),
        ("casework:archive_*", "6-档案移交确认附件10"),
        ("support:*", "7-问题工单与远程指导"),
        ("ratings:bad_*", "9-差评处理"),
        ("ratings:*", "9-差评处理"),
        ("catalogue:proposal_*", "10-服务事项建议"),
        ("supervision:*", "8-监督检查整改与考核附件13"),
        ("planning:*", "11-布局规划"),
        ("*", "1-三个区级角色的分工"),
    ],
    "bank": [
        ("cooperation:bank_application_*", "2-申请与市级社保经办机构合作"),
        ("cooperation:application_*", "3-为网点申请设立"),
        ("cooperation:layout_*", "3-为网点申请设立"),
        ("planning:planned_*", "3-为网点申请设立"),
        ("cooperation:change_request_*", "4-运营中网点的信息变更"),
        ("institutions:outlet_*", "4-运营中网点的信息变更"),
        ("cooperation:termination_*", "8-终止网点合作"),
        ("cooperation:agreement_*", "8-终止网点合作"),
        ("staffing:*", "5-本行网点与人员"),
        ("kiosk:*", "6-自助终端"),
        ("casework:*", "6-自助终端"),
        ("supervision:*", "7-内部控制自查与配合检查"),
        ("catalogue:proposal_*", "6a-建议新增服务事项"),
        ("api:*", "9-接口总对总"),
        ("*", "1-菜单一览"),
    ],
    "outlet": [
        ("institutions:outlet_*", "1a-网点信息联系方式与变更申请网点负责人"),
        ("cooperation:change_request_*", "1a-网点信息联系方式与变更申请网点负责人"),
        ("staffing:my*", "2-上岗前培训考试保密协议授权经办人员本人"),
        ("staffing:education_record", "保密和安全教育新"),
        ("staffing:*", "6-人员管理网点负责人"),
        ("casework:guided_*", "4-网厅自助引导"),
        ("casework:handover_*", "5-业务档案移交附件10网点负责人"),
        ("casework:archive_*", "5-业务档案移交附件10网点负责人"),
        ("casework:*", "3-窗口受理经办人员"),
        ("support:*", "7-遇到问题问题工单"),
        ("supervision:*", "8-整改附件13网点负责人"),
        ("ratings:*", "9-差评整改与申诉网点负责人"),
        ("*", "1-菜单一览"),
    ],
    "administrators": [
        ("accounts:user_*", "2-系统管理员账号管理"),
        ("accounts:role_*", "3-安全管理员角色与锁定"),
        ("audit:*", "4-审计管理员审计日志"),
        ("*", "1-分工"),
    ],
    # Pages every role shares: the home page and reports, the account pages.
    "dashboards": [
        ("dashboards:home", "1-我的待办所有角色"),
        ("dashboards:report_*", "3-统计报表市级区级"),
        ("dashboards:*", "2-数据看板市级区级银行网点负责人"),
    ],
    "administrators#shared": [
        ("accounts:profile", "5-登录与账号安全所有角色"),
        ("accounts:password_change", "5-登录与账号安全所有角色"),
        ("accounts:second_factor", "5-登录与账号安全所有角色"),
    ],
    "index": [
        ("notifications:*", "所有角色通用的操作"),
        ("accounts:reveal", "所有角色通用的操作"),
    ],
}
SHARED: tuple[str, ...] = ("dashboards", "administrators#shared", "index")

# The regulation's ten sections, by their own titles (R<n>.<m> cites section n).
SECTIONS: dict[int, str] = {
    1: "适用范围",
    2: "合作形式",
    3: "合作条件",
    4: "合作程序",
    5: "合作内容",
    6: "合作终止",
    7: "双方主要职责",
    8: "基本原则",
    9: "运行保障",
    10: "组织保障",
}
_REF = r"R(\d{1,2})\.\d{1,2}"
_RUN = re.compile(rf"{_REF}(?:\s*(?:[、,，]|[–—-]|至)\s*R?\d{{1,2}}\.\d{{1,2}})*")
_PAREN_RUN = re.compile(rf"[（(]\s*(?:{_RUN.pattern})\s*[）)]")
_REPO_ONLY = re.compile(r"<!--\s*repo-only\s*-->.*?<!--\s*/repo-only\s*-->\n?", re.S)
_GUIDE_LINK = re.compile(r"^([a-z]+)\.md(#.*)?$")


def _sections_of(run: str) -> str:
    seen: list[str] = []
    for n in re.findall(r"R?(\d{1,2})\.\d{1,2}", run):
        title = SECTIONS.get(int(n))
        if title and title not in seen:
            seen.append(title)
    return "《办法》" + "".join(f"“{t}”" for t in seen)


def without_rule_numbers(text: str) -> str:
    """The text with every rule citation replaced by the regulation's section title(s)."""
    return _RUN.sub(lambda m: _sections_of(m.group(0)), text)


def slugify(heading: str) -> str:
    """The anchor of a heading: rule citations in brackets dropped, then GitHub's rule (lower case,
    punctuation removed, spaces become hyphens)."""
    text = _RUN.sub("", _PAREN_RUN.sub("", heading))
    text = re.sub(r"[（(]\s+", "（", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@dataclass(frozen=True)
class Guide:
    name: str
    title: str
    html: str
    toc: tuple[tuple[str, str], ...]  # (anchor, heading) of the second-level headings
    anchors: frozenset[str]


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )
    md.add_render_rule("heading_open", _heading_open)
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("table_open", _table_open)
    return md


def _heading_open(self: Any, tokens: list[Any], idx: int, options: Any, env: dict[str, Any]) -> str:
    token = tokens[idx]
    inline = tokens[idx + 1]
    slug = slugify(inline.content)
    if slug in env["anchors"]:  # GitHub's rule for a repeated heading: -1, -2 …
        n = 1
        while f"{slug}-{n}" in env["anchors"]:
            n += 1
        slug = f"{slug}-{n}"
    env["anchors"].add(slug)
    token.attrSet("id", slug)
    if token.tag == "h2":
        env["toc"].append((slug, without_rule_numbers(_PAREN_RUN.sub("", inline.content))))
    return str(self.renderToken(tokens, idx, options, env))


def _link_open(self: Any, tokens: list[Any], idx: int, options: Any, env: dict[str, Any]) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    match = _GUIDE_LINK.match(href)
    if match and match.group(1) in GUIDES:
        token.attrSet("href", reverse("accounts:help_guide", args=[match.group(1)]) + (match.group(2) or ""))
    elif href.startswith("#"):
        pass
    else:  # a file of the repository or another site: not a page of the workbench, shown as text
        token.attrs.pop("href", None)
    return str(self.renderToken(tokens, idx, options, env))


def _table_open(self: Any, tokens: list[Any], idx: int, options: Any, env: dict[str, Any]) -> str:
    tokens[idx].attrSet("class", "table table-sm table-bordered bg-white")
    return str(self.renderToken(tokens, idx, options, env))


_ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote", "a", "hr",
    "br", "table", "thead", "tbody", "tr", "th", "td", "s",
}  # fmt: skip


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"*": {"id"}, "a": {"href"}, "table": {"class"}, "th": {"style"}, "td": {"style"}},
        url_schemes={"http", "https"},
        link_rel=None,
        filter_style_properties={"text-align"},
    )


@lru_cache(maxsize=32)
def _render(name: str, mtime_ns: int) -> Guide:
    text = (GUIDE_DIR / f"{name}.md").read_text(encoding="utf-8")
    text = _REPO_ONLY.sub("", text)
    md = _markdown()
    env: dict[str, Any] = {"anchors": set(), "toc": []}
    tokens = md.parse(text, env)
    title = next(
        (tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h1"),
        name,
    )
    for i, token in enumerate(tokens):  # rule citations become section titles, in the text only
        in_heading = i > 0 and tokens[i - 1].type == "heading_open"
        for child in token.children or []:
            if child.type == "text":  # a heading drops them: its section says it already
                text = _PAREN_RUN.sub("", child.content) if in_heading else child.content
                child.content = without_rule_numbers(text)
    html = md.renderer.render(tokens, md.options, env)
    return Guide(
        name=name,
        title=without_rule_numbers(title),
        html=_clean(html),
        toc=tuple(env["toc"]),
        anchors=frozenset(env["anchors"]),
    )


def guide(name: str) -> Guide | None:
    """The rendered guide, or None when `name` is not one of ours."""
    if name not in GUIDES:
        return None
    path = GUIDE_DIR / f"{name}.md"
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    return _render(name, mtime)


def role_guide(user: Any) -> str:
    for assignment in assignments_of(user):
        name = ROLE_GUIDE.get(assignment.role)
        if name:
            return name
    return "index"


def _match(table: str, view_name: str) -> str | None:
    for pattern, anchor in HELP_MAP.get(table, []):
        if fnmatch.fnmatchcase(view_name, pattern):
            return anchor
    return None


def help_target(user: Any, view_name: str | None) -> tuple[str, str]:
    """(guide, anchor) explaining the page `view_name` (namespace:name) to this user; anchor may be ''."""
    own = role_guide(user)
    if view_name:
        for table in SHARED:
            anchor = _match(table, view_name)
            if anchor:
                return table.split("#")[0], anchor
        anchor = _match(own, view_name)
        if anchor:
            return own, anchor
    return own, ""


def help_url(user: Any, view_name: str | None) -> str:
    name, anchor = help_target(user, view_name)
    return reverse("accounts:help_guide", args=[name]) + (f"#{anchor}" if anchor else "")


def help_link(request: HttpRequest) -> dict[str, Any]:
    """Header extra: the 帮助 link of the current page."""
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match is not None else None
    return {"help_url": help_url(request.user, view_name)}
