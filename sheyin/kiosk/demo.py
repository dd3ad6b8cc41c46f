"""Demo data for self-service terminals: two terminals at the demo outlet (their credentials are printed,
since a credential is shown only once), a few queries, and one printout to verify."""

from __future__ import annotations

import random
from typing import Any

from django.core.exceptions import ValidationError

from sheyin.accounts.models import User
from sheyin.accounts.roles import Role

from . import services
from .models import Terminal

TERMINALS = [("SY-KIOSK-0001", "大厅1号机"), ("SY-KIOSK-0002", "大厅2号机")]


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
            printed, _pdf = services.record_print(
                terminal=first, person_ref=person.ref,
                verify_url=lambda code, h: f"http://127.0.0.1:8000/verify/record/{code}/?h={h[:32]}",
            )  # fmt: skip
            stdout.write(
                f"  demo printout to verify: code {printed.code_display}, content hash {printed.content_hash[:32]}"
            )
    stdout.write("  kiosk: open /kiosk/activate/ on the terminal and enter the serial and credential above")
