"""Excel import (design rule 7): the whole file is validated first; one bad row and nothing is written,
with every row in error named with its column and reason. Garbage files get a clear message, never a 500."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from sheyin.audit.models import AuditEvent
from sheyin.catalogue import excel, services
from sheyin.catalogue.diff import diff_versions
from sheyin.catalogue.excel import header
from sheyin.catalogue.models import CatalogueVersion, ServiceItem

from .factories import officer, sheet_row, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(reference):  # type: ignore[no-untyped-def]
    maker = officer()
    return services.version_create_draft(by=maker), maker


def codes(version: CatalogueVersion) -> set[str]:
    return set(version.items.values_list("code", flat=True))


def test_one_bad_row_among_good_ones_writes_nothing_and_names_the_row(draft) -> None:  # type: ignore[no-untyped-def]
    version, maker = draft
    before = list(version.items.order_by("code").values_list("code", "name", "time_limit_days"))
    content = xlsx(
        [
            sheet_row(code="SY-Q-201", name="好的一行"),
            sheet_row(code="SY-Q-202", name="坏的一行", time_limit_days="三天"),
            sheet_row(code="SY-Q-001", name="个人权益记录（参保缴费信息）查询打印", time_limit_days=2),
        ]
    )
    with pytest.raises(services.ImportRejected) as err:
        services.items_import(version=version, content=content, mode="merge", by=maker)
    assert [(e.row, e.column) for e in err.value.rows] == [(3, header("time_limit_days"))]
    assert "0至365之间的整数" in err.value.rows[0].reason
    assert list(version.items.order_by("code").values_list("code", "name", "time_limit_days")) == before
    assert AuditEvent.objects.filter(action="catalogue.item.import", outcome="failure", actor=maker).exists()


def test_every_error_of_the_file_is_reported_at_once(draft) -> None:  # type: ignore[no-untyped-def]
    version, maker = draft
    content = xlsx(
        [
            sheet_row(code="SY-Q-201", name="甲"),
            sheet_row(code="SY-Q-201", name="乙"),
            sheet_row(code="Q201", name="丙", category="理财", channels="T,X"),
            sheet_row(code="SY-C-201", name="丁", needs_card_machine="是", channels="T,O"),
            sheet_row(code="SY-C-202", name="甲", needs_card_machine="也许", risk="极高"),
        ]
    )
    with pytest.raises(services.ImportRejected) as err:
        services.items_import(version=version, content=content, mode="merge", by=maker)
    found = {(e.row, e.column) for e in err.value.rows}
    assert found == {
        (3, header("code")),  # duplicate of row 2
        (4, header("code")),
        (4, header("category")),
        (4, header("channels")),
        (5, header("channels")),  # card machine without the staffed window
        (6, header("needs_card_machine")),
        (6, header("risk")),
        (6, header("name")),  # duplicate of row 2
    }
    reasons = {(e.row, e.column): e.reason for e in err.value.rows}
    assert "与第2行重复" in reasons[(3, header("code"))]
    assert "“X”" in reasons[(4, header("channels"))]
    assert "人工窗口" in reasons[(5, header("channels"))]
    assert not version.items.filter(code__startswith="SY-C-20").exists()


def test_a_valid_file_is_merged_or_replaces_the_draft(draft) -> None:  # type: ignore[no-untyped-def]
    version, maker = draft
    n = version.items.count()
    content = xlsx(
        [
            sheet_row(code="SY-Q-201", name="新增的事项", channels="自助终端、人工窗口"),
            sheet_row(
                code="SY-Q-001",
                name="个人权益记录查询打印（更名）",
                materials="身份证；社保卡",
                guide="第一段\n第二段",
            ),
        ]
    )
    result = services.items_import(version=version, content=content, mode="merge", by=maker)
    assert (result.created, result.updated, result.removed) == (1, 1, 0)
    assert version.items.count() == n + 1
    added = version.items.get(code="SY-Q-201")
    assert added.channels == "TW"
    changed = version.items.get(code="SY-Q-001")
    assert (changed.name, changed.materials, changed.guide) == (
        "个人权益记录查询打印（更名）",
        "身份证\n社保卡",
        "<p>第一段</p><p>第二段</p>",
    )
    result = services.items_import(version=version, content=content, mode="replace", by=maker)
    assert (result.created, result.updated, result.removed) == (0, 2, n - 1)
    assert codes(version) == {"SY-Q-001", "SY-Q-201"}


def test_merge_refuses_a_new_code_that_takes_the_name_of_a_kept_item(draft) -> None:  # type: ignore[no-untyped-def]
    version, maker = draft
    content = xlsx([sheet_row(code="SY-Q-201", name="社保卡注销")])
    with pytest.raises(services.ImportRejected) as err:
        services.items_import(version=version, content=content, mode="merge", by=maker)
    assert [(e.row, e.column) for e in err.value.rows] == [(2, header("name"))]
    assert "SY-C-007" in err.value.rows[0].reason


def test_an_exported_version_imports_back_without_any_difference(draft) -> None:  # type: ignore[no-untyped-def]
    version, maker = draft
    v1 = CatalogueVersion.objects.get(number=1)
    services.item_delete(item=version.items.get(code="SY-Q-003"), by=maker)
    services.items_import(version=version, content=excel.export_version(v1), mode="replace", by=maker)
    assert diff_versions(v1, version).empty


def test_the_template_explains_the_columns_and_its_example_row_imports(reference) -> None:  # type: ignore[no-untyped-def]
    content = excel.template()
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["服务事项", "填写说明"]
    assert [c.value for c in wb["服务事项"][1]][:2] == ["事项编码*", "事项名称*"]
    rows, errors = excel.parse(content)
    assert errors == [] and [r[1]["code"] for r in rows] == ["SY-Q-001"]


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("empty.xlsx", b"", "为空"),
        ("notes.xlsx", "这不是表格".encode(), "不是Excel"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "另存为.xlsx"),
        ("broken.xlsx", b"PK\x03\x04" + b"\0" * 200, "已损坏"),
    ],
)
def test_garbage_files_are_refused_with_a_clear_message_never_a_500(
    client, draft, name, content, words
) -> None:  # type: ignore[no-untyped-def]
    version, maker = draft
    client.force_login(maker)
    resp = client.post(
        reverse("catalogue:version_import", args=[version.pk]),
        {"file": SimpleUploadedFile(name, content), "mode": "merge"},
    )
    assert resp.status_code == 200
    assert words in resp.content.decode()


def test_a_zip_that_is_not_a_workbook_and_a_sheet_without_the_columns_are_refused(client, draft) -> None:  # type: ignore[no-untyped-def]
    version, maker = draft
    client.force_login(maker)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    url = reverse("catalogue:version_import", args=[version.pk])
    resp = client.post(url, {"file": SimpleUploadedFile("a.xlsx", buf.getvalue()), "mode": "merge"})
    assert resp.status_code == 200 and "已损坏" in resp.content.decode()
    wrong = xlsx([["x", "y"]], headers=["编号", "名字"])
    resp = client.post(url, {"file": SimpleUploadedFile("b.xlsx", wrong), "mode": "merge"})
    body = resp.content.decode()
    assert resp.status_code == 200 and "缺少必填列“事项编码”" in body and "未写入任何数据" in body
    only_header = xlsx([])
    resp = client.post(url, {"file": SimpleUploadedFile("c.xlsx", only_header), "mode": "merge"})
    assert "没有数据行" in resp.content.decode()


def test_the_import_page_lists_the_rows_in_error(client, draft) -> None:  # type: ignore[no-untyped-def]
    version, maker = draft
    client.force_login(maker)
    n = ServiceItem.objects.count()
    content = xlsx([sheet_row(), sheet_row(code="SY-Q-202", name="另一行", risk="很高")])
    resp = client.post(
        reverse("catalogue:version_import", args=[version.pk]),
        {"file": SimpleUploadedFile("rows.xlsx", content), "mode": "merge"},
    )
    body = resp.content.decode()
    assert "第3行" in body and "风险等级无效" in body and "1 处错误，未写入任何数据" in body
    assert ServiceItem.objects.count() == n
