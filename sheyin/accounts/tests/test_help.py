"""The user guides inside the workbench: a logged-in user reads them, an anonymous visitor is sent to log
in, an unknown guide is not found, and every page's 帮助 link leads to a section that exists."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sheyin.accounts import help as guides
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.tests.factories import OutletFactory, district, municipal

pytestmark = pytest.mark.django_db


def test_a_logged_in_user_reads_a_guide_section_rendered_as_html(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.BANK_ADMIN, bank=OutletFactory().bank))
    response = client.get(reverse("accounts:help_guide", args=["bank"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h2 id="3-为网点申请设立">3. 为网点申请设立' in html
    assert "<table" in html and "选址地图" in html


def test_the_help_page_shows_no_rule_numbers_but_the_regulations_section_titles(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=district("110105")))
    html = client.get(reverse("accounts:help_guide", args=["district"])).content.decode()
    assert "R4.4" not in html and "R6.1" not in html
    assert "《办法》“合作终止”" in html


def test_an_anonymous_visitor_is_sent_to_log_in(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("accounts:help_guide", args=["index"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_guide_is_not_found(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal()))
    assert client.get(reverse("accounts:help_guide", args=["secrets"])).status_code == 404
    assert client.get("/accounts/help/..%2Fsettings/").status_code == 404


def test_help_without_a_guide_opens_the_guide_of_the_users_role(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.AUDIT_ADMIN, agency=municipal()))
    response = client.get(reverse("accounts:help"))
    assert response.status_code == 302 and response["Location"] == reverse(
        "accounts:help_guide", args=["administrators"]
    )


def test_in_english_the_help_page_says_the_guides_are_in_chinese_only(client, reference) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())
    client.force_login(user)
    url = reverse("accounts:help_guide", args=["municipal"])
    assert "written in Chinese only" not in client.get(url).content.decode()
    user.language = "en"
    user.save(update_fields=["language"])
    html = client.get(url).content.decode()
    assert 'lang="en"' in html and "written in Chinese only" in html
    assert "On this page" in html and "1. 菜单一览" in html


def test_a_raw_html_or_script_in_a_guide_is_not_passed_through(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "index.md").write_text(
        "# 标题\n\n<script>alert(1)</script>\n\n[外链](javascript:alert(1)) [文件](../api.md) [指南](bank.md#1-菜单一览)\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(guides, "GUIDE_DIR", tmp_path)
    guides._render.cache_clear()
    html = guides.guide("index").html  # type: ignore[union-attr]
    guides._render.cache_clear()
    assert "<script>" not in html and 'href="javascript' not in html and "../api.md" not in html
    assert 'href="/accounts/help/bank/#1-%E8%8F%9C%E5%8D%95%E4%B8%80%E8%A7%88"' in html


def test_every_help_map_anchor_exists_in_its_guide() -> None:
    for table, rows in guides.HELP_MAP.items():
        shown = guides.guide(table.split("#")[0])
        assert shown is not None, table
        missing = [anchor for _pattern, anchor in rows if anchor not in shown.anchors]
        assert not missing, f"{table}: {missing}"


def _view_names(patterns, ns: str | None = None):  # type: ignore[no-untyped-def]
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _view_names(p.url_patterns, p.namespace or ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{ns}:{p.name}" if ns else p.name


@pytest.mark.parametrize(
    "role",
    [Role.MUNICIPAL_ADMIN, Role.DISTRICT_OFFICER, Role.BANK_ADMIN, Role.OUTLET_STAFF, Role.SECURITY_ADMIN],
)
def test_every_pages_help_link_leads_to_an_existing_guide_section(role, reference) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory(district=district("110105"))
    org = {
        Role.MUNICIPAL_ADMIN: {"agency": municipal()},
        Role.DISTRICT_OFFICER: {"agency": district("110105")},
        Role.BANK_ADMIN: {"bank": outlet.bank},
        Role.OUTLET_STAFF: {"outlet": outlet},
        Role.SECURITY_ADMIN: {"agency": municipal()},
    }[role]
    user = user_with_role(role, **org)
    names = sorted(set(_view_names(get_resolver().url_patterns)))
    assert len(names) > 200
    own = guides.ROLE_GUIDE[role]
    for name in names:
        guide_name, anchor = guides.help_target(user, name)
        shown = guides.guide(guide_name)
        assert shown is not None, name
        assert anchor == "" or anchor in shown.anchors, f"{name} → {guide_name}#{anchor}"
    assert guides.help_target(user, "no:such_page")[0] == own  # no section of its own: the role's guide
    assert guides.help_target(user, "dashboards:home") == ("dashboards", "1-我的待办所有角色")


def test_the_help_link_of_a_page_goes_to_the_section_that_explains_it(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=district("110105")))
    html = client.get(reverse("cooperation:application_list")).content.decode()
    assert 'href="/accounts/help/district/#2-网点设立受理--现场检查--验收"' in html
    html = client.get(reverse("accounts:help_guide", args=["district"])).content.decode()
    assert 'id="2-网点设立受理--现场检查--验收"' in html
