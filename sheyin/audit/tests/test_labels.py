"""The audit trail's words stay its own: they never replace the same Chinese words on other pages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.translation import gettext, override

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.labels import action_label, change_rows
from sheyin.audit.services import record
from sheyin.institutions.tests.factories import BankFactory, municipal


def test_the_audit_words_do_not_change_a_button_or_a_menu_entry_elsewhere_in_english() -> None:
    with override("en"):
        # "批准" is also an audit verb ("approved"); the audit catalogue comes early in the app order and
        # would win for a shared msgid without its context.
        assert gettext("批准") == "Approve"
        assert gettext("合作网点") == "Outlets"


def test_an_action_reads_as_words_in_both_languages() -> None:
    with override("zh-hans"):
        assert action_label("auth.login") == "登录"
    with override("en"):
        assert action_label("auth.login") != "登录"
        assert "auth.login" not in action_label("auth.login")


def test_a_change_reads_as_the_models_field_words_and_choice_labels() -> None:
    with override("zh-hans"):
        rows = change_rows("institutions.bank", {"status": "prospect"}, {"status": "active", "note": "x"})
    assert rows == [("合作状态", "未合作", "合作中"), ("note", "—", "x")]


def test_a_change_of_an_unknown_object_type_keeps_the_recorded_keys() -> None:
    assert change_rows("", None, {"i": 1}) == [("i", "—", "1")]
    assert change_rows("t", None, None) == []


@pytest.mark.django_db
def test_the_event_page_shows_the_changed_fields_in_words(client, reference) -> None:  # type: ignore[no-untyped-def]
    auditor = user_with_role(Role.AUDIT_ADMIN, agency=municipal())
    bank = BankFactory()
    event = record(
        action="bank.update", by=auditor, obj=bank, before={"status": "prospect"}, after={"status": "active"}
    )
    client.force_login(auditor)
    body = client.get(
        reverse("audit:detail", args=[event.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "合作状态" in body and "未合作" in body and "合作中" in body
    assert '"status"' not in body and "prospect" not in body


def test_a_recorded_utc_time_reads_as_local_time() -> None:
    rows = change_rows("", None, {"published_at": "2026-12-06T21:11:33.594Z"})
    assert rows == [("published_at", "—", "2026-12-07 05:11:33")]  # Beijing time, UTC+8


def test_a_key_named_like_a_reverse_relation_stays_as_recorded() -> None:
    # "outlets" on a bank is the reverse side of the outlets' foreign key, not a field with words
    assert change_rows("institutions.bank", None, {"outlets": 3}) == [("outlets", "—", "3")]
