"""The audit trail's words stay its own: they never replace the same Chinese words on other pages."""

from __future__ import annotations

from django.utils.translation import gettext, override

from sheyin.audit.labels import action_label


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
