"""Numbers a citizen gives in a complaint are masked on storage; the text as received stays encrypted for
the district that handles it, revealed through the one reveal service (R9.3, design rule 6)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.services import pii_reveal
from sheyin.common.crypto import decrypt
from sheyin.supervision import services
from sheyin.supervision.models import Finding

from .factories import outlet, people

pytestmark = pytest.mark.django_db

SAID = "市民张先生来电，电话13812345678，身份证110101199003071234，反映窗口无人"


def test_a_complaint_filed_on_the_page_is_stored_masked_and_the_original_encrypted(client, reference) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    p = people(o)
    client.force_login(p["officer"])
    client.post(reverse("supervision:complaint_new"),
                {"outlet": o.pk, "title": "来电 13812345678", "detail": SAID, "severity": "low"})  # fmt: skip
    f = Finding.objects.get()
    assert (
        f.title == "来电 138****5678" and "13812345678" not in f.detail and "110101********1234" in f.detail
    )
    assert json.loads(decrypt(f.original_enc)) == {"title": "来电 13812345678", "detail": SAID}
    page = client.get(reverse("supervision:finding_detail", args=[f.pk])).content.decode()
    assert "13812345678" not in page and "查看原文" in page
    shown = client.post(reverse("accounts:reveal", args=["finding.original", f.pk]),
                        {"reason": "investigate"}, HTTP_HX_REQUEST="true").content.decode()  # fmt: skip
    assert "13812345678" in shown


def test_a_hotline_complaint_is_masked_before_its_title_is_cut(reference) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    p = people(o)
    content = "服务态度差" * 11 + "13812345678"  # the number straddles the 60-character title cut
    (f,) = services.feedback_import(rows=[{"outlet_code": o.code, "ref": "H-9", "content": content}],
                                    by=p["officer"])  # fmt: skip
    assert "1381" not in f.title and "13812345678" not in f.detail
    assert json.loads(decrypt(f.original_enc))["detail"] == content


def test_the_outlet_complained_about_cannot_read_the_original(reference) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    p = people(o)
    f = services.finding_create(outlet=o, source=Finding.Source.PUBLIC_FEEDBACK, title="来电", detail=SAID,
                                by=p["officer"])  # fmt: skip
    with pytest.raises(NotAllowed):
        pii_reveal(kind="finding.original", obj=f, reason="investigate", by=p["manager"])
    assert "13812345678" in pii_reveal(kind="finding.original", obj=f, reason="investigate", by=p["officer"])


def test_a_complaint_without_numbers_keeps_no_encrypted_copy(reference) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    p = people(o)
    f = services.finding_create(outlet=o, source=Finding.Source.PUBLIC_FEEDBACK, title="窗口无人",
                                detail="排队太久", by=p["officer"])  # fmt: skip
    assert f.original_enc == "" and f.detail == "排队太久"
