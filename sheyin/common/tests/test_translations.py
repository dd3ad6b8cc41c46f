"""Chinese first, English complete: every app's English catalogue translates every string it holds."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

CATALOGUES = sorted((Path(settings.BASE_DIR) / "sheyin").glob("*/locale/en/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%\(\w+\)\.\d+f")


def test_the_foundation_apps_have_english_catalogues() -> None:
    apps = {p.parts[-5] for p in CATALOGUES}
    assert {"common", "accounts", "audit", "institutions", "notifications", "notices", "dashboards"} <= apps


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_every_string_is_translated_with_the_same_placeholders(path: Path) -> None:
    problems = []
    for entry in polib.pofile(str(path)):
        if entry.obsolete:
            continue
        targets = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if "fuzzy" in entry.flags or not all(t.strip() for t in targets):
            problems.append(f"untranslated: {entry.msgid}")
            continue
        wanted = set(PLACEHOLDER.findall(entry.msgid))
        if any(set(PLACEHOLDER.findall(t)) != wanted for t in targets if not entry.msgid_plural):
            problems.append(f"placeholders differ: {entry.msgid}")
    assert not problems, "\n".join(problems)
