"""Property-based fuzzing of the running API against its own OpenAPI document (schemathesis).

The live server answers every generated request — valid and invalid — signed with a test bank client's
credentials; no response may be a server error or break the documented schema (status, content type,
body, headers). Bounded: a few examples per operation, well under a minute in all.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from sheyin.api import signing
from sheyin.api.idempotency import HEADER, KEY_RE
from sheyin.api.tests.factories import api_client_for
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district

EXAMPLES_PER_OPERATION = 15


class SignedAuth(requests.auth.AuthBase):
    """Signs the final request as a bank's system would (method, path?query, body), for whatever key the
    request names. The key itself is sent as an explicit header, so schemathesis can remove it or
    replace it to check that a request without (valid) credentials is refused."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        key_id = r.headers.get(signing.HEADER_KEY)
        if not key_id:
            return r
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        # A real client makes a fresh key per intended write; hypothesis repeats values, and the same key
        # with another body is rightly refused (tested in test_idempotency.py). Malformed keys are kept.
        if KEY_RE.match(r.headers.get(HEADER, "")):
            r.headers[HEADER] = uuid.uuid4().hex
        r.headers.update(signing.signed_headers(key_id, self.secret, r.method or "GET", r.path_url, body))
        return r


@pytest.mark.django_db(transaction=True)
def test_the_running_api_conforms_to_its_openapi_document(live_server, reference) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    OutletFactory(bank=bank, code="WD1101050001")
    OutletFactory(bank=bank, district=district("110108"), code="WD1101080001", status="applying")
    OutletFactory(code="WD1101050002")  # another bank's
    client, secret = api_client_for(bank, rate_limit_per_minute=100_000)

    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    session = requests.Session()
    session.auth = SignedAuth(secret)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6

    failures: list[str] = []
    statuses: set[int] = set()
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=st.one_of(operation.as_strategy(mode) for mode in GenerationMode))
        def check(case: Any) -> None:
            response = case.call_and_validate(
                session=session, base_url=live_server.url, headers={signing.HEADER_KEY: client.key_id}
            )
            statuses.add(response.status_code)

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    session.close()  # end keep-alive connections before the live server's threads are torn down
    assert not failures, "\n\n".join(failures)
    assert 200 in statuses and 422 in statuses, statuses  # it reached the operations, valid and invalid
