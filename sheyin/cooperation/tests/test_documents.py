"""Agreement texts from editable, versioned templates; PDFs embed the CJK font."""

from __future__ import annotations

import pytest

from sheyin.cooperation import documents, selectors, services
from sheyin.cooperation.models import Agreement

from .factories import accepted, cooperating

pytestmark = pytest.mark.django_db


def test_unknown_placeholders_are_found_and_known_ones_filled() -> None:
    assert documents.unknown_placeholders("${bank_name} ${nope} $outlet_name $$5") == ["nope"]
    assert documents.render_text(
        "甲方${agency_name}，期限${term_years}年", {"agency_name": "某中心", "term_years": "3"}
    ) == ("甲方某中心，期限3年")


def test_a_new_template_version_leaves_agreements_already_made_unchanged(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    old = selectors.district_agreement_of(accepted(p).outlet)
    assert old is not None and old.template.version == 1
    services.template_save(
        kind="district", title="区级协议（新版）", body="新版：${outlet_name}", by=p.muni_admin
    )
    app = accepted(p)
    new = selectors.district_agreement_of(app.outlet)
    assert new is not None and new.template.version == 2 and new.body.strip() == f"新版：{app.outlet.name}"
    old.refresh_from_db()
    assert "第一条 服务内容" in old.body


def test_agreement_and_certificate_pdfs_are_valid_and_embed_the_font(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    ag = selectors.district_agreement_of(accepted(p).outlet)
    assert ag is not None
    pdf = documents.agreement_pdf(ag)
    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf and b"WenQuanYiZenHei" in pdf
    municipal = Agreement.objects.get(bank=p.bank, kind="municipal")
    assert documents.agreement_pdf(municipal).startswith(b"%PDF")
