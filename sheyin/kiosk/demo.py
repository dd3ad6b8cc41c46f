"""Demo data for self-service terminals: two terminals at the demo outlet (their credentials are printed,
since a credential is shown only once), a few queries, printouts to verify, and the citizens' ratings of
their self-service with the 评价码 printed on each printout (at the demo outlet and a few others, each
with a terminal of its own): terminal ratings exist only where a printout gave a code.

Then a year of history at those terminals (sheyin.common.demo_history): citizens identify and view their
rights record, moved back to when they did. Printouts are not moved back: each one's content hash covers
the moment it was printed and the months it shows, so a printout exists only as printed today."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from sheyin.accounts.models import User
from sheyin.accounts.roles import Role
from sheyin.common import demo_history

from . import services
from .models import Terminal, TerminalQuery

TERMINALS = [("SY-KIOSK-0001", "大厅1号机"), ("SY-KIOSK-0002", "大厅2号机")]
BASE = "http://127.0.0.1:8000"
VIEWS_PER_MONTH = 120  # record views at the demo's terminals in an average month of the history


def seed(rng: random.Random, stdout: Any) -> None:
    manager = User.objects.filter(username="outlet_manager").first()
    if manager is None:
        stdout.write("kiosk demo data: demo accounts missing, skipped")
        return
    outlet = manager.assignments.get(role=Role.OUTLET_MANAGER).outlet
    if outlet is None:
        return
    first = None
    for serial, name in TERMINALS:
        terminal = Terminal.objects.filter(serial=serial).first()
        if terminal is None:
            terminal, secret = services.terminal_register(outlet=outlet, serial=serial, name=name, by=None)
        else:  # a credential is shown once: a rerun issues a new one to print
            secret = services.terminal_rotate_credential(terminal=terminal, by=None)
        first = first or terminal
        stdout.write(f"  demo terminal {serial} ({name}) at {outlet.code}: credential {secret}")
    if first is not None and not first.queries.exists():
        from sheyin.coresystem.demo import KNOWN

        for p in KNOWN:
            try:
                person = services.kiosk_identify(
                    terminal=first, id_number=p.id_number, card_number=p.card_number
                )
            except ValidationError:  # the core's demo persons are absent
                continue
            services.record_view(terminal=first, person_ref=person.ref)
            printed, _pdf = _print(first, person.ref)
            stdout.write(
                f"  demo printout to verify: code {printed.code_display}, content hash {printed.content_hash[:32]}"
                f", rating code {printed.rating_token.code_display if printed.rating_token else '-'}"
            )
        terminals = _terminals(outlet)
        rated = _self_service(rng, terminals)
        viewed = _history(rng, terminals)
        stdout.write(
            f"  kiosk demo data: {rated} terminal ratings given with the codes on printouts, "
            f"{viewed} record views over the last year"
        )
    stdout.write("  kiosk: open /kiosk/activate/ on the terminal and enter the serial and credential above")


def _print(terminal: Terminal, ref: str) -> Any:
    return services.record_print(
        terminal=terminal, person_ref=ref,
        verify_url=lambda code, h: f"{BASE}/verify/record/{code}/?h={h[:32]}",
        rating_url=lambda token: f"{BASE}/rate/{token}/",
    )  # fmt: skip


def _people() -> list[tuple[int, str]]:
    from sheyin.coresystem.models import InsuredPerson

    return list(
        InsuredPerson.objects.exclude(card_number="").order_by("pk").values_list("pk", "card_number")[:400]
    )


def _terminals(home: Any) -> list[Terminal]:
    """The demo outlet's terminals and one at each of ten other operating outlets."""
    from sheyin.institutions.models import Outlet, OutletStatus

    others = Outlet.objects.filter(status=OutletStatus.OPERATING).exclude(pk=home.pk).order_by("code")[:10]
    terminals = list(Terminal.objects.filter(serial__in=[s for s, _name in TERMINALS]).order_by("serial"))
    for outlet in others:
        serial = f"SY-KIOSK-{outlet.code}"
        terminal = Terminal.objects.filter(serial=serial).first()
        if terminal is None:
            terminal, _secret = services.terminal_register(
                outlet=outlet, serial=serial, name="大厅1号机", by=None
            )
        terminals.append(terminal)
    return terminals


def _visit(terminal: Terminal, pk: int, card: str) -> Any:
    """A citizen identifies with ID and card number and views their record; None if the core refuses."""
    from sheyin.coresystem.adapter import get_core

    try:
        person = services.kiosk_identify(
            terminal=terminal, id_number=get_core().reveal_id_number(str(pk)), card_number=card
        )
    except ValidationError:
        return None
    services.record_view(terminal=terminal, person_ref=person.ref)
    return person


def _self_service(rng: random.Random, terminals: list[Terminal]) -> int:
    """Today, a few citizens print their record at the terminals and most rate the self-service with the
    printout's 评价码 (the first always, so that terminal ratings show)."""
    from sheyin.ratings.demo import levels, rate

    people = _people()
    if not people:
        return 0
    n = 0
    for i, terminal in enumerate(terminals):
        if i and rng.random() < 0.7:  # a quiet terminal today
            continue
        pk, card = rng.choice(people)
        person = _visit(terminal, pk, card)
        if person is None:
            continue
        printed, _pdf = _print(terminal, person.ref)
        if printed.rating_token is not None and (n == 0 or rng.random() < 0.7):
            rate(printed.rating_token.token, max(2, levels(rng)), rng, timezone.now())
            n += 1
    return n


def _history(rng: random.Random, terminals: list[Terminal]) -> int:
    """A year of record views at the terminals, topping up each month around today's printouts; the
    terminals were installed before it began. Returns the number of views."""
    people = _people()
    if not people:
        return 0
    since = timezone.now()
    # A bank's self-service area is open every day, longer than its windows.
    plan = demo_history.Plan(timezone.localdate(since), open_day=lambda _d: True, opens=dt.time(8, 30),
                             closes=dt.time(19, 30))  # fmt: skip
    counted = TerminalQuery.objects.filter(
        action__in=(TerminalQuery.Action.VIEW_RECORD, TerminalQuery.Action.PRINT_RECORD)
    ).values_list("at", flat=True)
    weights = [3 if t.outlet_id == terminals[0].outlet_id else 1 for t in terminals]
    n = 0
    for at in plan.moments(VIEWS_PER_MONTH, rng, have=demo_history.by_month(counted)):
        terminal = rng.choices(terminals, weights)[0]
        if _visit(terminal, *rng.choice(people)) is not None:
            n += 1
        # This visit's rows are the only ones stamped since the history began that are still "now".
        TerminalQuery.objects.filter(terminal=terminal, at__gte=since).update(at=at)
    installed = plan.months[0] - dt.timedelta(days=20)
    Terminal.objects.filter(pk__in=[t.pk for t in terminals]).update(
        registered_at=dt.datetime.combine(installed, dt.time(10), tzinfo=timezone.get_current_timezone())
    )
    return n
