"""No internal codes in the interface (issue 18 item 4): pages speak the regulation's words, not its rule
numbers (R4.4 …), and show labels, not raw keys (``auth.login``, ``accounts.user``, ``window_days``).

The walk visits every page without path arguments that answers the municipal admin (and the audit admin
for the audit trail) in Chinese, plus an outlet's and an audit event's detail page, and reads the page's
visible text (scripts, styles and attributes left out).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.labels import action_label, role_label
from sheyin.audit.models import AuditEvent
from sheyin.audit.services import record
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal

pytestmark = pytest.mark.django_db

RULE_NUMBER = re.compile(r"\bR\d+\.\d+")
RAW_KEYS = ("window_days", "sigma", "inspection_id", "auth.login", "accounts.user", "institutions.outlet",
            "cooperation.application", "off_hours", "rating_bursts")  # fmt: skip
SKIP = (
    "logout",
    "export",
    "download",
    "/api/",
    "i18n",
    "setlang",
    ".pdf",
    ".xlsx",
    ".json",
    ".csv",
    "/kiosk/",
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style", "template"):
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: bytes) -> str:
    parser = _Text()
    parser.feed(html.decode("utf-8", "replace"))
    return " ".join(parser.parts)


def page_urls() -> Iterator[str]:
    def walk(patterns: list[Any], ns: str) -> Iterator[str]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, f"{ns}{p.namespace}:" if p.namespace else ns)
            elif isinstance(p, URLPattern) and p.name and not p.pattern.regex.groupindex:
                yield f"{ns}{p.name}"

    seen = set()
    for name in walk(get_resolver().url_patterns, ""):
        try:
            url = reverse(name)
        except NoReverseMatch:  # a pattern that needs arguments: not walked here
            url = ""
        if url and url not in seen and not any(s in url for s in SKIP):
            seen.add(url)
            yield url


def problems_on(client: Client, url: str) -> list[str]:
    resp = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    if resp.status_code != 200 or "text/html" not in resp.get("Content-Type", ""):
        return []
    text = visible_text(resp.content)
    found = [m.group(0) for m in RULE_NUMBER.finditer(text)] + [k for k in RAW_KEYS if k in text]
    return [f"{url}: {sorted(set(found))}"] if found else []


@pytest.fixture
def world(reference):  # type: ignore[no-untyped-def]
    home = district("110105")
    outlet = OutletFactory(bank=BankFactory(short_name="本行"), district=home)
    admin = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    auditor = user_with_role(Role.AUDIT_ADMIN, agency=municipal())
    english = user_with_role(Role.DISTRICT_ADMIN, agency=home, language="en")
    with translation.override("en"):  # an English-speaking actor: the role must not stay in English
        record(action="auth.login", by=english, obj=english)
        record(action="cooperation.application.accept", by=english, obj=outlet)
    return {"admin": admin, "auditor": auditor, "outlet": outlet}


def test_pages_show_no_rule_numbers_and_no_raw_keys_to_the_municipal_admin(world) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(world["admin"])
    urls = [*page_urls(), reverse("institutions:outlet_detail", args=[world["outlet"].pk])]
    problems = [p for url in urls for p in problems_on(client, url)]
    assert len(urls) > 80
    assert not problems, "\n".join(problems)


def test_the_audit_trail_shows_words_for_actions_objects_and_roles(world) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(world["auditor"])
    event = AuditEvent.objects.filter(action="cooperation.application.accept").get()
    problems = problems_on(client, reverse("audit:list")) + problems_on(
        client, reverse("audit:detail", args=[event.pk])
    )
    assert not problems, "\n".join(problems)
    text = visible_text(client.get(reverse("audit:list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content)
    assert "网点设立申请：验收" in text and "登录" in text and "合作网点 #" in text and "用户 #" in text
    assert "区级管理员" in text and "District administrator" not in text


def test_roles_are_stored_in_chinese_and_shown_in_the_viewers_language(world) -> None:  # type: ignore[no-untyped-def]
    stored = AuditEvent.objects.filter(action="auth.login").get().role
    assert stored == "区级管理员"
    with translation.override("en"):
        assert role_label(stored) == "District administrator" == role_label("District administrator")
        assert action_label("cooperation.application.accept") == "Outlet application: accepted"
    assert role_label("District administrator") == "区级管理员"


def test_the_password_length_message_is_chinese_on_chinese_pages() -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with translation.override("zh-hans"), pytest.raises(ValidationError) as err:
        validate_password("aB1!")
    assert "密码太短，至少须包含8个字符。" in err.value.messages
    assert not any("too short" in m for m in err.value.messages)
