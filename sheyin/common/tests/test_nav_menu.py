"""The shell's menu is drawn once per distinct menu and language and then reused (common/nav.py): what a
page shows must be exactly what drawing it afresh shows — the entries the roles allow, the current one
marked, in the page's language."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common import nav
from sheyin.institutions.tests.factories import district, municipal

pytestmark = pytest.mark.django_db


def _fresh(groups: list[nav.NavGroup]) -> str:
    return render_to_string("includes/nav_groups.html", {"nav_groups": groups})


def test_the_drawn_menu_is_the_menu_drawn_afresh_and_is_reused(reference) -> None:  # type: ignore[no-untyped-def]
    admin = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    with translation.override("zh-hans"):
        groups = nav.menu_groups(admin, "/casework/cases/")
        first = nav.menu_html(groups)
        assert first == _fresh(groups)
        assert 'aria-current="page" href="/casework/cases/"' in first
        assert nav.menu_html(nav.menu_groups(admin, "/casework/cases/")) is first  # reused, not redrawn
        elsewhere = nav.menu_html(nav.menu_groups(admin, "/casework/archives/"))
        assert elsewhere != first and 'aria-current="page" href="/casework/archives/"' in elsewhere


def test_another_language_or_other_roles_get_their_own_menu(reference) -> None:  # type: ignore[no-untyped-def]
    admin = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    staff = user_with_role(Role.DISTRICT_INSPECTOR, agency=district())
    with translation.override("zh-hans"):
        zh = nav.menu_html(nav.menu_groups(admin, "/casework/cases/"))
        own = nav.menu_html(nav.menu_groups(staff, "/casework/cases/"))
    with translation.override("en"):
        groups = nav.menu_groups(admin, "/casework/cases/")
        en = nav.menu_html(groups)
        assert en == _fresh(groups)
    assert "受理记录" in zh and "受理记录" not in en
    assert own != zh and own.count("data-nav-entry") < zh.count("data-nav-entry")


def test_a_page_carries_the_menu_of_its_user(client: Client, reference) -> None:  # type: ignore[no-untyped-def]
    staff = user_with_role(Role.DISTRICT_INSPECTOR, agency=district())
    client.force_login(staff)
    html = client.get("/casework/cases/").content.decode()
    with translation.override("zh-hans"):
        expected = _fresh(nav.menu_groups(staff, "/casework/cases/"))
    assert expected.strip() and expected.strip() in html
