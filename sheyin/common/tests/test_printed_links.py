"""Every link printed on paper uses the configured public base URL (SHEYIN_PUBLIC_BASE_URL), never the host
of the staff member's browser: the plaque certificate's QR code, the rights-record printout, the case
receipt (status and rating), the exam certificate. Each is asked for from an intranet alias host."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

PUBLIC = "https://sheyin.example.cn"
ALIAS = "10.2.3.4:8443"


@pytest.fixture
def alias(settings):  # type: ignore[no-untyped-def]
    settings.SHEYIN_PUBLIC_BASE_URL = PUBLIC
    settings.ALLOWED_HOSTS = ["*"]
    return Client(HTTP_HOST=ALIAS)


def test_no_link_is_built_from_the_request_host() -> None:
    """The old bypass, found by reading the code: build_absolute_uri, request.get_host or request.scheme used
    to make a link. Only the redirect-safety checks may read the request's host."""
    root = Path(settings.BASE_DIR) / "sheyin"
    offenders = []
    for path in [*root.rglob("*.py"), *root.rglob("*.html")]:
        if "/tests/" in str(path):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            from_request = "build_absolute_uri" in line or "request.scheme" in line
            host = re.search(r"get_host\b", line) and "url_has_allowed_host_and_scheme" not in line
            if from_request or host:
                offenders.append(f"{path}:{n}")
    assert not offenders, offenders


@pytest.mark.django_db
def test_the_plaque_certificate_qr_code_points_at_the_public_address(alias, reference, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sheyin.cooperation.models import Plaque
    from sheyin.cooperation.tests.factories import cooperating, operating
    from sheyin.cooperation.views import outlets

    seen: list[str] = []

    def pdf(plaque: Any, url: str) -> bytes:
        seen.append(url)
        return b"%PDF"

    monkeypatch.setattr(outlets, "plaque_certificate_pdf", pdf)
    p = cooperating()
    plaque = Plaque.objects.get(outlet=operating(p))
    alias.force_login(p.district_officer)
    assert alias.get(f"/cooperation/plaques/{plaque.pk}/certificate/").status_code == 200
    assert seen == [f"{PUBLIC}/verify/plaque/{plaque.number}/"]


@pytest.mark.django_db
def test_the_rights_record_printout_points_at_the_public_address(alias, reference, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sheyin.kiosk import views
    from sheyin.kiosk.tests.factories import at_terminal, site

    seen: list[str] = []
    real = views.services.record_print

    def spy(**kw: Any) -> Any:
        seen.append(kw["verify_url"]("ABCDEFGHJKLMNPQR", "0" * 64))
        return real(**kw)

    monkeypatch.setattr(views.services, "record_print", spy)
    s = site()
    at_terminal(alias, s)
    alias.post("/kiosk/identify/", {"id_number": s.citizen.id_number, "card_number": s.citizen.card_number})
    assert alias.post("/kiosk/record/print/").status_code == 302
    assert seen and seen[0].startswith(f"{PUBLIC}/verify/") and ALIAS not in seen[0]


@pytest.mark.django_db
def test_the_case_receipt_points_at_the_public_address(alias, reference, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sheyin.casework import services
    from sheyin.casework.tests.factories import completed, world

    seen: dict[str, Any] = {}
    monkeypatch.setattr(services, "render_receipt", lambda case, rows, **kw: seen.update(kw) or b"%PDF")
    w = world()
    case = completed(w)
    alias.force_login(w.staff)
    assert alias.post(f"/casework/cases/{case.pk}/receipt.pdf").status_code == 200
    assert seen["verify_url"].startswith(f"{PUBLIC}/verify/receipt/")
    assert seen["rating_url"].startswith(f"{PUBLIC}/rate/")


@pytest.mark.django_db
def test_the_exam_certificate_points_at_the_public_address(alias, reference, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sheyin.staffing import views
    from sheyin.staffing.tests.factories import passed, staff_with_account

    seen: list[str] = []

    def pdf(attempt: Any, url: str) -> bytes:
        seen.append(url)
        return b"%PDF"

    monkeypatch.setattr(views, "certificate_pdf", pdf)
    staff = staff_with_account()
    attempt = passed(staff)
    alias.force_login(staff.user)
    assert alias.get(f"/staffing/my/attempts/{attempt.pk}/certificate.pdf").status_code == 200
    assert seen == [f"{PUBLIC}/staffing/verify/{attempt.verify_code}/"]
