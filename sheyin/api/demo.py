"""Demo data: a head-office client for each of two banks, so the client pages and the API can be tried.

The secret is printed once, when the client is made (as the page would show it once); it is never
stored in clear. Idempotent: a bank that already has a client gets no second one.
"""

from __future__ import annotations

import random
from typing import Any

from sheyin.institutions.models import Bank

from . import services
from .models import ApiClient

DEMO_CLIENTS = [("工商银行", "工商银行总行社保前置系统"), ("建设银行", "建设银行北京分行社保接口")]


def seed(rng: random.Random, stdout: Any) -> None:
    for short_name, name in DEMO_CLIENTS:
        bank = Bank.objects.filter(short_name=short_name).first()
        if bank is None or ApiClient.objects.filter(bank=bank).exists():
            continue
        client, secret = services.client_register(data={"bank": bank, "name": name}, by=None)
        stdout.write(f"api demo client {short_name}: key {client.key_id} secret {secret}")
