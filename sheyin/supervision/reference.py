"""Reference data: the data-analysis rules with their default parameters (editable afterwards)."""

from __future__ import annotations

from typing import Any

from .models import AnalysisRule, SupervisionSettings
from .rules import RULES


def load(stdout: Any = None) -> None:
    created = 0
    for spec in RULES.values():
        params = {**spec.params, "window_days": spec.window_days}
        _obj, new = AnalysisRule.objects.get_or_create(
            code=spec.code, defaults={"name": spec.name, "description": spec.description, "params": params}
        )
        created += new
    SupervisionSettings.current()
    if stdout is not None:
        stdout.write(f"supervision reference data: {created} analysis rule(s) created, {len(RULES)} in all")
