"""Property-based fuzzing of the running API against its own OpenAPI document: `schemathesis run
--checks all`, every request signed with a test bank client's credentials (schemathesis_hooks.py).

Every check schemathesis has must pass: no server error; status, content type, headers and body as
documented; invalid input (by the schema) refused with a 4xx and valid input accepted; a missing required
header refused; an undocumented method answered 405 with `Allow`; a request without (valid) credentials
refused. The examples, coverage (about 2,000 requests: every parameter's boundaries, types and missing
values, every undocumented method) and fuzzing phases run; five generated examples per operation keep
the run near two minutes on a busy two-core machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from sheyin.api.tests.factories import api_client_for
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district

EXAMPLES_PER_OPERATION = 5
SEED = 20261127


@pytest.mark.django_db(transaction=True)
def test_schemathesis_with_every_check_finds_nothing_in_the_signed_api(
    live_server, reference, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    # Schemathesis sends many requests without (valid) credentials from one address: the limits before
    # authentication (tested in test_floods.py) would answer them all 429 within a minute.
    settings.SHEYIN_API_AUTH_FAILURES_PER_MINUTE = 1_000_000
    settings.SHEYIN_API_ADDRESS_RATE_PER_MINUTE = 1_000_000
    bank = BankFactory()
    OutletFactory(bank=bank, code="WD1101050001")
    OutletFactory(bank=bank, district=district("110108"), code="WD1101080001", status="applying")
    OutletFactory(code="WD1101050002")  # another bank's
    client, secret = api_client_for(bank, rate_limit_per_minute=100_000)

    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{live_server.url}/api/v1/openapi.json",
        "--checks", "all",
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(EXAMPLES_PER_OPERATION),
        "--seed", str(SEED),
        "--generation-deterministic",
        "--workers", "1",
        "--no-color",
        "--header", f"X-Sheyin-Key: {client.key_id}",
        "--report-dir", str(tmp_path),
    ]  # fmt: skip
    env = {
        **os.environ,
        "PYTHONPATH": str(django_settings.BASE_DIR),
        "SCHEMATHESIS_HOOKS": "sheyin.api.tests.schemathesis_hooks",
        "SHEYIN_TEST_API_SECRET": secret,
    }
    # In a temporary directory: schemathesis keeps a cache (.schemathesis/) in its working directory.
    run = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    report = run.stdout[-12000:] + run.stderr[-3000:]
    (tmp_path / "schemathesis.txt").write_text(run.stdout + run.stderr)
    (tmp_path / "schemathesis.txt").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, report
    assert "Operations:" in run.stdout and "Coverage" in run.stdout, report  # it really ran every phase
