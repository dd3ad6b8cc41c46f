"""Layout rules shared by every app that applies them (R8.4). Pure functions: no database, no Django, so
that the acceptance check, the coverage report, the site recommendation and the benchmarks call the
same code."""

from __future__ import annotations


def pair_spacing_m(own_min_m: float, other_min_m: float) -> float:
    """The minimum distance between two outlets, possibly of different districts (R8.4): the larger of the
    two districts' minimum outlet distances, so that neither district's rule is broken.

    The one cross-district rule (decision record 0121-layout-planning): the acceptance check
    (``cooperation.layout.check``), the coverage report's rule checks (``planning.coverage.violations``)
    and the site recommendation (``planning.coverage.plan_arguments``; the optimizer applies the same
    maximum, vectorised) all follow it.
    """
    return max(float(own_min_m), float(other_min_m))
