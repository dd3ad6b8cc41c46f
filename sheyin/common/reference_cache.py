"""Reference data read on every deadline and rarely written: the holiday calendar and the problem-handling
deadlines, cached until their next write (`sheyin.common.generational`).

A ticket raised through the API computed its two deadlines from three queries (the settings row, the
calendar's exceptions, the published years); with this cache, a request pays one read of the token.
"""

from __future__ import annotations

from typing import Any

from sheyin.common.generational import GenerationalCache

MODELS = ("institutions.CalendarDay", "institutions.HolidaySchedule", "support.SupportSettings")


def watched_models() -> list[Any]:
    from django.apps import apps

    return [apps.get_model(label) for label in MODELS if apps.is_installed(f"sheyin.{label.split('.')[0]}")]


REFERENCE = GenerationalCache("reference", watched_models)
