"""Locust user of `python -m sheyin.bench load` (run by it as `locust -f <this file> --headless`).

It does not import Django: the benchmark passes what a user needs in the environment — the endpoint to
drive, the host (gunicorn itself, or the nginx in front of two gunicorn instances with `--hosts 2`; given
several, users are spread over them round-robin), the API client's key and secret, the staff sessions
(each user takes its own) and the outlet tickets are raised for. Every request carries
`X-Forwarded-Proto: https` and `X-Real-IP`, as nginx in front of gunicorn would send them; cookies are
sent as a header because the production cookies are `Secure` and the wire here is plain HTTP on the
loopback.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from typing import Any

from locust import HttpUser, constant, task

from sheyin.api import signing

ENDPOINT = os.environ.get("LOAD_ENDPOINT", "bare_json")
HOSTS = [h for h in os.environ.get("LOAD_HOSTS", "").split(",") if h]
SESSIONS = [s for s in os.environ.get("LOAD_SESSIONS", "").split(",") if s]
KEY_ID = os.environ.get("LOAD_KEY_ID", "")
SECRET = os.environ.get("LOAD_SECRET", "")
OUTLET = os.environ.get("LOAD_OUTLET", "")
CSRF = os.environ.get("LOAD_CSRF", "")
_counter = itertools.count()

API_READ = "/api/v1/institutions/outlets?status=operating&limit=20"
API_WRITE = "/api/v1/support/tickets"


class Endpoint(HttpUser):
    wait_time = constant(0)
    host = HOSTS[0] if HOSTS else "http://127.0.0.1:8001"

    def __init__(self, environment: Any) -> None:
        n = next(_counter)
        if HOSTS:
            self.host = HOSTS[n % len(HOSTS)]
        super().__init__(environment)
        self.base = {"X-Forwarded-Proto": "https", "X-Real-IP": f"10.0.{n // 250}.{1 + n % 250}"}
        self.session_id = SESSIONS[n % len(SESSIONS)] if SESSIONS else ""

    def _logged_in(self, referer: str = "") -> dict[str, str]:
        h = {**self.base, "Cookie": f"sessionid={self.session_id}; csrftoken={CSRF}"}
        if referer:
            h.update({"Referer": self.host.replace("http://", "https://") + referer, "X-CSRFToken": CSRF})
        return h

    def _get(self, path: str, headers: dict[str, str], ok: tuple[int, ...] = (200,)) -> None:
        with self.client.get(path, headers=headers, name=ENDPOINT, allow_redirects=False,
                             catch_response=True) as r:  # fmt: skip
            if r.status_code not in ok:
                r.failure(f"{r.status_code} {r.headers.get('Location', '')}")

    @task
    def drive(self) -> None:
        if ENDPOINT == "bare_json":
            self._get("/__bench__/json", self.base)
        elif ENDPOINT == "bare_rw":
            self._get("/__bench__/rw", self.base)
        elif ENDPOINT == "portal_home":
            self._get("/", self.base)
        elif ENDPOINT == "nearest":
            lon, lat = random.uniform(116.2, 116.6), random.uniform(39.75, 40.05)
            self._get(f"/outlets/nearest/?lon={lon:.5f}&lat={lat:.5f}", self.base)
        elif ENDPOINT == "api_read":
            self._get(API_READ, {**self.base, **signing.signed_headers(KEY_ID, SECRET, "GET", API_READ)})
        elif ENDPOINT == "api_write":
            body = json.dumps({"outlet": OUTLET, "category": "system", "title": "叫号机无响应",
                               "description": "前台叫号机自今晨起无响应，已重启两次。"}, ensure_ascii=False).encode()  # fmt: skip
            h = {**self.base, **signing.signed_headers(KEY_ID, SECRET, "POST", API_WRITE, body),
                 "Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}  # fmt: skip
            with self.client.post(API_WRITE, data=body, headers=h, name=ENDPOINT, catch_response=True) as r:
                if r.status_code != 201:
                    r.failure(f"{r.status_code} {r.text[:120]}")
        elif ENDPOINT == "workbench_list":
            self._get("/casework/cases/", self._logged_in())
        elif ENDPOINT == "case_accept":
            with self.client.post("/casework/accept/", data={"csrfmiddlewaretoken": CSRF},
                                  headers=self._logged_in("/casework/accept/"), name=ENDPOINT,
                                  allow_redirects=False, catch_response=True) as r:  # fmt: skip
                if r.status_code != 302 or "/work/" not in r.headers.get("Location", ""):
                    r.failure(f"{r.status_code} {r.headers.get('Location', '')}")
