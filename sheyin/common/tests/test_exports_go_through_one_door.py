"""Every list export goes through `export_response` (audited, a job when large, issue 18 item 3): no view
module writes a spreadsheet response of its own."""

from __future__ import annotations

import re
from pathlib import Path

import sheyin

ROOT = Path(sheyin.__file__).parent
DIRECT = re.compile(r"\b(_?xlsx_response|_xlsx_file|file_response|xlsx_bytes)\b")


def view_modules() -> list[Path]:
    out = [p for p in ROOT.rglob("views*.py") if "tests" not in p.parts]
    out += [p for p in ROOT.rglob("views/*.py") if "tests" not in p.parts]
    return sorted(set(out))


def test_there_are_view_modules_to_check() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in view_modules()}
    assert {
        "audit/views.py",
        "kiosk/views.py",
        "dashboards/views.py",
        "cooperation/views/agreements.py",
    } <= names


def test_no_view_module_writes_a_list_export_itself() -> None:
    offenders = [
        f"{p.relative_to(ROOT)}: {m.group(1)}"
        for p in view_modules()
        for m in DIRECT.finditer(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_old_direct_writer_is_gone_from_the_list_framework() -> None:
    from sheyin.common import listing

    assert not hasattr(listing, "xlsx_response")
