"""Demo data for self-service terminals: two terminals at the demo outlet (their credentials are printed,
since a credential is shown only once), a few queries, printouts to verify, and the citizens' ratings of
their self-service with the 评价码 printed on each printout (at the demo outlet and a few others, each
with a terminal of its own): terminal ratings exist only where a printout gave a code."""

from __future__ import annotations

import random
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from sheyin.accounts.models import User
from sheyin.accounts.roles import Role

from . import services
from .models import Terminal

TERMINALS = [("SY-KIOSK-0001", "大厅1号机"), ("SY-KIOSK-0002", "大厅2号机")]
BASE = "http://127.0.0.1:8000"


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
        rated = _self_service(rng, outlet, first)
        stdout.write(f"  kiosk demo data: {rated} terminal ratings given with the codes on printouts")
    stdout.write("  kiosk: open /kiosk/activate/ on the terminal and enter the serial and credential above")


def _print(terminal: Terminal, ref: str) -> Any:
    return services.record_print(
        terminal=terminal, person_ref=ref,
        verify_url=lambda code, h: f"{BASE}/verify/record/{code}/?h={h[:32]}",
        rating_url=lambda token: f"{BASE}/rate/{token}/",
    )  # fmt: skip


def _self_service(rng: random.Random, home: Any, first: Terminal) -> int:
    """Citizens identify with ID and card number, print their record, and most rate the self-service with
    the printout's 评价码: at the demo outlet and at a few other outlets (a terminal registered at each)."""
    from sheyin.coresystem.adapter import get_core
    from sheyin.coresystem.models import InsuredPerson
    from sheyin.institutions.models import Outlet, OutletStatus
    from sheyin.ratings.demo import levels, rate

    core = get_core()
    people = list(
        InsuredPerson.objects.exclude(card_number="").order_by("pk").values_list("pk", "card_number")[:400]
    )
    if not people:
        return 0
    others = Outlet.objects.filter(status=OutletStatus.OPERATING).exclude(pk=home.pk).order_by("code")[:10]
    terminals = [first]
    for outlet in others:
        serial = f"SY-KIOSK-{outlet.code}"
        terminal = Terminal.objects.filter(serial=serial).first()
        if terminal is None:
            terminal, _secret = services.terminal_register(
                outlet=outlet, serial=serial, name="大厅1号机", by=None
            )
        terminals.append(terminal)
    n = 0
    for terminal in terminals:
        for pk, card in rng.sample(people, rng.randrange(3, 7)):
            try:
                person = services.kiosk_identify(
                    terminal=terminal, id_number=core.reveal_id_number(str(pk)), card_number=card
                )
            except ValidationError:
                continue
            services.record_view(terminal=terminal, person_ref=person.ref)
            printed, _pdf = _print(terminal, person.ref)
            if printed.rating_token is not None and rng.random() < 0.7:
                rate(printed.rating_token.token, max(2, levels(rng)), rng, timezone.now())
                n += 1
    return n
